package dev.eksnode.amibuilder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eksnode.amibuilder.ebs.Ec2Build;
import dev.eksnode.amibuilder.ebs.PreflightException;
import dev.eksnode.amibuilder.pipeline.BuildId;
import dev.eksnode.amibuilder.pipeline.CleanupReport;
import dev.eksnode.amibuilder.pipeline.Outcome;
import dev.eksnode.amibuilder.remote.Redactor;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BuildLauncherFailureLineTest {
  private static final String SECRET = "wJalrXUtnFEMI/K7MDENG+failure";

  private static Ec2Build.Result failed(String step, Throwable cause) {
    return new Ec2Build.Result(BuildId.generate(Clock.systemUTC()), new Outcome.Failed(step, cause,
        CleanupReport.empty()), Map.of(), Map.of(), List.of(), null);
  }

  @Test
  void failureLine_masksTheBuildsSecretsInTheCause() {
    Ec2Build.Result result = failed("provision", new IllegalStateException("script said key=" + SECRET));

    assertEquals("step provision failed: script said key=<redacted>; everything the build created was removed",
        BuildLauncher.failureLine(result, Redactor.of(List.of(SECRET))));
  }

  @Test
  void failureLine_masksSecretsInAPreflightMessageToo() {
    Ec2Build.Result result = failed("preflight", new PreflightException("bad value " + SECRET));

    assertEquals("bad value <redacted>", BuildLauncher.failureLine(result, Redactor.of(List.of(SECRET))));
  }

  @Test
  void failureLine_withoutSecrets_isUnchanged() {
    Ec2Build.Result result = failed("provision", new IllegalStateException("plain " + SECRET));

    assertEquals("step provision failed: plain " + SECRET + "; everything the build created was removed",
        BuildLauncher.failureLine(result, Redactor.none()));
  }
}
