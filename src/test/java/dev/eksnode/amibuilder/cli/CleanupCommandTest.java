package dev.eksnode.amibuilder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.config.ConfigException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CleanupCommandTest {
  @TempDir Path tmp;

  @Test
  void parseDuration_acceptsSecondsMinutesHoursDays() {
    assertEquals(Duration.ofMinutes(90), CleanupCommand.parseDuration("90m"));
    assertEquals(Duration.ofHours(6), CleanupCommand.parseDuration("6h"));
    assertEquals(Duration.ofDays(2), CleanupCommand.parseDuration("2d"));
    assertEquals(Duration.ofSeconds(30), CleanupCommand.parseDuration("30s"));
    assertThrows(ConfigException.class, () -> CleanupCommand.parseDuration("six hours"));
  }

  @Test
  void cleanup_withoutBuildIdOrAge_exits2BeforeContactingAws() {
    TestHome.Result r = new TestHome(tmp).run("cleanup", "--region", "us-west-2");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--build-id"), r.err());
  }

  @Test
  void cleanup_malformedBuildId_exits2NamingTheFormat() {
    TestHome.Result r = new TestHome(tmp).run("cleanup", "--build-id", "12345");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("not a build id"), r.err());
  }

  @Test
  void worst_prefersInterruptThenLeftoversThenFailure() {
    assertEquals(130, ExitCodes.worst(java.util.List.of(0, 3, 130)));
    assertEquals(3, ExitCodes.worst(java.util.List.of(1, 3, 0)));
    assertEquals(1, ExitCodes.worst(java.util.List.of(2, 1)));
    assertEquals(0, ExitCodes.worst(java.util.List.of(0, 0)));
  }
}
