package dev.eksnode.amibuilder.ebs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.cli.TestHome;
import dev.eksnode.amibuilder.rig.MotoExtension;
import dev.eksnode.amibuilder.rig.MotoState;
import dev.eksnode.amibuilder.rig.NodeHostExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ec2.model.KeyPairInfo;

/**
 * A whole build whose template sets {@code expect_disconnect: true} on a script that never reboots
 * (as upstream does for {@code limit-c-states.sh}), then on one that does, with a provisioner after
 * each: both go on, the first on the same boot, the second on the new one.
 */
class ExpectDisconnectBuildIT {
  @RegisterExtension static final MotoExtension MOTO = new MotoExtension();
  @RegisterExtension static final NodeHostExtension NODE = new NodeHostExtension();

  private static final String NO_REBOOT = "expect_disconnect: no reboot happened";

  @TempDir Path root;

  @Test
  void k8s_expectDisconnectScriptThatDoesNotReboot_buildsAndRunsTheNextProvisioners()
      throws Exception {
    try (BuildRig rig = new BuildRig(MOTO, root)) {
      NODE.followAuthorizedKeys(
          () ->
              rig.ec2().describeKeyPairs(r -> r.includePublicKey(true)).keyPairs().stream()
                  .map(KeyPairInfo::publicKey)
                  .filter(k -> k != null && !k.isBlank())
                  .toList());
      Files.writeString(
          rig.home.home.resolve("scripts/limit-c-states.sh"),
          "#!/bin/sh\nset -eu\necho 1 > /etc/c-states-limited\necho c-states limited\n");
      rig.provisioners(
          List.of(
              Map.of(
                  "type",
                  "shell",
                  "script",
                  "{{template_dir}}/../scripts/limit-c-states.sh",
                  "expect_disconnect",
                  true),
              Map.of(
                  "type",
                  "shell",
                  "inline",
                  List.of("echo \"$(cat /etc/c-states-limited)\" > /etc/after-c-states")),
              Map.of("type", "shell", "inline", List.of("sudo reboot"), "expect_disconnect", true),
              Map.of("type", "shell", "inline", List.of("touch /etc/after-reboot"))));
      MotoState before = rig.state();
      String bootBefore = NODE.bootId();

      long started = System.nanoTime();
      TestHome.Result run =
          rig.build(
              "ssh_host=" + NODE.host(), "ssh_port=" + NODE.port(), "ssh_username=" + NODE.user());
      long millis = (System.nanoTime() - started) / 1_000_000;
      System.out.printf("build with a non-rebooting expect_disconnect script: %d ms%n", millis);

      assertEquals(0, run.code(), run.err() + run.out());
      List<String> noReboot = run.out().lines().filter(l -> l.contains(NO_REBOOT)).toList();
      assertEquals(1, noReboot.size(), run.out());
      assertTrue(
          noReboot.get(0).contains("[shell ") && noReboot.get(0).contains("limit-c-states.sh]"),
          noReboot.get(0));
      // The script that did not reboot ran, then the next provisioner on the same boot ...
      assertEquals("1\n", Files.readString(NODE.onDisk("/etc/after-c-states")));
      // ... and the real reboot after it still counts: a new boot id, then the last provisioner.
      assertNotEquals(bootBefore, NODE.bootId(), "the second expect_disconnect script reboots");
      assertEquals(
          1, NODE.calls().stream().filter("reboot"::equals).count(), NODE.calls().toString());
      assertTrue(Files.exists(NODE.onDisk("/etc/after-reboot")), "the last provisioner ran");
      assertFalse(run.err().contains("expected to reboot"), run.err());

      Set<MotoState.Kind> left =
          rig.state().diff(before).stream()
              .map(MotoState.Resource::kind)
              .collect(Collectors.toSet());
      assertEquals(Set.of(MotoState.Kind.IMAGE, MotoState.Kind.SNAPSHOT), left);
    }
  }
}
