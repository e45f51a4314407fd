package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.aws.AwsErrors;
import dev.eksnode.amibuilder.aws.Poller;
import dev.eksnode.amibuilder.aws.Tags;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.BlockDeviceMapping;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Image;
import software.amazon.awssdk.services.ec2.model.ImageState;

/** Finding and waiting for images. */
public final class Images {
  private Images() {}

  /** The image, or {@code null} when EC2 does not (or no longer) know it. */
  public static Image describe(Ec2Client ec2, String imageId) {
    try {
      return ec2.describeImages(r -> r.imageIds(imageId)).images().stream()
          .findFirst()
          .orElse(null);
    } catch (RuntimeException e) {
      if (AwsErrors.isNotFound(e)
          || "InvalidAMIID.Unavailable".equals(AwsErrors.errorCode(e).orElse(""))) {
        return null;
      }
      throw e;
    }
  }

  /**
   * Images of this account called {@code name} and tagged with {@code buildId}, not deregistered.
   */
  public static List<String> ofBuild(Ec2Client ec2, String name, String buildId) {
    return ec2
        .describeImages(
            r ->
                r.owners("self")
                    .filters(
                        Filter.builder().name("name").values(name).build(),
                        Tags.buildIdFilter(buildId)))
        .images()
        .stream()
        .filter(i -> i.state() != ImageState.DEREGISTERED)
        .map(Image::imageId)
        .toList();
  }

  /** Waits until {@code imageId} is available; tolerates the new id not being visible yet. */
  public static Image awaitAvailable(
      Poller poller, Ec2Client ec2, String imageId, Duration timeout, Poller.Progress progress)
      throws InterruptedException {
    return poller
        .waitFor(
            "AMI " + imageId + " available",
            () ->
                ec2.describeImages(r -> r.imageIds(imageId)).images().stream()
                    .findFirst()
                    .orElse(null))
        .stateOf(i -> i == null ? "not visible yet" : i.stateAsString())
        .until(i -> i != null && i.state() == ImageState.AVAILABLE)
        .failWhen(
            i ->
                i != null
                    && (i.state() == ImageState.FAILED
                        || i.state() == ImageState.ERROR
                        || i.state() == ImageState.INVALID
                        || i.state() == ImageState.DEREGISTERED))
        .tolerate(e -> AwsErrors.isEventualConsistency(e) || AwsErrors.isThrottling(e))
        .timeout(timeout)
        .onProgress(progress)
        .await();
  }

  /** The EBS snapshots behind an image, in device order. */
  public static List<String> snapshotsOf(Image image) {
    List<String> result = new ArrayList<>();
    if (image == null) {
      return result;
    }
    for (BlockDeviceMapping m : image.blockDeviceMappings()) {
      if (m.ebs() != null && m.ebs().snapshotId() != null) {
        result.add(m.ebs().snapshotId());
      }
    }
    return result;
  }
}
