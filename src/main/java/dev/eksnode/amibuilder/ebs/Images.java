package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.aws.AwsErrors;
import dev.eksnode.amibuilder.aws.Poller;
import dev.eksnode.amibuilder.aws.Tags;
import dev.eksnode.amibuilder.pipeline.Resource;
import dev.eksnode.amibuilder.pipeline.ResourceKind;
import dev.eksnode.amibuilder.pipeline.Retry;
import dev.eksnode.amibuilder.pipeline.UndoReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.BlockDeviceMapping;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Image;
import software.amazon.awssdk.services.ec2.model.ImageState;

/** Waiting for and removing images; shared by the image steps' undos and the {@code cleanup} command. */
public final class Images {
  private Images() {}

  /** The image, or {@code null} when EC2 does not (or no longer) know it. */
  public static Image describe(Ec2Client ec2, String imageId) {
    try {
      return ec2.describeImages(r -> r.imageIds(imageId)).images().stream().findFirst().orElse(null);
    } catch (RuntimeException e) {
      if (AwsErrors.isNotFound(e) || "InvalidAMIID.Unavailable".equals(AwsErrors.errorCode(e).orElse(""))) {
        return null;
      }
      throw e;
    }
  }

  /** Images of this account called {@code name} and tagged with {@code buildId}, not deregistered. */
  public static List<String> ofBuild(Ec2Client ec2, String name, String buildId) {
    return ec2.describeImages(r -> r.owners("self").filters(Filter.builder().name("name").values(name).build(),
            Tags.buildIdFilter(buildId))).images().stream()
        .filter(i -> i.state() != ImageState.DEREGISTERED).map(Image::imageId).toList();
  }

  /** Waits until {@code imageId} is available; tolerates the new id not being visible yet. */
  public static Image awaitAvailable(Poller poller, Ec2Client ec2, String imageId, Duration timeout,
      Poller.Progress progress) throws InterruptedException {
    return poller.waitFor("AMI " + imageId + " available",
            () -> ec2.describeImages(r -> r.imageIds(imageId)).images().stream().findFirst().orElse(null))
        .stateOf(i -> i == null ? "not visible yet" : i.stateAsString())
        .until(i -> i != null && i.state() == ImageState.AVAILABLE)
        .failWhen(i -> i != null && (i.state() == ImageState.FAILED || i.state() == ImageState.ERROR
            || i.state() == ImageState.INVALID || i.state() == ImageState.DEREGISTERED))
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

  /**
   * Deregisters the image and deletes its snapshots ({@code knownSnapshots} plus those the image still lists),
   * reporting each. Idempotent: what is already gone counts as removed.
   */
  public static void remove(Ec2Client ec2, String region, String imageId, List<String> knownSnapshots,
      Retry retry, UndoReport report) {
    Set<String> snapshots = new LinkedHashSet<>(knownSnapshots);
    Resource image = new Resource(ResourceKind.IMAGE, imageId, region);
    try {
      snapshots.addAll(retry.call("describe " + imageId, () -> snapshotsOf(describe(ec2, imageId))));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      // Deregistering still works without the list; the journal and tags name the snapshots for cleanup.
    }
    boolean deregistered = report.remove(image, retry,
        AwsErrors.ignoringNotFound(() -> ec2.deregisterImage(r -> r.imageId(imageId))));
    for (String snapshot : snapshots) {
      Resource resource = new Resource(ResourceKind.SNAPSHOT, snapshot, region);
      if (!deregistered) {
        report.leftover(resource, "its image " + imageId + " could not be deregistered");
        continue;
      }
      report.remove(resource, retry, AwsErrors.ignoringNotFound(
          () -> ec2.deleteSnapshot(r -> r.snapshotId(snapshot))));
    }
  }
}
