package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.aws.AwsErrors;
import dev.eksnode.amibuilder.aws.ShieldedCall;
import dev.eksnode.amibuilder.pipeline.Resource;
import dev.eksnode.amibuilder.pipeline.ResourceKind;
import dev.eksnode.amibuilder.pipeline.Step;
import dev.eksnode.amibuilder.pipeline.UndoReport;
import dev.eksnode.amibuilder.template.AmazonEbsSettings;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.BlockDeviceMapping;
import software.amazon.awssdk.services.ec2.model.EbsBlockDevice;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceBlockDeviceMapping;
import software.amazon.awssdk.services.ec2.model.InstanceNetworkInterfaceSpecification;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.RunInstancesRequest;
import software.amazon.awssdk.services.ec2.model.VolumeState;

/**
 * Launches the build instance (IMDSv2 required, tagged at creation, idempotent through a client token from the
 * build id), journals it at once, then waits until it runs. Its undo terminates it and waits for the end, so the
 * security group can go next.
 */
public final class LaunchStep implements Step<BuildContext> {
  private static final Logger log = LoggerFactory.getLogger(LaunchStep.class);
  private volatile String created;
  private volatile boolean attempted;
  private volatile long launchedAtNanos;
  private final List<String> volumes = new java.util.concurrent.CopyOnWriteArrayList<>();

  @Override
  public String name() {
    return "launch-instance";
  }

  @Override
  public void run(BuildContext ctx) throws InterruptedException {
    AmazonEbsSettings s = ctx.settings();
    Ec2Client ec2 = ctx.ec2();
    Map<String, String> runTags = new LinkedHashMap<>(
        ctx.spec().renderAtBuildTime(s.tags().run(), ctx.buildValues(), ctx.buildValues(), "run_tags"));
    runTags.putIfAbsent("Name", "ami-builder " + ctx.buildId().value());
    Map<String, String> volumeTags =
        ctx.spec().renderAtBuildTime(s.tags().runVolume(), ctx.buildValues(), ctx.buildValues(), "run_volume_tags");
    RunInstancesRequest.Builder request = RunInstancesRequest.builder()
        .imageId(ctx.source().id())
        .instanceType(s.launch().instanceType())
        .minCount(1).maxCount(1)
        .keyName(ctx.key().name())
        .clientToken(ctx.buildId().value() + "-launch")
        .blockDeviceMappings(mappings(s.launch().blockDevices()))
        .metadataOptions(m -> {
          AmazonEbsSettings.MetadataOptions o = s.launch().metadataOptions();
          m.httpTokens(o.httpTokens());
          m.httpEndpoint(o.httpEndpoint());
          if (o.httpPutResponseHopLimit() > 0) {
            m.httpPutResponseHopLimit(o.httpPutResponseHopLimit());
          }
        })
        .tagSpecifications(ctx.tags().specification(ResourceType.INSTANCE, runTags),
            ctx.tags().specification(ResourceType.VOLUME, volumeTags));
    if (s.network().associatePublicIpAddress() != null) {
      InstanceNetworkInterfaceSpecification.Builder nic = InstanceNetworkInterfaceSpecification.builder()
          .deviceIndex(0).associatePublicIpAddress(s.network().associatePublicIpAddress()).deleteOnTermination(true)
          .groups(ctx.securityGroupId());
      if (ctx.network().subnetId() != null) {
        nic.subnetId(ctx.network().subnetId());
      }
      request.networkInterfaces(nic.build());
    } else {
      request.securityGroupIds(ctx.securityGroupId());
      if (ctx.network().subnetId() != null) {
        request.subnetId(ctx.network().subnetId());
      }
    }
    if (s.launch().iamInstanceProfile() != null) {
      String profile = s.launch().iamInstanceProfile();
      request.iamInstanceProfile(p -> {
        if (profile.startsWith("arn:")) {
          p.arn(profile);
        } else {
          p.name(profile);
        }
      });
    }
    if (s.launch().userData() != null) {
      request.userData(Base64.getEncoder().encodeToString(s.launch().userData().getBytes(StandardCharsets.UTF_8)));
    }
    RunInstancesRequest run = request.build();
    attempted = true;
    Instance launched = ShieldedCall.run("RunInstances", () -> {
      Instance instance = ec2.runInstances(run).instances().get(0);
      launchedAtNanos = System.nanoTime();
      created = instance.instanceId();
      ctx.created(ResourceKind.INSTANCE, instance.instanceId(), ctx.region());
      recordVolumes(ctx, instance);
      return instance;
    });
    String id = launched.instanceId();
    log.info("Launched {} from {}", id, ctx.source().id());

    Instance running = ctx.poller().waitFor("instance " + id + " running", () -> describe(ec2, id))
        .stateOf(i -> i == null ? "not visible yet" : i.state().nameAsString())
        .until(i -> i != null && i.state().name() == InstanceStateName.RUNNING)
        .failWhen(i -> i != null && (i.state().name() == InstanceStateName.TERMINATED
            || i.state().name() == InstanceStateName.SHUTTING_DOWN))
        .tolerate(AwsErrors::isEventualConsistency)
        .timeout(java.time.Duration.ofMinutes(15))
        .onProgress(ctx.events()::waiting)
        .await();
    recordVolumes(ctx, running);
    ctx.instance(new BuildContext.LaunchedInstance(id, volumes, running.publicIpAddress(),
        running.privateIpAddress(), running.publicDnsName(), running.privateDnsName()));
  }

