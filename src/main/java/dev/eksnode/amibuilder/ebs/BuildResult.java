package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.aws.AwsErrors;
import dev.eksnode.amibuilder.pipeline.BuildId;
import dev.eksnode.amibuilder.pipeline.BuildTimeoutException;
import dev.eksnode.amibuilder.pipeline.CleanupReport;
import dev.eksnode.amibuilder.pipeline.Outcome;
import dev.eksnode.amibuilder.remote.Redactor;
import dev.eksnode.amibuilder.template.BuildSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

/**
 * What one build of a request did, typed: how it ended, the AMIs it made, how long each step took,
 * and, when it did not simply succeed, the one line that says why (with the build's secrets
 * masked).
 *
 * @param label {@code ""} for a lone build, {@code "[name] "} in a matrix (the matrix entry's name,
 *     or the AMI name for {@code k8s all})
 * @param failureLine {@code null} when the build succeeded and left nothing behind
 * @param kept how to enter the instance of a failed build that kept it; null otherwise
 * @param reuse the build's inputs fingerprint and what {@code --reuse} found; null when the build
 *     never ran its pipeline
 */
public record BuildResult(
    BuildId buildId,
    String label,
    String amiName,
    String region,
    Outcome outcome,
    Map<String, String> amis,
    Map<String, Duration> phases,
    List<Path> manifests,
    Path journal,
    String failureLine,
    KeptAccess kept,
    ReuseReport reuse) {

  /** A result without a fingerprint (the build never ran its pipeline). */
  public BuildResult(
      BuildId buildId,
      String label,
      String amiName,
      String region,
      Outcome outcome,
      Map<String, String> amis,
      Map<String, Duration> phases,
      List<Path> manifests,
      Path journal,
      String failureLine,
      KeptAccess kept) {
    this(
        buildId,
        label,
        amiName,
        region,
        outcome,
        amis,
        phases,
        manifests,
        journal,
        failureLine,
        kept,
        null);
  }

  /**
   * A build that failed before its pipeline ran (nothing was created): no AMIs, phases, manifests
   * or journal.
   */
  static BuildResult notRun(
      BuildId buildId, String label, BuildSpec spec, Outcome.Failed failed, String failureLine) {
    return new BuildResult(
        buildId,
        label,
        spec.settings().image().name(),
        spec.settings().region(),
        failed,
        Map.of(),
        Map.of(),
        List.of(),
        null,
        failureLine);
  }

  /** A result with no kept instance to enter. */
  public BuildResult(
      BuildId buildId,
      String label,
      String amiName,
      String region,
      Outcome outcome,
      Map<String, String> amis,
      Map<String, Duration> phases,
      List<Path> manifests,
      Path journal,
      String failureLine) {
    this(
        buildId,
        label,
        amiName,
        region,
        outcome,
        amis,
        phases,
        manifests,
        journal,
        failureLine,
        null);
  }

  public BuildResult {
    Objects.requireNonNull(buildId, "buildId");
    Objects.requireNonNull(label, "label");
    Objects.requireNonNull(outcome, "outcome");
    amis = Map.copyOf(amis);
    phases = Collections.unmodifiableMap(new LinkedHashMap<>(phases));
    manifests = List.copyOf(manifests);
  }

  /**
   * {@code succeeded}, {@code failed} or {@code cancelled}, as the journal and the JSON result say.
   */
  public String status() {
    return outcome instanceof Outcome.Succeeded
        ? "succeeded"
        : outcome instanceof Outcome.Failed ? "failed" : "cancelled";
  }

  public boolean succeeded() {
    return outcome instanceof Outcome.Succeeded;
  }

  public CleanupReport cleanup() {
    return outcome.cleanup();
  }

  /**
   * The command that finishes what this build left: the build id, the build region, then every
   * other region where something is kept or left over (so it works without this machine's journal
   * too).
   */
  public String cleanupCommand() {
    java.util.Set<String> regions = new java.util.LinkedHashSet<>();
    if (region != null) {
      regions.add(region);
    }
    java.util.stream.Stream.concat(
            outcome.cleanup().kept().stream(),
            outcome.cleanup().leftovers().stream()
                .map(CleanupReport.Leftover::resource)
                .filter(Objects::nonNull))
        .map(dev.eksnode.amibuilder.pipeline.Resource::region)
        .filter(Objects::nonNull)
        .sorted()
        .forEach(regions::add);
    return cleanupCommand(buildId.value(), regions);
  }

  /** {@code ami-builder cleanup} for {@code buildId}, with a {@code --region} for each region. */
  static String cleanupCommand(String buildId, java.util.Collection<String> regions) {
    StringBuilder command = new StringBuilder("ami-builder cleanup --build-id ").append(buildId);
    regions.forEach(r -> command.append(" --region ").append(r));
    return command.toString();
  }

  /** "step NAME failed: WHY", masked with {@code redactor}: what {@code --on-error ask} shows. */
  static String stepFailure(String step, Throwable cause, Redactor redactor) {
    return redactor.redact("step " + step + " failed: " + describe(cause));
  }

  /**
   * The one-line account of a build that did not end clean, masked with {@code redactor}; null if
   * it did.
   */
  static String failureLine(BuildId buildId, Outcome outcome, Redactor redactor) {
    if (outcome instanceof Outcome.Succeeded && outcome.cleanup().complete()) {
      return null;
    }
    return redactor.redact(unredacted(buildId, outcome));
  }

  private static String unredacted(BuildId buildId, Outcome outcome) {
    if (outcome instanceof Outcome.Failed f) {
      if (f.cause() instanceof PreflightException || f.cause() instanceof BuildTimeoutException) {
        // Already written for the user, and says what was (not) created.
        return f.cause().getMessage();
      }
      return "step "
          + f.step()
          + " failed: "
          + describe(f.cause())
          + (f.cleanup().nothingLeft() ? "; everything the build created was removed" : "");
    }
    if (outcome instanceof Outcome.Cancelled c) {
      return "build "
          + buildId
          + " "
          + c.reason()
          + " during "
          + c.step()
          + (c.cleanup().nothingLeft() ? "; everything it created was removed" : "");
    }
    return "build " + buildId + " succeeded but its temporary resources could not all be removed";
  }

  /** An AWS refusal by its error code and message; anything else by its message. */
  static String describe(Throwable t) {
    for (Throwable e = t; e != null; e = e.getCause()) {
      if (e instanceof AwsServiceException aws) {
        return AwsErrors.describe(aws);
      }
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}
