package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.aws.AwsErrors;
import dev.eksnode.amibuilder.aws.Poller;
import dev.eksnode.amibuilder.aws.Tags;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.BlockDeviceMapping;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Image;
import software.amazon.awssdk.services.ec2.model.ImageState;

/** Finding and waiting for images. */
public final class Images {
  private static final Logger log = LoggerFactory.getLogger(Images.class);

  private Images() {}

  /** The newest of {@code images} by creation date (one without a date counts as oldest). */
  static Optional<Image> newest(List<Image> images) {
    return images.stream()
        .max(Comparator.comparing(i -> i.creationDate() == null ? "" : i.creationDate()));
  }

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
    return ownLive(ec2, nameFilter(name), Tags.buildIdFilter(buildId)).map(Image::imageId).toList();
  }

  /**
   * The images a CopyImage of this build into a region may have made: those named {@code name} that
   * carry this build's id, or no build id at all. The copy asks for its tags in the call, but an
   * EC2 implementation that ignores CopyImage's TagSpecifications (moto does) leaves it untagged
   * until the CreateTags that follows the answer, so after a lost answer only its name finds it.
   * Another build's image cannot have that name: AMI names are unique in a region, and preflight
   * found the name free in every copy region.
   */
  public static List<String> copiesOfBuild(Ec2Client ec2, String name, String buildId) {
    return ownLive(ec2, nameFilter(name))
        .filter(
            i ->
                i.tags().stream().noneMatch(t -> Tags.BUILD_ID.equals(t.key()))
                    || i.tags().stream()
                        .anyMatch(t -> Tags.BUILD_ID.equals(t.key()) && buildId.equals(t.value())))
        .map(Image::imageId)
        .toList();
  }

  /** This account's images that match every filter, deregistered ones left out. */
  private static Stream<Image> ownLive(Ec2Client ec2, Filter... filters) {
    return ec2.describeImages(r -> r.owners("self").filters(filters)).images().stream()
        .filter(i -> i.state() != ImageState.DEREGISTERED);
  }

  private static Filter nameFilter(String name) {
    return Filter.builder().name("name").values(name).build();
  }

  /** Told how far the snapshots of a pending image are, after each image poll. */
  @FunctionalInterface
  public interface SnapshotProgress {
    /**
     * @param percent the least progress of the image's snapshots, 0 to 100
     */
    void update(String what, String imageId, String state, int percent, Duration elapsed);
  }

  /** Waits until {@code imageId} is available; tolerates the new id not being visible yet. */
  public static Image awaitAvailable(
      Poller poller, Ec2Client ec2, String imageId, Duration timeout, Poller.Progress progress)
      throws InterruptedException {
    return awaitAvailable(poller, ec2, imageId, timeout, progress, null);
  }

  /**
   * Waits until {@code imageId} is available. With {@code snapshots} set, every poll that finds the
   * image pending with snapshots not yet complete also asks DescribeSnapshots for their progress,
   * on the same schedule (no poll of its own); once they report 100 % or the image is available, no
   * more snapshot calls are made. An image available at the first poll reports nothing. Snapshot
   * progress is for display only: a failed DescribeSnapshots is logged and ignored.
   */
  public static Image awaitAvailable(
      Poller poller,
      Ec2Client ec2,
      String imageId,
      Duration timeout,
      Poller.Progress progress,
      SnapshotProgress snapshots)
      throws InterruptedException {
    AtomicInteger percent = new AtomicInteger(-1);
    Poller.Progress listener =
        snapshots == null
            ? progress
            : (what, state, elapsed) -> {
              progress.update(what, state, elapsed);
              int p = percent.get();
              if (p >= 0) {
                snapshots.update(what, imageId, state, p, elapsed);
              }
            };
    return poller
        .waitFor(
            "AMI " + imageId + " available",
            () -> {
              Image image =
                  ec2.describeImages(r -> r.imageIds(imageId)).images().stream()
                      .findFirst()
                      .orElse(null);
              if (snapshots != null) {
                percent.set(snapshotPercent(ec2, image, percent.get()));
              }
              return image;
            })
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
        .onProgress(listener)
        .await();
  }

  /**
   * The progress to show after a poll that found {@code image}, given the last one shown ({@code
   * -1}: none yet). Asks DescribeSnapshots only while the image is pending and its snapshots were
   * not yet seen complete.
   */
  static int snapshotPercent(Ec2Client ec2, Image image, int last) {
    if (image == null) {
      return last;
    }
    if (image.state() == ImageState.AVAILABLE) {
      return last < 0 ? -1 : 100;
    }
    List<String> ids = snapshotsOf(image);
    if (image.state() != ImageState.PENDING || ids.isEmpty() || last >= 100) {
      return last;
    }
    try {
      return ec2.describeSnapshots(r -> r.snapshotIds(ids)).snapshots().stream()
          .mapToInt(s -> percent(s.progress()))
          .min()
          .orElse(last);
    } catch (AbortedException e) {
      throw e;
    } catch (SdkException e) {
      log.debug("[imageId={}] no snapshot progress: {}", image.imageId(), e.getMessage());
      return last;
    }
  }

  /** EC2's snapshot progress ({@code "40%"}) as a number; empty or odd text counts as 0. */
  static int percent(String progress) {
    if (progress == null) {
      return 0;
    }
    String digits = progress.trim();
    if (digits.endsWith("%")) {
      digits = digits.substring(0, digits.length() - 1).trim();
    }
    try {
      return Math.max(0, Math.min(100, (int) Double.parseDouble(digits)));
    } catch (NumberFormatException e) {
      return 0;
    }
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
