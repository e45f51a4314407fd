package dev.eksnode.amibuilder.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.cli.TestHome;
import dev.eksnode.amibuilder.rig.MotoExtension;
import dev.eksnode.amibuilder.rig.MotoState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every AWS action the build calls, failed once with a non-retryable error: the build stops with the right exit
 * code and leaves nothing behind. Undo calls that fail are reported with the cleanup command, which then finishes.
 */
class FaultMatrixIT {
  @RegisterExtension static final MotoExtension MOTO = new MotoExtension();
  static final Pattern BUILD_ID = Pattern.compile("cleanup --build-id (ab-\\d{8}T\\d{4}-[0-9a-z]{6})");
  static final String[] COPY_AND_SHARE = {"ami_regions=us-east-1", "ami_users=111122223333"};
  @TempDir Path tmp;

  @ParameterizedTest(name = "{0} call {1} fails -> exit {2}")
  @CsvSource({
      "DescribeImages, 1, 2",
      "DescribeImages, 2, 2",
      "DescribeVpcs, 1, 2",
      "DescribeInstanceTypeOfferings, 1, 2",
      "ImportKeyPair, 1, 1",
      "CreateSecurityGroup, 1, 1",
      "AuthorizeSecurityGroupIngress, 1, 1",
      "RunInstances, 1, 1",
      "DescribeInstances, 1, 1",
      "StopInstances, 1, 1",
      "DescribeInstances, 2, 1",
      "CreateImage, 1, 1",
      "DescribeImages, 4, 1",
      "CreateTags, 1, 1",
      "CopyImage, 1, 1",
      "CreateTags, 2, 1",
      "DescribeImages, 5, 1",
      "CreateTags, 3, 1",
      "ModifyImageAttribute, 1, 1",
      "ModifySnapshotAttribute, 1, 1",
      "CreateTags, 4, 1",
  })
  void forwardFailure_exitsNonZeroAndLeavesNothing(String action, int call, int exit) {
    try (BuildRig rig = new BuildRig(MOTO, tmp, "us-east-1")) {
      MotoState before = rig.state();
      rig.proxy.on(action).call(call).fail(400, "InvalidParameterValue", "injected by the fault matrix");
      TestHome.Result r = rig.build(COPY_AND_SHARE);
      assertEquals(exit, r.code(), r.out() + r.err());
      assertEquals(1, rig.proxy.count(action) >= call ? 1 : 0, action + " was not called " + call + " times");
      assertEquals(Set.of(), rig.state().diff(before), "leftovers after " + action + " #" + call + " failed");
      assertEquals(1, r.errLines().stream().filter(l -> l.startsWith("error: ")).count(), r.err());
      assertTrue(r.err().contains("injected by the fault matrix"), r.err());
    }
  }

  @ParameterizedTest(name = "undo {0} refused -> exit 3, cleanup finishes")
  @CsvSource({
      "TerminateInstances, INSTANCE, ''",
      "DeleteSecurityGroup, SECURITY_GROUP, ''",
      "DeleteKeyPair, KEY_PAIR, ''",
      "DeregisterImage, IMAGE, CreateTags",
      "DeleteSnapshot, SNAPSHOT, CreateTags",
  })
  void undoRefusedAlways_exit3WithIdsThenCleanupFinishes(String action, String kind, String failFirst) {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      MotoState before = rig.state();
      if (!failFirst.isEmpty()) {
        // Make the build fail after the image exists, so its undo has to remove the image.
        rig.proxy.on(failFirst).call(2).fail(400, "InvalidParameterValue", "injected to fail the build");
      }
      rig.proxy.on(action).always().fail(403, "UnauthorizedOperation", "injected: not allowed");
      TestHome.Result r = rig.build();
      assertEquals(3, r.code(), r.out() + r.err());
      Matcher m = BUILD_ID.matcher(r.err());
      assertTrue(m.find(), "no cleanup command in:\n" + r.err());
      Set<MotoState.Resource> left = rig.state().diff(before);
      List<MotoState.Resource> ofKind = left.stream().filter(x -> x.kind().name().equals(kind)).toList();
      assertTrue(!ofKind.isEmpty(), "expected a leftover " + kind + " in " + left);
      for (MotoState.Resource x : ofKind) {
        assertTrue(r.err().contains(x.id()) || kind.equals("KEY_PAIR"), x.id() + " not named in:\n" + r.err());
      }

      rig.proxy.clear();
      TestHome.Result cleanup = rig.cli("cleanup", "--build-id", m.group(1), "--endpoint-url",
          rig.proxy.endpoint().toString());
      assertEquals(0, cleanup.code(), cleanup.out() + cleanup.err());
      Set<MotoState.Resource> after = rig.state().diff(before);
      assertEquals(Set.of(), after.stream().filter(x -> x.kind() != MotoState.Kind.IMAGE
          && x.kind() != MotoState.Kind.SNAPSHOT).collect(Collectors.toSet()), "after cleanup");
      if (!failFirst.isEmpty()) {
        assertEquals(Set.of(), after, "a failed build's image must go too");
      } else {
        assertEquals(1, after.stream().filter(x -> x.kind() == MotoState.Kind.IMAGE).count(), "finished AMI kept");
      }
    }
  }

  @Test
  void undo_whenTerminateRefusedTwice_retriesAndSucceeds() {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      MotoState before = rig.state();
      rig.proxy.on("CreateImage").call(1).fail(400, "InvalidParameterValue", "injected to fail the build");
      rig.proxy.on("TerminateInstances").firstCalls(2).fail(400, "IncorrectInstanceState", "injected: busy");
      TestHome.Result r = rig.build();
      assertEquals(1, r.code(), r.out() + r.err());
      assertEquals(3, rig.proxy.count("TerminateInstances"));
      assertEquals(Set.of(), rig.state().diff(before));
    }
  }

  @Test
  void throttling_everySecondCallLimited_buildStillSucceeds() {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      for (String action : List.of("DescribeImages", "DescribeVpcs", "DescribeInstanceTypeOfferings", "ImportKeyPair",
          "CreateSecurityGroup", "AuthorizeSecurityGroupIngress", "RunInstances", "DescribeInstances",
          "StopInstances", "CreateImage", "CreateTags", "TerminateInstances", "DeleteVolume", "DeleteSecurityGroup",
          "DeleteKeyPair")) {
        rig.proxy.on(action).throttle();
      }
      MotoState before = rig.state();
      TestHome.Result r = rig.build();
      assertEquals(0, r.code(), r.out() + r.err());
      List<MotoState.Kind> kinds = new ArrayList<>();
      rig.state().diff(before).forEach(x -> kinds.add(x.kind()));
      assertEquals(List.of(MotoState.Kind.IMAGE, MotoState.Kind.SNAPSHOT), kinds);
      assertEquals(2, rig.proxy.count("RunInstances"), "RunInstances retried once with its client token");
    }
  }
}
