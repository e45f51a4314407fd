package dev.eksnode.amibuilder.ebs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.cli.TestHome;
import dev.eksnode.amibuilder.rig.FaultProxy;
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
 * Every AWS action the build calls, failed once with a non-retryable error: the build stops with
 * the right exit code and leaves nothing behind. Undo calls that fail are reported with the cleanup
 * command, which then finishes.
 */
class FaultMatrixIT {
  @RegisterExtension static final MotoExtension MOTO = new MotoExtension();
  static final Pattern BUILD_ID =
      Pattern.compile("cleanup --build-id (ab-\\d{8}T\\d{4}-[0-9a-z]{6})");
  static final String[] COPY_AND_SHARE = {"ami_regions=us-east-1", "ami_users=111122223333"};
  @TempDir Path tmp;

  @ParameterizedTest(name = "{0} call {1} fails -> exit {2}")
  @CsvSource({
    "DescribeImages, 1, 1",
    "DescribeImages, 2, 1",
    "DescribeImages, 3, 1",
    "DescribeVpcs, 1, 1",
    "DescribeInstanceTypeOfferings, 1, 1",
    "DescribeInstanceTypes, 1, 1",
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
      rig.proxy
          .on(action)
          .call(call)
          .fail(400, "InvalidParameterValue", "injected by the fault matrix");
      TestHome.Result r = rig.build(COPY_AND_SHARE);
      assertEquals(exit, r.code(), r.out() + r.err());
      assertEquals(
          1,
          rig.proxy.count(action) >= call ? 1 : 0,
          action + " was not called " + call + " times");
      assertEquals(
          Set.of(),
          rig.state().diff(before),
          "leftovers after " + action + " #" + call + " failed");
      assertEquals(1, r.errLines().stream().filter(l -> l.startsWith("error: ")).count(), r.err());
      assertTrue(r.err().contains("injected by the fault matrix"), r.err());
    }
  }

  /**
   * An answer with no AWS error in it (a bare 403 from a proxy or firewall in front of the
   * endpoint) is reported by its status, never as "null: null".
   */
  @Test
  void refusalWithoutAnErrorBody_isNamedByItsStatus() {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      MotoState before = rig.state();
      rig.proxy.on("CreateSecurityGroup").always().respond(403, "text/plain", "");
      TestHome.Result r = rig.build();
      assertEquals(1, r.code(), r.out() + r.err());
      List<String> errors = r.errLines().stream().filter(l -> l.startsWith("error: ")).toList();
      assertEquals(
          List.of(
              "error: step security-group failed: HTTP 403, no error code or message in the"
                  + " answer; everything the build created was removed"),
          errors.stream().map(l -> l.replaceAll(", request id [^,]+", "")).toList());
      assertEquals(Set.of(), rig.state().diff(before), r.err());
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
  void undoRefusedAlways_exit3WithIdsThenCleanupFinishes(
      String action, String kind, String failFirst) {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      MotoState before = rig.state();
      if (!failFirst.isEmpty()) {
        // Make the build fail after the image exists, so its undo has to remove the image.
        rig.proxy
            .on(failFirst)
            .call(2)
            .fail(400, "InvalidParameterValue", "injected to fail the build");
      }
      rig.proxy.on(action).always().fail(403, "UnauthorizedOperation", "injected: not allowed");
      TestHome.Result r = rig.build();
      assertEquals(3, r.code(), r.out() + r.err());
      Matcher m = BUILD_ID.matcher(r.err());
      assertTrue(m.find(), "no cleanup command in:\n" + r.err());
      Set<MotoState.Resource> left = rig.state().diff(before);
      List<MotoState.Resource> ofKind =
          left.stream().filter(x -> x.kind().name().equals(kind)).toList();
      assertTrue(!ofKind.isEmpty(), "expected a leftover " + kind + " in " + left);
      for (MotoState.Resource x : ofKind) {
        assertTrue(
            r.err().contains(x.id()) || kind.equals("KEY_PAIR"),
            x.id() + " not named in:\n" + r.err());
      }

      rig.proxy.clear();
      TestHome.Result cleanup = rig.cleanup(m.group(1));
      assertEquals(0, cleanup.code(), cleanup.out() + cleanup.err());
      Set<MotoState.Resource> after = rig.state().diff(before);
      assertEquals(
          Set.of(),
          after.stream()
              .filter(x -> x.kind() != MotoState.Kind.IMAGE && x.kind() != MotoState.Kind.SNAPSHOT)
              .collect(Collectors.toSet()),
          "after cleanup");
      if (!failFirst.isEmpty()) {
        assertEquals(Set.of(), after, "a failed build's image must go too");
      } else {
        assertEquals(
            1,
            after.stream().filter(x -> x.kind() == MotoState.Kind.IMAGE).count(),
            "finished AMI kept");
      }
    }
  }

