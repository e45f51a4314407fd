package dev.eksnode.amibuilder.ebs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eksnode.amibuilder.pipeline.BuildId;
import dev.eksnode.amibuilder.pipeline.CleanupReport;
import dev.eksnode.amibuilder.pipeline.Outcome;
import dev.eksnode.amibuilder.remote.Redactor;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

class BuildResultFailureLineTest {
  private static final String SECRET = "wJalrXUtnFEMI/K7MDENG+failure";

  private static final BuildId ID = BuildId.generate(Clock.systemUTC());

  private static Outcome failed(String step, Throwable cause) {
    return new Outcome.Failed(step, cause, CleanupReport.empty());
  }

  @Test
  void failureLine_masksTheBuildsSecretsInTheCause() {
    Outcome result = failed("provision", new IllegalStateException("script said key=" + SECRET));

    assertEquals(
        "step provision failed: script said key=<redacted>; everything the build created was removed",
        BuildResult.failureLine(ID, result, Redactor.of(List.of(SECRET))));
  }

  @Test
  void failureLine_masksSecretsInAPreflightMessageToo() {
    Outcome result = failed("preflight", new PreflightException("bad value " + SECRET));

    assertEquals(
        "bad value <redacted>", BuildResult.failureLine(ID, result, Redactor.of(List.of(SECRET))));
  }

  @Test
  void failureLine_withoutSecrets_isUnchanged() {
    Outcome result = failed("provision", new IllegalStateException("plain " + SECRET));

    assertEquals(
        "step provision failed: plain " + SECRET + "; everything the build created was removed",
        BuildResult.failureLine(ID, result, Redactor.none()));
  }
}
