package dev.eksnode.amibuilder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.config.ConfigException;
import dev.eksnode.amibuilder.pipeline.BuildId;
import dev.eksnode.amibuilder.pipeline.BuildJournal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
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

  /**
   * The build's own process is still at work (here: this JVM wrote the journal): its resources are
   * not left over yet, so cleanup refuses before contacting AWS; a dry run may still look.
   */
  @Test
  void cleanup_ofABuildStillRunningHere_exits2BeforeContactingAws() {
    TestHome home = new TestHome(tmp);
    Path state = tmp.resolve("state");
    home.env.put("AMI_BUILDER_STATE_DIR", state.toString());
    home.env.put("AWS_ACCESS_KEY_ID", "testing");
    home.env.put("AWS_SECRET_ACCESS_KEY", "testing");
    BuildId id = BuildId.parse("ab-20261203T1700-run123");
    BuildJournal.create(state, id, Clock.systemUTC());

    TestHome.Result r =
        home.run(
            "cleanup",
            "--build-id",
            id.value(),
            "--region",
            "us-west-2",
            "--endpoint-url",
            "http://127.0.0.1:9");

    assertEquals(2, r.code(), r.err());
    assertEquals(
        List.of(
            "error: build "
                + id.value()
                + " is still running (process "
                + ProcessHandle.current().pid()
                + " on this machine); stop it with Ctrl-C, which removes what it made, or let it"
                + " end, then run cleanup again if something is left"),
        r.errLines());
  }

  @Test
  void worst_prefersInterruptThenLeftoversThenFailure() {
    assertEquals(130, ExitCodes.worst(java.util.List.of(0, 3, 130)));
    assertEquals(3, ExitCodes.worst(java.util.List.of(1, 3, 0)));
    assertEquals(1, ExitCodes.worst(java.util.List.of(2, 1)));
    assertEquals(0, ExitCodes.worst(java.util.List.of(0, 0)));
  }
}