  /**
   * The tag step's call reaches AWS (the image is marked complete) but its answer is lost, so the
   * build fails; the undo may neither take the marker back nor remove the image. The build's
   * journal says it failed, so cleanup removes the image all the same: the marker belongs to builds
   * that succeeded.
   */
  @Test
  void failedBuildsImageStillMarkedComplete_cleanupRemovesItAnyway() {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      MotoState before = rig.state();
      // CreateTags #1 tags the snapshot, #2 is the tag step marking the AMI complete.
      rig.proxy.on("CreateTags").call(2).loseAnswer(501, "InternalFailure", "injected: lost");
      rig.proxy.on("DeleteTags").always().fail(403, "UnauthorizedOperation", "injected");
      rig.proxy.on("DeregisterImage").always().fail(403, "UnauthorizedOperation", "injected");
      TestHome.Result r = rig.build();
      assertEquals(3, r.code(), r.out() + r.err());
      List<MotoState.Resource> images =
          rig.state().diff(before).stream().filter(x -> x.kind() == MotoState.Kind.IMAGE).toList();
      assertEquals(1, images.size(), r.err());
      assertTrue(
          rig
              .ec2()
              .describeImages(q -> q.imageIds(images.get(0).id()))
              .images()
              .get(0)
              .tags()
              .stream()
              .anyMatch(t -> t.key().equals(TagStep.COMPLETE)),
          "the lost answer's tags should have landed");
      Matcher m = BUILD_ID.matcher(r.err());
      assertTrue(m.find(), r.err());

      rig.proxy.clear();
      TestHome.Result cleanup = rig.cleanup(m.group(1));
      assertEquals(0, cleanup.code(), cleanup.out() + cleanup.err());
      assertTrue(
          cleanup.err().contains("did not succeed, so " + images.get(0).id()), cleanup.err());
      assertEquals(Set.of(), rig.state().diff(before), cleanup.out() + cleanup.err());
    }
  }

  @Test
  void undo_deleteVolumeRefused_exit3NamingTheVolumeThenCleanupFinishes() {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      // A volume that outlives its instance, so the undo has to delete it.
      rig.builder(
          java.util.Map.of(
              "launch_block_device_mappings",
              List.of(
                  java.util.Map.of(
                      "device_name",
                      "/dev/xvda",
                      "volume_size",
                      20,
                      "volume_type",
                      "gp2",
                      "delete_on_termination",
                      false))));
      MotoState before = rig.state();
      rig.proxy
          .on("DeleteVolume")
          .always()
          .fail(403, "UnauthorizedOperation", "injected: not allowed");
      TestHome.Result r = rig.build();
      assertEquals(3, r.code(), r.out() + r.err());
      Matcher m = BUILD_ID.matcher(r.err());
      assertTrue(m.find(), r.err());
      List<MotoState.Resource> volumes =
          rig.state().diff(before).stream().filter(x -> x.kind() == MotoState.Kind.VOLUME).toList();
      assertEquals(1, volumes.size(), rig.state().diff(before).toString());
      assertTrue(r.err().contains(volumes.get(0).id()), r.err());

      rig.proxy.clear();
      TestHome.Result cleanup = rig.cleanup(m.group(1));
      assertEquals(0, cleanup.code(), cleanup.out() + cleanup.err());
      assertOnlyImageAndSnapshot(rig, before, 1);
    }
  }

  /**
   * The termination is accepted, but every DescribeInstances after it is refused: the instance is
   * most likely gone, so the report says its removal is unconfirmed (and so is its volume's) rather
   * than that it is still there; exit 3, and cleanup finishes (soak seed 20261203, build 24).
   */
  @Test
  void undo_terminationAcceptedButUnconfirmed_exit3SaysSo_thenCleanupFinishes() {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      MotoState before = rig.state();
      rig.proxy.on("StopInstances").call(1).fail(400, "InvalidParameterValue", "injected");
      rig.proxy
          .on("DescribeInstances")
          .within(java.time.Duration.ofMinutes(5), "TerminateInstances")
          .fail(403, "UnauthorizedOperation", "injected: not allowed");
      TestHome.Result r = rig.build();
      assertEquals(3, r.code(), r.out() + r.err());
      String instance = rig.proxy.requests("TerminateInstances").get(0).param("InstanceId.1");
      assertTrue(
          r.err()
              .contains(
                  "INSTANCE "
                      + instance
                      + " in us-west-2: its termination was accepted but could not be confirmed"),
          r.err());
      assertTrue(
          r.err().contains("its INSTANCE " + instance + " is not confirmed removed"), r.err());
      Matcher m = BUILD_ID.matcher(r.err());
      assertTrue(m.find(), r.err());

      rig.proxy.clear();
      TestHome.Result cleanup = rig.cleanup(m.group(1));
      assertEquals(0, cleanup.code(), cleanup.out() + cleanup.err());
      assertEquals(Set.of(), rig.state().diff(before), cleanup.out() + cleanup.err());
    }
  }

  /**
   * The volume went with its instance, but the DescribeVolumes that would show it is refused: the
   * DeleteVolume asked instead finds it gone, and the build ends clean instead of naming a volume
   * that is not there (soak seed 424242, build 30).
   */
  @Test
  void undo_volumeCheckRefused_deleteSettlesIt_andTheBuildEndsClean() {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      MotoState before = rig.state();
      rig.proxy
          .on("DescribeVolumes")
          .within(java.time.Duration.ofMinutes(5), "TerminateInstances")
          .fail(403, "UnauthorizedOperation", "injected: not allowed");
      TestHome.Result r = rig.build();
      assertEquals(0, r.code(), r.out() + r.err());
      assertTrue(rig.proxy.count("DescribeVolumes") >= 1, rig.proxy.countsByAction().toString());
      assertEquals(1, rig.proxy.count("DeleteVolume"), rig.proxy.countsByAction().toString());
      assertOnlyImageAndSnapshot(rig, before, 1);
    }
  }

  @Test
  void undo_whenTerminateRefusedTwice_retriesAndSucceeds() {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      MotoState before = rig.state();
      rig.proxy
          .on("CreateImage")
          .call(1)
          .fail(400, "InvalidParameterValue", "injected to fail the build");
      rig.proxy
          .on("TerminateInstances")
          .firstCalls(2)
          .fail(400, "IncorrectInstanceState", "injected: busy");
      TestHome.Result r = rig.build();
      assertEquals(1, r.code(), r.out() + r.err());
      assertEquals(3, rig.proxy.count("TerminateInstances"));
      assertEquals(Set.of(), rig.state().diff(before));
    }
  }

  @Test
  void forwardFailure_describeSubnetsWithSubnetId_exit1AndLeavesNothing() {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      String subnet = rig.ec2().describeSubnets().subnets().get(0).subnetId();
      MotoState before = rig.state();
      rig.proxy
          .on("DescribeSubnets")
          .call(1)
          .fail(400, "InvalidParameterValue", "injected by the fault matrix");
      TestHome.Result r = rig.build("subnet_id=" + subnet);
      assertEquals(1, r.code(), r.out() + r.err());
      assertEquals(1, rig.proxy.count("DescribeSubnets"));
      assertEquals(0, rig.proxy.count("ImportKeyPair"));
      assertEquals(Set.of(), rig.state().diff(before));
      assertTrue(r.err().contains("injected by the fault matrix"), r.err());
    }
  }

  @ParameterizedTest(name = "{0} reaches AWS but its answer is lost -> exit 1, nothing left")
  @CsvSource({"ImportKeyPair", "CreateSecurityGroup", "RunInstances", "CreateImage"})
  void createAnswerLost_undoFindsTheResourceAndRemovesIt(String action) {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      MotoState before = rig.state();
      // A server error the SDK does not retry: AWS may or may not have acted (a 4xx would say it
      // did not).
      rig.proxy.on(action).call(1).loseAnswer(501, "InternalFailure", "injected: answer lost");
      TestHome.Result r = rig.build();
      assertEquals(1, r.code(), r.out() + r.err());
      assertEquals(1, rig.proxy.count(action), action + " must not be retried");
      assertEquals(
          Set.of(),
          rig.state().diff(before),
          "leftovers after the answer of " + action + " was lost");
    }
  }

  /**
   * The connection drops after EC2 made the group; the SDK's retry meets the group it made
   * (InvalidGroup.Duplicate). The group's name carries the build id, so the build adopts it and
   * goes on.
   */
  @Test
  void securityGroupAnswerDropped_theRetrysDuplicateIsAdoptedAndTheBuildSucceeds() {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      MotoState before = rig.state();
      rig.proxy.on("CreateSecurityGroup").call(1).dropAnswer();
      TestHome.Result r = rig.build();
      assertEquals(0, r.code(), r.out() + r.err());
      assertEquals(2, rig.proxy.count("CreateSecurityGroup"), "the SDK retries a dropped answer");
      assertEquals(
          Set.of(MotoState.Kind.IMAGE, MotoState.Kind.SNAPSHOT),
          rig.state().diff(before).stream()
              .map(MotoState.Resource::kind)
              .collect(Collectors.toSet()),
          "only the AMI and its snapshot stay");
      String group = rig.proxy.requests("AuthorizeSecurityGroupIngress").get(0).param("GroupId");
      assertTrue(
          rig.proxy.requests("DeleteSecurityGroup").stream()
              .anyMatch(q -> group.equals(q.param("GroupId"))),
          "the adopted group is removed");
    }
  }

  /**
   * moto, like any EC2 that ignores CopyImage's TagSpecifications, leaves the copy untagged until
   * the CreateTags after the answer: with the answer lost, only its name finds it (soak seed
   * 20261203, build 48, lost it and its snapshot).
   */
  @Test
  void copyAnswerLost_undoFindsTheUntaggedCopyByNameAndRemovesIt() {
    try (BuildRig rig = new BuildRig(MOTO, tmp, "us-east-1")) {
      MotoState before = rig.state();
      rig.proxy.on("CopyImage").call(1).loseAnswer(501, "InternalFailure", "injected: answer lost");
      TestHome.Result r = rig.build("ami_regions=us-east-1");
      assertEquals(1, r.code(), r.out() + r.err());
      assertEquals(1, rig.proxy.count("CopyImage"), "CopyImage must not be retried");
      assertEquals(
          Set.of(), rig.state().diff(before), "leftovers after the copy's answer was lost");
    }
  }

  @Test
  void copyFailsInOneRegion_copyInFlightInAnotherIsRecordedAndRemoved() {
    try (BuildRig rig = new BuildRig(MOTO, tmp, "us-east-1", "eu-west-1")) {
      MotoState before = rig.state();
      rig.proxy
          .on("CopyImage")
          .inRegion("eu-west-1")
          .always()
          // Not before the other copy has been sent: on a loaded machine the failure could
          // otherwise cancel it before it left (CI run of stop 19).
          .failOnceArrived("CopyImage", "us-east-1", 400, "InvalidParameterValue", "injected");
      // Still on its way when the failure cancels the other copies.
      rig.proxy
          .on("CopyImage")
          .inRegion("us-east-1")
          .always()
          .delay(java.time.Duration.ofSeconds(3));
      // The failing region first, so even a step awaiting the regions in order cancels the other
      // copy mid-call.
      TestHome.Result r = rig.build("ami_regions=eu-west-1,us-east-1");
      assertEquals(1, r.code(), r.out() + r.err());
      assertEquals(
          List.of("eu-west-1", "us-east-1"),
          rig.proxy.requests("CopyImage").stream()
              .map(FaultProxy.Request::region)
              .sorted()
              .toList());
      assertEquals(Set.of(), rig.state().diff(before), r.err());
    }
  }

  @Test
  void undo_terminateAnsweredNotFoundRightAfterLaunch_stillTerminatesTheInstance() {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      MotoState before = rig.state();
      rig.proxy
          .on("TerminateInstances")
          .call(1)
          .fail(400, "InvalidInstanceID.NotFound", "injected: The instance ID does not exist");
      TestHome.Result r = rig.build();
      assertEquals(0, r.code(), r.out() + r.err());
      assertEquals(
          2, rig.proxy.count("TerminateInstances"), "NotFound must be confirmed, not believed");
      assertOnlyImageAndSnapshot(rig, before, 1);
    }
  }

  @Test
  void undo_securityGroupInUseThreeTimes_retriedUntilDeleted() {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      MotoState before = rig.state();
      rig.proxy
          .on("DeleteSecurityGroup")
          .firstCalls(3)
          .fail(400, "DependencyViolation", "injected: resource has a dependent object");
      TestHome.Result r = rig.build();
      assertEquals(0, r.code(), r.out() + r.err());
      assertEquals(4, rig.proxy.count("DeleteSecurityGroup"));
      assertOnlyImageAndSnapshot(rig, before, 1);
    }
  }

  private static void assertOnlyImageAndSnapshot(BuildRig rig, MotoState before, int perKind) {
    List<MotoState.Kind> kinds = new ArrayList<>();
    rig.state().diff(before).forEach(x -> kinds.add(x.kind()));
    List<MotoState.Kind> expected = new ArrayList<>();
    for (int i = 0; i < perKind; i++) {
      expected.add(MotoState.Kind.IMAGE);
    }
    for (int i = 0; i < perKind; i++) {
      expected.add(MotoState.Kind.SNAPSHOT);
    }
    kinds.sort(null);
    assertEquals(expected, kinds);
  }

  @Test
  void throttling_everySecondCallLimited_buildStillSucceeds() {
    try (BuildRig rig = new BuildRig(MOTO, tmp, "us-east-1")) {
      for (String action :
          List.of(
              "DescribeImages",
              "DescribeVpcs",
              "DescribeInstanceTypeOfferings",
              "DescribeInstanceTypes",
              "ImportKeyPair",
              "CreateSecurityGroup",
              "AuthorizeSecurityGroupIngress",
              "RunInstances",
              "DescribeInstances",
              "StopInstances",
              "CreateImage",
              "CreateTags",
              "CopyImage",
              "ModifyImageAttribute",
              "ModifySnapshotAttribute",
              "TerminateInstances",
              "DescribeVolumes",
              "DeleteVolume",
              "DeleteSecurityGroup",
              "DeleteKeyPair")) {
        rig.proxy.on(action).throttle();
      }
      MotoState before = rig.state();
      TestHome.Result r = rig.build(COPY_AND_SHARE);
      assertEquals(0, r.code(), r.out() + r.err());
      // Two regions: the AMI and its copy, each with one snapshot.
      assertOnlyImageAndSnapshot(rig, before, 2);
      assertEquals(
          2, rig.proxy.count("RunInstances"), "RunInstances retried once with its client token");
      for (String action :
          List.of("CopyImage", "ModifyImageAttribute", "ModifySnapshotAttribute")) {
        assertTrue(rig.proxy.count(action) >= 2, action + " was not throttled and retried");
      }
    }
  }
}
