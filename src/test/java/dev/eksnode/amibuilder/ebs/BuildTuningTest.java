package dev.eksnode.amibuilder.ebs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BuildTuningTest {

  @Test
  void fromEnvironment_withoutOverrides_usesProductionDefaults() {
    BuildTuning t = BuildTuning.fromEnvironment(Map.of());
    assertNull(t.pollSchedule());
    assertEquals(12, t.undoRetry().maxAttempts());
    assertEquals(URI.create("https://checkip.amazonaws.com"), t.checkIpUrl());
  }

  @Test
  void fromEnvironment_withOverrides_shortensWaitsAndRetries() {
    BuildTuning t =
        BuildTuning.fromEnvironment(
            Map.of(
                BuildTuning.POLL_DELAY_ENV,
                "25",
                BuildTuning.UNDO_RETRY_ENV,
                "3,10",
                BuildTuning.CHECKIP_ENV,
                "http://127.0.0.1:1/ip"));
    assertEquals(Duration.ofMillis(25), t.pollSchedule().initialDelay());
    assertEquals(Duration.ofMillis(25), t.pollSchedule().maxDelay());
    assertEquals(3, t.undoRetry().maxAttempts());
    assertEquals(Duration.ofMillis(10), t.undoRetry().initialDelay());
    assertEquals(URI.create("http://127.0.0.1:1/ip"), t.checkIpUrl());
  }

  @Test
  void fromEnvironment_malformedRetry_isRejectedWithTheVariableName() {
    var e =
        assertThrows(
            dev.eksnode.amibuilder.config.ConfigException.class,
            () -> BuildTuning.fromEnvironment(Map.of(BuildTuning.UNDO_RETRY_ENV, "lots")));
    assertEquals(true, e.getMessage().contains(BuildTuning.UNDO_RETRY_ENV));
  }
}