  private void recordVolumes(BuildContext ctx, Instance instance) {
    for (InstanceBlockDeviceMapping m : instance.blockDeviceMappings()) {
      if (m.ebs() != null && m.ebs().volumeId() != null && !volumes.contains(m.ebs().volumeId())) {
        volumes.add(m.ebs().volumeId());
        ctx.created(ResourceKind.VOLUME, m.ebs().volumeId(), ctx.region());
      }
    }
  }

  static Instance describe(Ec2Client ec2, String id) {
    return ec2.describeInstances(r -> r.instanceIds(id)).reservations().stream()
        .flatMap(r -> r.instances().stream()).findFirst().orElse(null);
  }

  static List<BlockDeviceMapping> mappings(List<AmazonEbsSettings.BlockDevice> devices) {
    List<BlockDeviceMapping> result = new ArrayList<>();
    for (AmazonEbsSettings.BlockDevice d : devices) {
      EbsBlockDevice.Builder ebs = EbsBlockDevice.builder().deleteOnTermination(d.deleteOnTermination());
      ebs.volumeType(d.volumeType());
      if (d.volumeSize() != null) {
        ebs.volumeSize(d.volumeSize());
      }
      if (d.encrypted() != null) {
        ebs.encrypted(d.encrypted());
      }
      if (d.iops() != null) {
        ebs.iops(d.iops());
      }
      if (d.throughput() != null) {
        ebs.throughput(d.throughput());
      }
      result.add(BlockDeviceMapping.builder().deviceName(d.deviceName()).ebs(ebs.build()).build());
    }
    return result;
  }

  @Override
  public void undo(BuildContext ctx, UndoReport report) {
    String id = created;
    if (id == null && attempted) {
      id = findLost(ctx, report);
    }
    if (id == null) {
      return;
    }
    String instanceId = id;
    long notFoundUntil = launchedAtNanos + Instances.NOT_FOUND_GRACE.toNanos();
    Resource instance = new Resource(ResourceKind.INSTANCE, instanceId, ctx.region());
    boolean gone = report.remove(instance, ctx.undoRetry(),
        () -> Instances.terminateAndWait(ctx.ec2(), instanceId, ctx.undoPoller(), notFoundUntil));
    for (String volume : volumes) {
      Resource resource = new Resource(ResourceKind.VOLUME, volume, ctx.region());
      if (!gone) {
        report.leftover(resource, "its instance " + instanceId + " could not be terminated");
        continue;
      }
      // delete_on_termination removes the volume with the instance; only one that stayed is deleted here, so a
      // policy without ec2:DeleteVolume does not turn a clean build into "cleanup incomplete".
      report.remove(resource, ctx.undoRetry(), AwsErrors.ignoringNotFound(() -> {
        // A volume already deleting or deleted went with its instance; only one left available needs removing.
        if (ctx.ec2().describeVolumes(r -> r.volumeIds(volume)).volumes().stream()
            .anyMatch(v -> v.state() != VolumeState.DELETING && v.state() != VolumeState.DELETED)) {
          ctx.ec2().deleteVolume(r -> r.volumeId(volume));
        }
      }));
    }
  }

  /**
   * RunInstances was sent but its answer never arrived (an SDK timeout, a connection lost after AWS accepted the
   * call): the instance may exist without our knowing its id. It carries the build-id tag from its creation.
   */
  private String findLost(BuildContext ctx, UndoReport report) {
    launchedAtNanos = System.nanoTime();
    List<String> found;
    try {
      found = ctx.undoRetry().call("find the instance of " + ctx.buildId(),
          () -> Instances.ofBuild(ctx.ec2(), ctx.buildId().value()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (Exception e) {
      report.leftover(new Resource(ResourceKind.INSTANCE, "(unknown id)", ctx.region()),
          "RunInstances got no answer and the instance could not be looked up: " + e.getMessage());
      return null;
    }
    if (found.isEmpty()) {
      return null;
    }
    log.info("RunInstances got no answer, but {} was launched; terminating it", found.get(0));
    created = found.get(0);
    ctx.created(ResourceKind.INSTANCE, found.get(0), ctx.region());
    return found.get(0);
  }
}
