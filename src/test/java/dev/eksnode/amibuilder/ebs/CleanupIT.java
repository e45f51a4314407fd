package dev.eksnode.amibuilder.ebs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.cli.TestHome;
import dev.eksnode.amibuilder.rig.MotoExtension;
import dev.eksnode.amibuilder.rig.MotoState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code cleanup} command on what a kept build left: listing only, and finding it by tag
 * without a journal.
 */
class CleanupIT {
  @RegisterExtension static final MotoExtension MOTO = new MotoExtension();
  static final Set<String> DELETES =
      Set.of(
          "TerminateInstances",
          "DeleteKeyPair",
          "DeleteSecurityGroup",
          "DeregisterImage",
          "DeleteSnapshot",
          "DeleteVolume");
  @TempDir Path tmp;

  /**
   * A build stopped at StopInstances with --on-error abort: instance, volume, key pair and group
   * are kept.
   */
  private static String keptBuild(BuildRig rig) {
    rig.proxy.on("StopInstances").call(1).fail(400, "InvalidParameterValue", "injected");
    TestHome.Result r = rig.build("--on-error", "abort");
    assertEquals(3, r.code(), r.err());
    Matcher m = FaultMatrixIT.BUILD_ID.matcher(r.err());
    assertTrue(m.find(), r.err());
    rig.proxy.clear();
    return m.group(1);
  }

  @Test
  void cleanupDryRun_listsWhatItWouldRemove_removesNothing_exits3() {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      MotoState before = rig.state();
      String buildId = keptBuild(rig);
      Set<MotoState.Resource> kept = rig.state().diff(before);
      assertFalse(kept.isEmpty());

      TestHome.Result r =
          rig.cli(
              "cleanup",
              "--build-id",
              buildId,
              "--dry-run",
              "--endpoint-url",
              rig.proxy.endpoint().toString());
      assertEquals(3, r.code(), "documented: 3 when something was found; " + r.out() + r.err());
      for (MotoState.Resource x : kept) {
        String id = x.kind() == MotoState.Kind.KEY_PAIR ? x.name() : x.id();
        assertTrue(
            r.out().contains("would remove") && r.out().contains(id),
            id + " not listed in:\n" + r.out());
      }
      for (String delete : DELETES) {
        assertEquals(0, rig.proxy.count(delete), delete + " was called by a dry run");
      }
      assertEquals(kept, rig.state().diff(before), "a dry run removed something");
    }
  }

  @Test
  void cleanupByBuildId_withoutJournal_findsEverythingByTag() throws Exception {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      MotoState before = rig.state();
      String buildId = keptBuild(rig);
      Files.delete(rig.stateDir.resolve(buildId + ".json"));

      TestHome.Result r =
          rig.cli(
              "cleanup",
              "--build-id",
              buildId,
              "--region",
              BuildRig.REGION,
              "--endpoint-url",
              rig.proxy.endpoint().toString());
      assertEquals(0, r.code(), r.out() + r.err());
      assertTrue(r.err().contains("no journal"), r.err());
      assertEquals(Set.of(), rig.state().diff(before), r.out() + r.err());
    }
  }
}
