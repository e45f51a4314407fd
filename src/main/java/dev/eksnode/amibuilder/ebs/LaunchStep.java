package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.aws.AwsErrors;
import dev.eksnode.amibuilder.pipeline.CancelledException;
import dev.eksnode.amibuilder.pipeline.Resource;
import dev.eksnode.amibuilder.pipeline.ResourceKind;
import dev.eksnode.amibuilder.pipeline.Step;
import dev.eksnode.amibuilder.pipeline.UndoReport;
import dev.eksnode.amibuilder.template.AmazonEbsSettings;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.BlockDeviceMapping;
import software.amazon.awssdk.services.ec2.model.EbsBlockDevice;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceBlockDeviceMapping;
import software.amazon.awssdk.services.ec2.model.InstanceNetworkInterfaceSpecification;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.RunInstancesRequest;

/**
 * Launches the build instance (IMDSv2 required, tagged at creation, idempotent through a client
 * token from the build id), journals it at once, then waits until it runs. Its undo terminates it
 * and waits for the end, so the security group can go next.
 */
public final class LaunchStep implements Step<BuildContext> {
  private static final Logger log = LoggerFactory.getLogger(LaunchStep.class);

  /** How long RunInstances is retried while a new instance profile reaches EC2. */
  static final Duration PROFILE_PROPAGATION = Duration.ofMinutes(2);

  private static final String LAUNCHED = "launched";

  private volatile CreateAttempt attempt;
  private volatile long launchedAtNanos;
  private final List<String> volumes = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final java.util.concurrent.atomic.AtomicInteger runs =
      new java.util.concurrent.atomic.AtomicInteger();

  @Override
  public String name() {
    return "launch-instance";
  }

  @Override
  public void run(BuildContext ctx) throws InterruptedException {
    AmazonEbsSettings s = ctx.settings();
    Ec2Client ec2 = ctx.ec2();
    Map<String, String> runTags = new LinkedHashMap<>(ctx.render(s.tags().run(), "run_tags"));
    runTags.putIfAbsent("Name", "ami-builder " + ctx.buildId().value());
    Map<String, String> volumeTags = ctx.render(s.tags().runVolume(), "run_volume_tags");
    RunInstancesRequest.Builder request =
        RunInstancesRequest.builder()
            .imageId(ctx.state().source().id())
            .instanceType(s.launch().instanceType())
            .minCount(1)
            .maxCount(1)
            .keyName(ctx.state().key().name())
            .clientToken(
                CreateAttempt.clientToken(
                    ctx.buildId().value() + "-launch", runs.incrementAndGet()))
            .blockDeviceMappings(mappings(s.launch().blockDevices()))
            .metadataOptions(
                m -> {
                  AmazonEbsSettings.MetadataOptions o = s.launch().metadataOptions();
                  m.httpTokens(o.httpTokens());
                  m.httpEndpoint(o.httpEndpoint());
                  if (o.httpPutResponseHopLimit() > 0) {
                    m.httpPutResponseHopLimit(o.httpPutResponseHopLimit());
                  }
                })
            .tagSpecifications(
                ctx.tags().specification(ResourceType.INSTANCE, runTags),
                ctx.tags().specification(ResourceType.VOLUME, volumeTags));
    if (s.network().associatePublicIpAddress() != null) {
      InstanceNetworkInterfaceSpecification.Builder nic =
          InstanceNetworkInterfaceSpecification.builder()
              .deviceIndex(0)
              .associatePublicIpAddress(s.network().associatePublicIpAddress())
              .deleteOnTermination(true)
              .groups(ctx.state().securityGroupId());
      if (ctx.state().network().subnetId() != null) {
        nic.subnetId(ctx.state().network().subnetId());
      }
      request.networkInterfaces(nic.build());
    } else {
      request.securityGroupIds(ctx.state().securityGroupId());
      if (ctx.state().network().subnetId() != null) {
        request.subnetId(ctx.state().network().subnetId());
      }
    }
    BuildState.TemporaryProfile temporary = ctx.state().temporaryProfile();
    if (s.launch().iamInstanceProfile() != null) {
      String profile = s.launch().iamInstanceProfile();
      request.iamInstanceProfile(
          p -> {
            if (profile.startsWith("arn:")) {
              p.arn(profile);
            } else {
              p.name(profile);
            }
          });
    } else if (temporary != null) {
      request.iamInstanceProfile(p -> p.name(temporary.name()));
    }
    if (s.launch().userData() != null) {
      request.userData(
          Base64.getEncoder()
              .encodeToString(s.launch().userData().getBytes(StandardCharsets.UTF_8)));
    }
    RunInstancesRequest run = request.build();
    // RunInstances is idempotent through its client token; the instance carries the build-id tag
    // from birth.
    CreateAttempt create =
        ctx.attempt(
            "RunInstances",
            ResourceKind.INSTANCE,
            ctx.region(),
            "(instance of " + ctx.buildId().value() + ")",
            () -> Instances.ofBuild(ec2, ctx.buildId().value()));
    attempt = create;
    launchedAtNanos = ctx.waits().time().nanoTime();
    Instance launched;
    if (temporary == null) {
      launched = launch(ctx, ec2, run, create);
    } else {
      // EC2 learns of a new instance profile seconds after IAM made it; until then RunInstances
      // calls the profile invalid. Only a profile of this build is waited for: a wrong name in
      // iam_instance_profile fails at once.
      launched =
          ctx.waits()
              .instanceProfilePoller()
              .waitFor(
                  "instance profile " + temporary.name() + " known to EC2",
                  () -> {
                    try {
                      return launch(ctx, ec2, run, create);
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                      throw new CancelledException("interrupted during RunInstances");
                    }
                  })
              .stateOf(i -> LAUNCHED)
              .until(i -> i != null)
              .tolerate(LaunchStep::profileNotYetKnown)
              .timeout(PROFILE_PROPAGATION)
              .onProgress(
                  (what, state, elapsed) -> {
                    // Only a launch that has to wait is worth a line.
                    if (!LAUNCHED.equals(state)) {
                      ctx.events().waiting(what, state, elapsed);
                    }
                  })
              .await();
    }
    String id = launched.instanceId();
    log.info("Launched {} from {}", id, ctx.state().source().id());

    Instance running =
        ctx.waits()
            .poller()
            .waitFor("instance " + id + " running", () -> describe(ec2, id))
            .stateOf(i -> i == null ? "not visible yet" : i.state().nameAsString())
            .until(i -> i != null && i.state().name() == InstanceStateName.RUNNING)
            .failWhen(
                i ->
                    i != null
                        && (i.state().name() == InstanceStateName.TERMINATED
                            || i.state().name() == InstanceStateName.SHUTTING_DOWN))
            .tolerate(AwsErrors::isEventualConsistency)
            .timeout(Duration.ofMinutes(15))
            .onProgress(ctx.events()::waiting)
            .await();
    recordVolumes(ctx, running);
    ctx.state()
        .instance(
            new BuildState.LaunchedInstance(
                id,
                volumes,
                running.publicIpAddress(),
                running.privateIpAddress(),
                running.publicDnsName(),
                running.privateDnsName()));
  }

