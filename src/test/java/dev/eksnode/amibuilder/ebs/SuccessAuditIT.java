package dev.eksnode.amibuilder.ebs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.cli.TestHome;
import dev.eksnode.amibuilder.rig.MotoExtension;
import dev.eksnode.amibuilder.rig.MotoState;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ec2.model.Image;

/**
 * Exit 0 means only the finished AMIs and their snapshots remain: an encrypted build whose
 * unencrypted stepping stone cannot be removed is not a success.
 */
class SuccessAuditIT {
  @RegisterExtension static final MotoExtension MOTO = new MotoExtension();
  @TempDir Path tmp;

  @Test
  void
      encryptedBuild_whenTheUnencryptedImageCannotBeDeregistered_exit3NamingItThenCleanupFinishes() {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      MotoState before = rig.state();
      rig.proxy
          .on("DeregisterImage")
          .always()
          .fail(403, "UnauthorizedOperation", "injected: not allowed");
      TestHome.Result r = rig.build("encrypted=true");

      assertEquals(3, r.code(), r.out() + r.err());
      Image intermediate = imageNamed(rig, "-unencrypted");
      assertTrue(
          r.err().contains(intermediate.imageId()),
          intermediate.imageId() + " not named in:\n" + r.err());
      for (String snapshot : Images.snapshotsOf(intermediate)) {
        assertTrue(r.err().contains(snapshot), snapshot + " not named in:\n" + r.err());
      }
      Matcher m = FaultMatrixIT.BUILD_ID.matcher(r.err());
      assertTrue(m.find(), "no cleanup command in:\n" + r.err());

      rig.proxy.clear();
      TestHome.Result cleanup =
          rig.cli(
              "cleanup",
              "--build-id",
              m.group(1),
              "--endpoint-url",
              rig.proxy.endpoint().toString());
      assertEquals(0, cleanup.code(), cleanup.out() + cleanup.err());
      assertOnlyTheEncryptedAmiAndItsSnapshot(rig, before);
    }
  }

  @Test
  void encryptedBuild_whenDeregisterIsBusyOnce_retriesItAwayAndExits0() {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      MotoState before = rig.state();
      rig.proxy
          .on("DeregisterImage")
          .firstCalls(1)
          .fail(400, "IncorrectState", "injected: image busy");
      TestHome.Result r = rig.build("encrypted=true");

      assertEquals(0, r.code(), r.out() + r.err());
      assertEquals(2, rig.proxy.count("DeregisterImage"));
      assertOnlyTheEncryptedAmiAndItsSnapshot(rig, before);
    }
  }

  private static Image imageNamed(BuildRig rig, String suffix) {
    List<Image> images =
        rig.ec2().describeImages(q -> q.owners("self")).images().stream()
            .filter(i -> i.name().endsWith(suffix))
            .toList();
    assertEquals(1, images.size(), "images named *" + suffix + ": " + images);
    return images.get(0);
  }

  private static void assertOnlyTheEncryptedAmiAndItsSnapshot(BuildRig rig, MotoState before) {
    Image ami = Ec2BuildIT.onlyImage(rig.ec2());
    Set<String> expected = new java.util.TreeSet<>(Images.snapshotsOf(ami));
    expected.add(ami.imageId());
    Set<String> left = new java.util.TreeSet<>();
    rig.state().diff(before).forEach(x -> left.add(x.id()));
    assertEquals(expected, left);
  }
}
