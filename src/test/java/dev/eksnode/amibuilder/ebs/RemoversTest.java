package dev.eksnode.amibuilder.ebs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.aws.AwsErrors;
import dev.eksnode.amibuilder.aws.Poller;
import dev.eksnode.amibuilder.aws.Tags;
import dev.eksnode.amibuilder.pipeline.Cancellation;
import dev.eksnode.amibuilder.pipeline.FakeTime;
import dev.eksnode.amibuilder.pipeline.Resource;
import dev.eksnode.amibuilder.pipeline.ResourceKind;
import dev.eksnode.amibuilder.pipeline.ResourceLedger;
import dev.eksnode.amibuilder.pipeline.Retry;
import dev.eksnode.amibuilder.pipeline.UndoReport;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.BlockDeviceMapping;
import software.amazon.awssdk.services.ec2.model.DeleteKeyPairRequest;
import software.amazon.awssdk.services.ec2.model.DeleteKeyPairResponse;
import software.amazon.awssdk.services.ec2.model.DeleteSecurityGroupRequest;
import software.amazon.awssdk.services.ec2.model.DeleteSecurityGroupResponse;
import software.amazon.awssdk.services.ec2.model.DeleteSnapshotRequest;
import software.amazon.awssdk.services.ec2.model.DeleteSnapshotResponse;
import software.amazon.awssdk.services.ec2.model.DeregisterImageRequest;
import software.amazon.awssdk.services.ec2.model.DeregisterImageResponse;
import software.amazon.awssdk.services.ec2.model.DescribeImagesRequest;
import software.amazon.awssdk.services.ec2.model.DescribeImagesResponse;
import software.amazon.awssdk.services.ec2.model.DescribeInstancesRequest;
import software.amazon.awssdk.services.ec2.model.DescribeInstancesResponse;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.Image;
import software.amazon.awssdk.services.ec2.model.ImageState;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TerminateInstancesRequest;
import software.amazon.awssdk.services.ec2.model.TerminateInstancesResponse;

class RemoversTest {
  private static final String REGION = "us-west-2";

  private final FakeTime time = new FakeTime();
  private final FakeEc2 ec2 = new FakeEc2();
  private final UndoReport report = new UndoReport(ResourceLedger.none());
  private final Retry retry =
      new Retry(
          new Retry.Policy(4, Duration.ofSeconds(1), Duration.ofSeconds(8), Duration.ofMinutes(5)),
          AwsErrors::isRetryableForUndo,
          time,
          () -> 0.5);
  private final Supplier<Poller> poller =
      () -> new Poller(Poller.Schedule.responsive(), time, Cancellation.create());
  private final FakeIam iam = new FakeIam();
  private final Removers removers = new Removers(region -> ec2, region -> iam, retry, poller, time);

  private static Resource resource(ResourceKind kind, String id) {
    return new Resource(kind, id, REGION);
  }

  private static Ec2Exception awsError(int status, String code) {
    return (Ec2Exception)
        Ec2Exception.builder()
            .statusCode(status)
            .awsErrorDetails(
                AwsErrorDetails.builder().errorCode(code).errorMessage("injected " + code).build())
            .build();
  }

  @Test
  void remove_keyPairAlreadyGone_countsAsRemoved() {
    ec2.fail("DeleteKeyPair", awsError(400, "InvalidKeyPair.NotFound"));

    assertTrue(removers.remove(resource(ResourceKind.KEY_PAIR, "ami-builder-ab-1"), report));
    assertEquals(
        List.of(resource(ResourceKind.KEY_PAIR, "ami-builder-ab-1")), report.removedResources());
  }

  @Test
  void remove_securityGroupStillInUse_isRetriedWithTheUndoPolicyUntilDeleted() {
    ec2.fail(
        "DeleteSecurityGroup",
        awsError(400, "DependencyViolation"),
        awsError(400, "DependencyViolation"));

    assertTrue(removers.remove(resource(ResourceKind.SECURITY_GROUP, "sg-01"), report));
    assertEquals(
        List.of(
            "DeleteSecurityGroup sg-01", "DeleteSecurityGroup sg-01", "DeleteSecurityGroup sg-01"),
        ec2.calls);
    assertEquals(2, time.sleeps().size());
  }

  @Test
  void remove_image_deregistersItThenDeletesTheSnapshotsItListsAndTheKnownOnes() {
    ec2.images.put("ami-01", image("ami-01", "snap-listed"));

    assertTrue(
        removers.remove(
            resource(ResourceKind.IMAGE, "ami-01"),
            List.of(resource(ResourceKind.SNAPSHOT, "snap-known")),
            time.nanoTime(),
            report));
    assertEquals(
        List.of(
            "DescribeImages ami-01",
            "DeregisterImage ami-01",
            "DeleteSnapshot snap-known",
            "DeleteSnapshot snap-listed"),
        ec2.calls);
    assertEquals(3, report.removedResources().size());
  }