  /** One RunInstances through the step's create attempt: the id is journaled on arrival. */
  private Instance launch(
      BuildContext ctx, Ec2Client ec2, RunInstancesRequest run, CreateAttempt create)
      throws InterruptedException {
    return create.run(
        () -> {
          Instance instance = ec2.runInstances(run).instances().get(0);
          launchedAtNanos = ctx.waits().time().nanoTime();
          create.answered(instance.instanceId());
          recordVolumes(ctx, instance);
          return instance;
        });
  }

  /**
   * EC2's answer while it does not know an instance profile yet: {@code InvalidParameterValue:
   * Value (name) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile
   * name}.
   */
  static boolean profileNotYetKnown(Throwable error) {
    if (!"InvalidParameterValue".equals(AwsErrors.errorCode(error).orElse(""))) {
      return false;
    }
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof AwsServiceException service && service.awsErrorDetails() != null) {
        String message = service.awsErrorDetails().errorMessage();
        return message != null
            && message.toLowerCase(java.util.Locale.ROOT).contains("iaminstanceprofile");
      }
    }
    return false;
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
        .flatMap(r -> r.instances().stream())
        .findFirst()
        .orElse(null);
  }

  static List<BlockDeviceMapping> mappings(List<AmazonEbsSettings.BlockDevice> devices) {
    List<BlockDeviceMapping> result = new ArrayList<>();
    for (AmazonEbsSettings.BlockDevice d : devices) {
      EbsBlockDevice.Builder ebs =
          EbsBlockDevice.builder().deleteOnTermination(d.deleteOnTermination());
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
    CreateAttempt create = attempt;
    if (create == null) {
      return;
    }
    List<Resource> known =
        volumes.stream().map(v -> new Resource(ResourceKind.VOLUME, v, ctx.region())).toList();
    for (Resource instance : create.createdResources(report)) {
      ctx.removers().remove(instance, known, launchedAtNanos, report);
    }
  }
}
