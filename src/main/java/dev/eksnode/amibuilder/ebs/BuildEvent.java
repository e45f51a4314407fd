package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.pipeline.BuildId;
import dev.eksnode.amibuilder.pipeline.Resource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything the build core tells its caller while it works, as one closed set of types: a command
 * renders them (lines for people, JSON for scripts) and never needs to know how a build is put
 * together. Events of one build arrive in order; events of parallel builds interleave, so each
 * names its build and the label its lines carry ({@code ""} for a lone build, {@code "[name] "} in
 * a matrix or for an entry of a matrix file: the entry's name, or the AMI name for {@code k8s
 * all}).
 */
public sealed interface BuildEvent {

  /**
   * The label of the build the event belongs to: {@code ""} for a lone build, else {@code "[name]
   * "}.
   */
  String label();

  /**
   * A build of the request is fully resolved (bucket versions included) and about to run; {@code
   * regionSource} says which setting chose its region (e.g. {@code AWS_REGION}).
   */
  record Planned(
      String label,
      String amiName,
      String kubernetesVersion,
      String arch,
      String region,
      String regionSource)
      implements BuildEvent {}

  /**
   * The build has an id and a journal; from here on everything it creates is recorded. {@code
   * regionSource} says which setting chose the region.
   */
  record Started(
      BuildId buildId,
      String label,
      String amiName,
      String region,
      Path journal,
      String regionSource)
      implements BuildEvent {}

  record StepStarted(BuildId buildId, String label, String step) implements BuildEvent {}

  record StepFinished(BuildId buildId, String label, String step, Duration took, boolean ok)
      implements BuildEvent {}

  /** The undo of {@code step} begins: the build is removing what it created. */
  record UndoStarted(BuildId buildId, String label, String step) implements BuildEvent {}

  /** The temporary security group admits SSH from these ranges, for this reason. */
  record SshIngress(BuildId buildId, String label, SshSource source) implements BuildEvent {}

  record ResourceCreated(BuildId buildId, String label, Resource resource) implements BuildEvent {}

  record ResourceRemoved(BuildId buildId, String label, Resource resource) implements BuildEvent {}

  /**
   * A wait is in {@code state} after {@code elapsed}; sent when the state changes and while it
   * lasts every {@link BuildService#WAIT_REPEAT}, not on every poll.
   */
  record Waiting(BuildId buildId, String label, String what, String state, Duration elapsed)
      implements BuildEvent {}

  /**
   * The snapshots behind a pending image are {@code percent} done (the least of them, 0 to 100)
   * while the image is in {@code state}; sent when the percentage or the state changes, only when
   * the request asked for snapshot progress.
   */
  record Progress(
      BuildId buildId,
      String label,
      String what,
      String region,
      String imageId,
      String state,
      int percent,
      Duration elapsed)
      implements BuildEvent {}

  /** One line of remote output, already redacted. */
  record OutputLine(BuildId buildId, String label, String provisioner, String line)
      implements BuildEvent {}

  /** Progress: a provisioner finished in {@code took}, using {@code channels} SSH round trips. */
  record Provisioned(
      BuildId buildId, String label, String provisioner, Duration took, long channels)
      implements BuildEvent {}

  /** The build is over: its result, the last event of that build. */
  record Finished(BuildResult result) implements BuildEvent {
    public Finished {
      Objects.requireNonNull(result, "result");
    }

    @Override
    public String label() {
      return result.label();
    }
  }
}
