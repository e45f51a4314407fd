package dev.eksnode.amibuilder.ebs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.model.BlockDeviceMapping;
import software.amazon.awssdk.services.ec2.model.EbsBlockDevice;
import software.amazon.awssdk.services.ec2.model.Image;
import software.amazon.awssdk.services.ec2.model.ImageState;

/** Reading EC2's snapshot progress, and when a poll asks for it at all. */
class SnapshotPercentTest {

  @Test
  void percent_readsEc2sText() {
    assertEquals(40, Images.percent("40%"));
    assertEquals(100, Images.percent("100%"));
    assertEquals(7, Images.percent(" 7 % "));
    assertEquals(0, Images.percent(""));
    assertEquals(0, Images.percent(null));
    assertEquals(0, Images.percent("soon"));
    assertEquals(100, Images.percent("250%"));
  }

  private static Image image(ImageState state, String... snapshots) {
    Image.Builder b = Image.builder().imageId("ami-1").state(state);
    BlockDeviceMapping[] mappings = new BlockDeviceMapping[snapshots.length];
    for (int i = 0; i < snapshots.length; i++) {
      mappings[i] =
          BlockDeviceMapping.builder()
              .deviceName("/dev/xvd" + (char) ('a' + i))
              .ebs(EbsBlockDevice.builder().snapshotId(snapshots[i]).build())
              .build();
    }
    return b.blockDeviceMappings(mappings).build();
  }

  // A null client: any DescribeSnapshots call would throw NullPointerException.

  @Test
  void noCall_whenTheImageIsAvailable_orNotVisible_orHasNoSnapshots_orWasSeenComplete() {
    assertEquals(-1, Images.snapshotPercent(null, image(ImageState.AVAILABLE, "snap-1"), -1));
    assertEquals(100, Images.snapshotPercent(null, image(ImageState.AVAILABLE, "snap-1"), 40));
    assertEquals(12, Images.snapshotPercent(null, null, 12));
    assertEquals(-1, Images.snapshotPercent(null, image(ImageState.PENDING), -1));
    assertEquals(100, Images.snapshotPercent(null, image(ImageState.PENDING, "snap-1"), 100));
    assertEquals(30, Images.snapshotPercent(null, image(ImageState.FAILED, "snap-1"), 30));
  }
}