  @Test
  void remove_imageRefused_leavesImageAndSnapshotsAsLeftoversAndDeletesNoSnapshot() {
    ec2.images.put("ami-01", image("ami-01", "snap-1"));
    ec2.refused.put("DeregisterImage", awsError(403, "UnauthorizedOperation"));

    assertFalse(removers.remove(resource(ResourceKind.IMAGE, "ami-01"), report));
    assertEquals(
        List.of(resource(ResourceKind.IMAGE, "ami-01"), resource(ResourceKind.SNAPSHOT, "snap-1")),
        report.leftovers().stream().map(l -> l.resource()).toList());
    assertTrue(
        ec2.calls.stream().noneMatch(c -> c.startsWith("DeleteSnapshot")), ec2.calls.toString());
  }

  @Test
  void remove_imageAlreadyDeregistered_noLongerAvailableCountsAsRemovedAndItsSnapshotsGo() {
    // The first DeregisterImage acted but its answer was lost; the image is gone from the listing.
    ec2.fail("DeregisterImage", awsError(400, "InvalidAMIID.Unavailable"));

    assertTrue(
        removers.remove(
            resource(ResourceKind.IMAGE, "ami-01"),
            List.of(resource(ResourceKind.SNAPSHOT, "snap-1")),
            time.nanoTime(),
            report));
    assertEquals(
        List.of(resource(ResourceKind.IMAGE, "ami-01"), resource(ResourceKind.SNAPSHOT, "snap-1")),
        report.removedResources());
    assertEquals(List.of(), report.leftovers());
  }

  @Test
  void remove_imageNoLongerAvailableButStillListed_isALeftoverWithItsSnapshots() {
    ec2.images.put("ami-01", image("ami-01", "snap-1"));
    ec2.refused.put("DeregisterImage", awsError(400, "InvalidAMIID.Unavailable"));

    assertFalse(removers.remove(resource(ResourceKind.IMAGE, "ami-01"), report));
    assertEquals(
        List.of(resource(ResourceKind.IMAGE, "ami-01"), resource(ResourceKind.SNAPSHOT, "snap-1")),
        report.leftovers().stream().map(l -> l.resource()).toList());
    assertTrue(
        ec2.calls.stream().noneMatch(c -> c.startsWith("DeleteSnapshot")), ec2.calls.toString());
  }

  @Test
  void remove_instance_terminatesAndWaitsOnTheInjectedTime() {
    ec2.instanceStates.addAll(
        List.of(
            InstanceStateName.SHUTTING_DOWN,
            InstanceStateName.SHUTTING_DOWN,
            InstanceStateName.TERMINATED));

    assertTrue(removers.remove(resource(ResourceKind.INSTANCE, "i-01"), report));
    assertEquals("TerminateInstances i-01", ec2.calls.get(0));
    assertEquals(2, time.sleeps().size(), "polled until terminated: " + time.sleeps());
  }

  @Test
  void remove_unknownKind_isALeftoverNotAGuess() {
    assertFalse(removers.remove(resource(ResourceKind.of("LOAD_BALANCER"), "lb-1"), report));
    assertEquals(
        "ami-builder does not know how to remove a LOAD_BALANCER",
        report.leftovers().get(0).lastError());
    assertEquals(List.of(), ec2.calls);
  }

  @Test
  void discoverAndStillThere_skipAFinishedBuildsImage() {
    Image finished =
        image("ami-done", "snap-done").toBuilder()
            .tags(buildTag("ab-1"), Tag.builder().key(TagStep.COMPLETE).value("true").build())
            .build();
    Image unfinished = image("ami-half", "snap-half").toBuilder().tags(buildTag("ab-1")).build();
    Image otherBuild = image("ami-other", "snap-other").toBuilder().tags(buildTag("ab-2")).build();
    ec2.images.put(finished.imageId(), finished);
    ec2.images.put(unfinished.imageId(), unfinished);
    ec2.images.put(otherBuild.imageId(), otherBuild);

    assertEquals(
        List.of(resource(ResourceKind.IMAGE, "ami-half")),
        removers.discover(REGION, Tags.buildIdFilter("ab-1"), "ab-1"::equals));
    assertFalse(removers.stillThere(resource(ResourceKind.IMAGE, "ami-done")));
    assertTrue(removers.stillThere(resource(ResourceKind.IMAGE, "ami-half")));
    assertFalse(removers.stillThere(resource(ResourceKind.IMAGE, "ami-gone")));
  }

  private static Tag buildTag(String buildId) {
    return Tag.builder().key(Tags.BUILD_ID).value(buildId).build();
  }

  private static Image image(String id, String snapshot) {
    return Image.builder()
        .imageId(id)
        .state(ImageState.AVAILABLE)
        .blockDeviceMappings(
            BlockDeviceMapping.builder()
                .deviceName("/dev/xvda")
                .ebs(e -> e.snapshotId(snapshot))
                .build())
        .build();
  }

