package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.aws.AwsErrors;
import dev.eksnode.amibuilder.aws.Poller;
import dev.eksnode.amibuilder.aws.Tags;
import dev.eksnode.amibuilder.pipeline.TimeSource;
import java.time.Duration;
import java.util.List;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;

/**
 * Finding and terminating build instances; shared by the launch step's undo and the {@code cleanup}
 * command.
 */
final class Instances {
  /** How long "not found" may be EC2's eventual consistency rather than a gone instance. */
  static final Duration NOT_FOUND_GRACE = Duration.ofMinutes(2);

  private enum Termination {
    ACCEPTED,
    GONE,
    NOT_VISIBLE_YET
  }

  private Instances() {}

  /** The instance, or {@code null} when EC2 does not (or no longer) know it. */
  static Instance describe(Ec2Client ec2, String id) {
    try {
      return ec2.describeInstances(r -> r.instanceIds(id)).reservations().stream()
          .flatMap(r -> r.instances().stream())
          .findFirst()
          .orElse(null);
    } catch (RuntimeException e) {
      if (AwsErrors.isNotFound(e)) {
        return null;
      }
      throw e;
    }
  }

  /** Instances of {@code buildId} that are not terminated (yet), found by their build-id tag. */
  static List<String> ofBuild(Ec2Client ec2, String buildId) {
    return ec2
        .describeInstancesPaginator(
            r ->
                r.filters(
                    Tags.buildIdFilter(buildId),
                    Filter.builder()
                        .name("instance-state-name")
                        .values("pending", "running", "stopping", "stopped", "shutting-down")
                        .build()))
        .reservations()
        .stream()
        .flatMap(r -> r.instances().stream())
        .map(Instance::instanceId)
        .toList();
  }

  /**
   * Terminates {@code id} and waits until it is terminated. "Not found" counts as gone only once
   * DescribeInstances does not show it either and {@code notFoundUntilNanos} (a {@code time}
   * reading) has passed: right after RunInstances, TerminateInstances can answer
   * InvalidInstanceID.NotFound for an instance that exists and runs.
   */
  static void terminateAndWait(
      Ec2Client ec2, String id, Poller poller, TimeSource time, long notFoundUntilNanos)
      throws InterruptedException {
    Termination t =
        poller
            .waitFor(
                "termination of instance " + id,
                () -> requestTermination(ec2, id, time, notFoundUntilNanos))
            .stateOf(Termination::name)
            .until(s -> s != Termination.NOT_VISIBLE_YET)
            .tolerate(AwsErrors::isThrottling)
            .timeout(NOT_FOUND_GRACE.plus(Duration.ofMinutes(3)))
            .await();
    if (t == Termination.GONE) {
      return;
    }
    try {
      poller
          .waitFor("instance " + id + " terminated", () -> describe(ec2, id))
          .stateOf(i -> i == null ? "gone" : i.state().nameAsString())
          .until(i -> i == null || i.state().name() == InstanceStateName.TERMINATED)
          .tolerate(AwsErrors::isThrottling)
          .timeout(Duration.ofMinutes(10))
          .await();
    } catch (RuntimeException e) {
      // A 5xx or a network error: the undo's retry asks again. A refusal leaves the termination
      // accepted but unconfirmed, which the report must not pass off as an instance still running.
      if (AwsErrors.isRetryableForUndo(e)) {
        throw e;
      }
      throw new TerminationUnconfirmedException(e);
    }
  }

  private static Termination requestTermination(
      Ec2Client ec2, String id, TimeSource time, long notFoundUntilNanos) {
    try {
      ec2.terminateInstances(r -> r.instanceIds(id));
      return Termination.ACCEPTED;
    } catch (RuntimeException e) {
      if (!AwsErrors.isNotFound(e)) {
        throw e;
      }
    }
    Instance instance = describe(ec2, id);
    if (instance != null) {
      // Describe sees it: the NotFound was a stale read; ask again unless it is already over.
      return instance.state().name() == InstanceStateName.TERMINATED
          ? Termination.GONE
          : Termination.NOT_VISIBLE_YET;
    }
    return time.nanoTime() - notFoundUntilNanos >= 0
        ? Termination.GONE
        : Termination.NOT_VISIBLE_YET;
  }
}
