package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.pipeline.Resource;

/**
 * What a build tells its caller besides the step events: resources as they appear, and progress of
 * waits.
 */
public interface BuildEvents {

  default void resourceCreated(Resource resource) {}

  default void resourceRemoved(Resource resource) {}

  /** A wait changed state or made progress. */
  default void waiting(String what, String state, java.time.Duration elapsed) {}

  /**
   * Whether the caller shows snapshot progress. When false, image waits make no DescribeSnapshots
   * call at all.
   */
  default boolean wantsSnapshotProgress() {
    return false;
  }

  /**
   * The snapshots of a pending image are {@code percent} done (the least of them), the image being
   * in {@code state} after {@code elapsed}. Told after every image poll that asked for them, and
   * once with 100 when the image is available.
   */
  default void snapshotProgress(
      String what,
      String region,
      String imageId,
      String state,
      int percent,
      java.time.Duration elapsed) {}

  /** One line of remote output (already redacted), from the provisioner named by {@code label}. */
  default void output(String label, String line) {}

  /** A provisioner finished; {@code channels} is the number of SSH round trips it used. */
  default void provisioned(String label, java.time.Duration took, long channels) {}

  /** The temporary security group admits SSH from {@code source}. */
  default void sshSource(SshSource source) {}

  static BuildEvents none() {
    return new BuildEvents() {};
  }
}