  /**
   * Just the EC2 calls the removers make, recorded; other calls are unsupported, as in the SDK's
   * interface.
   */
  private static final class FakeEc2 implements Ec2Client {
    final List<String> calls = new ArrayList<>();
    final Map<String, Image> images = new HashMap<>();
    final Deque<InstanceStateName> instanceStates = new ArrayDeque<>();
    final Map<String, Deque<RuntimeException>> failures = new HashMap<>();
    final Map<String, RuntimeException> refused = new HashMap<>();

    /** The next calls of {@code action} fail with {@code errors}, then it works. */
    void fail(String action, RuntimeException... errors) {
      failures.computeIfAbsent(action, a -> new ArrayDeque<>()).addAll(List.of(errors));
    }

    private void call(String action, String id) {
      calls.add(action + " " + id);
      RuntimeException refusal = refused.get(action);
      if (refusal != null) {
        throw refusal;
      }
      Deque<RuntimeException> queue = failures.get(action);
      if (queue != null && !queue.isEmpty()) {
        throw queue.poll();
      }
    }

    @Override
    public DeleteKeyPairResponse deleteKeyPair(DeleteKeyPairRequest r) {
      call("DeleteKeyPair", r.keyName());
      return DeleteKeyPairResponse.builder().build();
    }

    @Override
    public DeleteSecurityGroupResponse deleteSecurityGroup(DeleteSecurityGroupRequest r) {
      call("DeleteSecurityGroup", r.groupId());
      return DeleteSecurityGroupResponse.builder().build();
    }

    @Override
    public DeregisterImageResponse deregisterImage(DeregisterImageRequest r) {
      call("DeregisterImage", r.imageId());
      return DeregisterImageResponse.builder().build();
    }

    @Override
    public DeleteSnapshotResponse deleteSnapshot(DeleteSnapshotRequest r) {
      call("DeleteSnapshot", r.snapshotId());
      return DeleteSnapshotResponse.builder().build();
    }

    @Override
    public DescribeImagesResponse describeImages(DescribeImagesRequest r) {
      if (!r.imageIds().isEmpty()) {
        calls.add("DescribeImages " + String.join(",", r.imageIds()));
        return DescribeImagesResponse.builder()
            .images(r.imageIds().stream().filter(images::containsKey).map(images::get).toList())
            .build();
      }
      String buildId = r.filters().get(0).values().get(0);
      return DescribeImagesResponse.builder()
          .images(
              images.values().stream()
                  .filter(
                      i ->
                          i.tags().stream()
                              .anyMatch(
                                  t -> t.key().equals(Tags.BUILD_ID) && t.value().equals(buildId)))
                  .toList())
          .build();
    }

    @Override
    public TerminateInstancesResponse terminateInstances(TerminateInstancesRequest r) {
      call("TerminateInstances", String.join(",", r.instanceIds()));
      return TerminateInstancesResponse.builder().build();
    }

    @Override
    public DescribeInstancesResponse describeInstances(DescribeInstancesRequest r) {
      InstanceStateName state =
          instanceStates.size() > 1 ? instanceStates.poll() : instanceStates.peek();
      return DescribeInstancesResponse.builder()
          .reservations(
              res ->
                  res.instances(
                      i -> i.instanceId(r.instanceIds().get(0)).state(s -> s.name(state))))
          .build();
    }

    @Override
    public software.amazon.awssdk.services.ec2.paginators.DescribeInstancesIterable
        describeInstancesPaginator(DescribeInstancesRequest r) {
      return new software.amazon.awssdk.services.ec2.paginators.DescribeInstancesIterable(this, r) {
        @Override
        public java.util.Iterator<DescribeInstancesResponse> iterator() {
          return List.of(DescribeInstancesResponse.builder().build()).iterator();
        }
      };
    }

    @Override
    public software.amazon.awssdk.services.ec2.model.DescribeKeyPairsResponse describeKeyPairs(
        software.amazon.awssdk.services.ec2.model.DescribeKeyPairsRequest r) {
      return software.amazon.awssdk.services.ec2.model.DescribeKeyPairsResponse.builder().build();
    }

    @Override
    public software.amazon.awssdk.services.ec2.model.DescribeSecurityGroupsResponse
        describeSecurityGroups(
            software.amazon.awssdk.services.ec2.model.DescribeSecurityGroupsRequest r) {
      return software.amazon.awssdk.services.ec2.model.DescribeSecurityGroupsResponse.builder()
          .build();
    }

    @Override
    public software.amazon.awssdk.services.ec2.model.DescribeSnapshotsResponse describeSnapshots(
        software.amazon.awssdk.services.ec2.model.DescribeSnapshotsRequest r) {
      return software.amazon.awssdk.services.ec2.model.DescribeSnapshotsResponse.builder().build();
    }

    @Override
    public software.amazon.awssdk.services.ec2.model.DescribeVolumesResponse describeVolumes(
        software.amazon.awssdk.services.ec2.model.DescribeVolumesRequest r) {
      return software.amazon.awssdk.services.ec2.model.DescribeVolumesResponse.builder().build();
    }

    @Override
    public String serviceName() {
      return "ec2";
    }

    @Override
    public void close() {}
  }
}
