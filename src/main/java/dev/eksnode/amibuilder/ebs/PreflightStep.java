package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.aws.SdkWarmUp;
import dev.eksnode.amibuilder.pipeline.Step;
import dev.eksnode.amibuilder.pipeline.UndoReport;
import dev.eksnode.amibuilder.remote.Ed25519Keys;
import dev.eksnode.amibuilder.template.AmazonEbsSettings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.DescribeImagesRequest;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Image;
import software.amazon.awssdk.services.ec2.model.LocationType;
import software.amazon.awssdk.services.ec2.model.SecurityGroup;
import software.amazon.awssdk.services.ec2.model.Subnet;
import software.amazon.awssdk.services.ec2.model.Vpc;
import software.amazon.awssdk.services.ec2.model.VpcCidrBlockAssociation;
import software.amazon.awssdk.services.ec2.model.VpcCidrBlockStateCode;

/**
 * Everything that can be checked before the first resource exists: the source AMI, the AMI name in
 * every target region, the subnet or default VPC, the given security group and the instance type,
 * and (with {@code --check-permissions}) the EC2 create permissions by dry runs. Whether the build
 * instance can call AWS where it must ({@link InstanceAwsAccess}) is checked earlier, by {@link
 * BuildService}, before the bucket and EKS lookups. Creates nothing, so its undo has nothing to do;
 * any failure it explains is a {@link PreflightException}.
 */
public final class PreflightStep implements Step<BuildContext> {
  private static final Logger log = LoggerFactory.getLogger(PreflightStep.class);

  private final boolean checkPermissions;
  private final boolean reuse;
  private final SharedLookups lookups;

  public PreflightStep() {
    this(false);
  }

  /**
   * @param checkPermissions whether to end with the EC2 dry runs of {@link PermissionCheck}
   */
  public PreflightStep(boolean checkPermissions) {
    this(checkPermissions, false);
  }

  /**
   * @param reuse whether to look for an earlier bake of the same inputs ({@link ReuseLookup}) once
   *     the source AMI is known; when the build region has one, nothing is launched and only the
   *     names of the missing copies are checked
   */
  public PreflightStep(boolean checkPermissions, boolean reuse) {
    this(checkPermissions, reuse, SharedLookups.unshared());
  }

  /**
   * @param lookups the source, network, instance type and reuse look-ups, shared with the other
   *     builds of a matrix
   */
  PreflightStep(boolean checkPermissions, boolean reuse, SharedLookups lookups) {
    this.checkPermissions = checkPermissions;
    this.reuse = reuse;
    this.lookups = lookups;
  }

  @Override
  public String name() {
    return "preflight";
  }

  @Override
  public void run(BuildContext ctx) throws InterruptedException {
    // From here the build's own calls warm the SDK's paths; a warm-up still sending would only
    // compete with them for the cores.
    SdkWarmUp.realCallsStarted();
    AmazonEbsSettings s = ctx.settings();
    ctx.journal().regionTouched(ctx.region());
    Ec2Client ec2 = ctx.ec2();
    List<String> regions = targetRegions(ctx);
    // With --reuse the source comes first and alone: the earlier bake is looked up by the
    // fingerprint, which needs the source's id, and a hit skips every other check.
    BuildState.SourceImage known = null;
    if (reuse) {
      known = lookups.resolve(ec2, s);
      InputsFingerprint inputs = fingerprint(ctx, known);
      ReuseLookup.run(ctx, inputs, regions, lookups);
      if (ctx.state().isReused(ctx.region())) {
        // Nothing is launched: the only thing left to make is a copy where the earlier bake has
        // none, under the reused AMI's name.
        for (String region : regions) {
          if (!ctx.state().isReused(region)) {
            checkNameFree(ctx.ec2(region), region, ctx.state().reusedName());
          }
        }
        ctx.state().amiTags(amiTags(ctx, inputs));
        return;
      }
    }
    BuildState.SourceImage resolved = known;
    // The lookups are independent of each other but for three links (the architecture needs the
    // source, the security group and the SSH source need the network), so they run at once on
    // those chains: the same calls as one after the other, in about the time of the slowest chain.
    // Meanwhile the build's key is made, the inputs other than the source are read for the
    // fingerprint, the dry runs that need no look-up are sent, and the others follow as soon as
    // the source and the network are known (not waiting for the architecture or the names).
    // Failures are reported as the sequential order would meet them.
    ExecutorService pool =
        Executors.newFixedThreadPool(
            7 + regions.size(),
            r -> {
              Thread t = new Thread(r, "preflight");
              t.setDaemon(true);
              return t;
            });
    PermissionCheck.DryRuns dryRuns = checkPermissions ? new PermissionCheck.DryRuns() : null;
    try {
      Future<Ed25519Keys.GeneratedKey> key =
          pool.submit(
              () -> {
                Ed25519Keys.GeneratedKey made = Ed25519Keys.generate(KeyPairStep.keyName(ctx));
                if (dryRuns != null) {
                  dryRuns.start(PermissionCheck.earlyProbes(ctx, made.publicKeyLine()));
                }
                return made;
              });
      Future<InputsFingerprint.Prepared> prepared =
          known != null
              ? null
              : pool.submit(() -> InputsFingerprint.prepare(ctx.spec(), ctx.tags().createdBy()));
      // The source as soon as it is known, before its architecture check: the later dry runs need
      // only the image (cancelled when the look-up failed).
      CompletableFuture<BuildState.SourceImage> image = new CompletableFuture<>();
      // A check that came after another in the sequential order keeps its failure (in a Later)
      // until that one is known to have passed.
      Future<Sourced> source =
          pool.submit(
              () -> {
                BuildState.SourceImage looked = null;
                try {
                  looked = resolved != null ? resolved : lookups.resolve(ec2, s);
                } finally {
                  if (looked == null) {
                    image.cancel(false);
                  } else {
                    image.complete(looked);
                  }
                }
                BuildState.SourceImage found = looked;
                return new Sourced(
                    found,
                    Later.<Void>of(
                        () -> {
                          checkArchitecture(ec2, s.launch().instanceType(), found, lookups);
                          return null;
                        }));
              });
      List<Future<?>> names = new ArrayList<>();
      for (String region : regions) {
        names.add(pool.submit(() -> checkNameFree(ctx.ec2(region), region, s.image().name())));
      }
      Future<Networking> networking =
          pool.submit(
              () -> {
                BuildState.Network network = lookups.network(ec2, s);
                if (s.network().securityGroupId() != null) {
                  checkSecurityGroup(ec2, s.network().securityGroupId(), network.vpcId());
                  return new Networking(network, null);
                }
                return new Networking(
                    network, Later.of(() -> sshSource(ec2, s, network, ctx.tuning())));
              });
      Future<?> instanceType =
          pool.submit(
              () -> {
                lookups.checkInstanceType(ec2, ctx.region(), s.launch().instanceType());
                return null;
              });
      Future<PermissionCheck.LaterProbes> laterRequests =
          dryRuns == null ? null : pool.submit(() -> PermissionCheck.prepareLater(ctx));
      Future<?> laterDryRuns =
          dryRuns == null
              ? null
              : pool.submit(
                  () -> {
                    // Fails (and sends nothing) when either look-up failed; that failure is the
                    // one reported.
                    BuildState.Network network = networking.get().network();
                    dryRuns.start(laterRequests.get().probes(image.get(), network));
                    return null;
                  });
      // Wait for everything first, so no lookup is still running when the build goes on or fails.
      List<Future<?>> all = new ArrayList<>(List.of(source, networking, instanceType, key));
      if (laterDryRuns != null) {
        all.add(laterRequests);
        all.add(laterDryRuns);
      }
      if (prepared != null) {
        all.add(prepared);
      }
      all.addAll(names);
      for (Future<?> f : all) {
        try {
          f.get();
        } catch (ExecutionException e) {
          // reported below, in order
        }
      }
      // The order the checks had when they ran one after the other.
      Sourced found = result(source);
      for (Future<?> f : names) {
        result(f);
      }
      Networking net = result(networking);
      result(instanceType);
      found.architecture().get();
      SshSource sshSource = net.sshSource() == null ? null : net.sshSource().get();
      if (prepared != null) {
        record(ctx, found.image(), result(prepared).withSource(found.image().id()));
      }
      ctx.state().generatedKey(result(key));
      ctx.state().network(net.network());
      if (sshSource != null) {
        ctx.state().sshSource(sshSource);
      }
      ctx.state().amiTags(amiTags(ctx, ctx.state().inputs()));
      if (dryRuns != null) {
        result(laterRequests);
        result(laterDryRuns);
        PermissionCheck.require(dryRuns);
      }
    } finally {
      pool.shutdownNow();
      if (dryRuns != null) {
        dryRuns.close();
      }
    }
  }

  /**
   * Records the source and the build's inputs fingerprint, which every AMI, copy and snapshot
   * carries.
   */
  private static InputsFingerprint fingerprint(BuildContext ctx, BuildState.SourceImage source) {
    return record(
        ctx, source, InputsFingerprint.of(ctx.spec(), source.id(), ctx.tags().createdBy()));
  }

  private static InputsFingerprint record(
      BuildContext ctx, BuildState.SourceImage source, InputsFingerprint inputs) {
    ctx.state().source(source);
    log.info("Source AMI {} ({})", source.id(), source.name());
    ctx.state().inputs(inputs);
    return inputs;
  }

  /** The template's AMI tags with the fingerprint's tags on top. */
  private static Map<String, String> amiTags(BuildContext ctx, InputsFingerprint inputs) {
    Map<String, String> tags = new LinkedHashMap<>(ctx.render(ctx.settings().tags().ami(), "tags"));
    tags.putAll(inputs.tags());
    return tags;
  }

  /** What the source chain found: the image, and whether the instance type runs it. */
  private record Sourced(BuildState.SourceImage image, Later<Void> architecture) {}

  /** What the network chain found: the network, and the SSH source when the build makes a group. */
  private record Networking(BuildState.Network network, Later<SshSource> sshSource) {}

  /** A check's value or failure, kept to be handed out when the preflight reaches it. */
  private record Later<T>(T value, Exception failure) {
    interface Work<T> {
      T run() throws Exception;
    }

    static <T> Later<T> of(Work<T> work) {
      try {
        return new Later<>(work.run(), null);
      } catch (RuntimeException | InterruptedException e) {
        return new Later<>(null, e);
      } catch (Exception e) {
        return new Later<>(null, new IllegalStateException(e));
      }
    }

    static Later<Void> of(Runnable check) {
      return of(
          () -> {
            check.run();
            return null;
          });
    }

    T get() throws InterruptedException {
      if (failure instanceof InterruptedException ie) {
        throw ie;
      }
      if (failure instanceof RuntimeException re) {
        throw re;
      }
      return value;
    }
  }

  /** A finished lookup's value, or its failure rethrown as it was thrown. */
  private static <T> T result(Future<T> future) throws InterruptedException {
    try {
      return future.get();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      if (cause instanceof InterruptedException ie) {
        throw ie;
      }
      throw new IllegalStateException(cause);
    }
  }

  @Override
  public void undo(BuildContext ctx, UndoReport report) {
    // Nothing was created.
  }

  /** The build region first, then every ami_regions region once. */
  static List<String> targetRegions(BuildContext ctx) {
    Set<String> regions = new LinkedHashSet<>();
    regions.add(ctx.region());
    regions.addAll(ctx.settings().distribution().regions());
    return new ArrayList<>(regions);
  }

  /**
   * One DescribeImages with the explicit id, the filter and the owners together, as Packer does;
   * the newest by CreationDate wins.
   */
  static BuildState.SourceImage resolveSource(Ec2Client ec2, AmazonEbsSettings s) {
    DescribeImagesRequest.Builder request = DescribeImagesRequest.builder();
    List<Filter> filters = new ArrayList<>();
    List<String> owners = new ArrayList<>();
    if (s.source().filter() != null) {
      new java.util.TreeMap<>(s.source().filter().filters())
          .forEach((name, value) -> filters.add(Filter.builder().name(name).values(value).build()));
      owners.addAll(s.source().filter().owners());
    }
    if (s.source().id() != null) {
      request.imageIds(s.source().id());
    } else if (filters.isEmpty() && owners.isEmpty()) {
      throw new PreflightException(
          "no source AMI: set source_ami_id or source_ami_filter_name and source_ami_owners");
    }
    if (!filters.isEmpty()) {
      request.filters(filters);
    }
    if (!owners.isEmpty()) {
      request.owners(owners);
    }
    List<Image> images;
    try {
      images = ec2.describeImages(request.build()).images();
    } catch (software.amazon.awssdk.services.ec2.model.Ec2Exception e) {
      if (s.source().id() != null
          && dev.eksnode.amibuilder.aws.AwsErrors.errorCode(e)
              .map(c -> c.startsWith("InvalidAMIID"))
              .orElse(false)) {
        throw new PreflightException(
            "source AMI "
                + s.source().id()
                + " not found in "
                + s.region()
                + ": "
                + dev.eksnode.amibuilder.aws.AwsErrors.describe(e));
      }
      throw e;
    }
    return Images.newest(images)
        .map(
            i ->
                new BuildState.SourceImage(
                    i.imageId(), i.name(), i.creationDate(), i.architectureAsString()))
        .orElseThrow(
            () ->
                new PreflightException(
                    "no source AMI matches "
                        + (s.source().id() != null ? "id " + s.source().id() + " with " : "")
                        + describe(filters)
                        + (owners.isEmpty() ? "" : " owned by " + String.join(",", owners))
                        + " in "
                        + s.region()
                        + "; check source_ami_filter_name, source_ami_owners and arch"
                        + (s.source().id() != null
                            ? " (an explicit source_ami_id must match the filter and owners too)"
                            : "")));
  }

  private static String describe(List<Filter> filters) {
    if (filters.isEmpty()) {
      return "no filter";
    }
    return filters.stream()
        .map(f -> f.name() + "=" + String.join("|", f.values()))
        .collect(Collectors.joining(", ", "filter [", "]"));
  }

  static void checkNameFree(Ec2Client ec2, String region, String amiName) {
    List<Image> taken =
        ec2.describeImages(
                r ->
                    r.owners("self").filters(Filter.builder().name("name").values(amiName).build()))
            .images();
    if (!taken.isEmpty()) {
      throw new PreflightException(
          "AMI name '"
              + amiName
              + "' is already used in "
              + region
              + " by "
              + taken.get(0).imageId()
              + "; choose another ami_name or deregister that AMI");
    }
  }

  static BuildState.Network network(Ec2Client ec2, AmazonEbsSettings s) {
    if (s.network().subnetId() != null) {
      List<Subnet> subnets;
      try {
        subnets = ec2.describeSubnets(r -> r.subnetIds(s.network().subnetId())).subnets();
      } catch (software.amazon.awssdk.services.ec2.model.Ec2Exception e) {
        if (dev.eksnode.amibuilder.aws.AwsErrors.isNotFound(e)) {
          subnets = List.of();
        } else {
          throw e;
        }
      }
      if (subnets.isEmpty()) {
        throw new PreflightException(
            "subnet "
                + s.network().subnetId()
                + " not found in "
                + s.region()
                + "; check subnet_id and the region");
      }
      return new BuildState.Network(
          subnets.get(0).vpcId(),
          s.network().subnetId(),
          Boolean.TRUE.equals(subnets.get(0).mapPublicIpOnLaunch()));
    }
    List<Vpc> vpcs =
        ec2.describeVpcs(r -> r.filters(Filter.builder().name("isDefault").values("true").build()))
            .vpcs();
    if (vpcs.isEmpty()) {
      throw new PreflightException(
          "no default VPC in " + s.region() + "; set subnet_id to a subnet the build may use");
    }
    // A default VPC's subnets give instances a public IP.
    return new BuildState.Network(vpcs.get(0).vpcId(), null, true);
  }

  static void checkSecurityGroup(Ec2Client ec2, String groupId, String vpcId) {
    List<SecurityGroup> groups;
    try {
      groups = ec2.describeSecurityGroups(r -> r.groupIds(groupId)).securityGroups();
    } catch (software.amazon.awssdk.services.ec2.model.Ec2Exception e) {
      if (dev.eksnode.amibuilder.aws.AwsErrors.isNotFound(e)) {
        groups = List.of();
      } else {
        throw e;
      }
    }
    if (groups.isEmpty()) {
      throw new PreflightException(
          "security group " + groupId + " not found; check security_group_id");
    }
    if (vpcId != null && groups.get(0).vpcId() != null && !vpcId.equals(groups.get(0).vpcId())) {
      throw new PreflightException(
          "security group "
              + groupId
              + " is in "
              + groups.get(0).vpcId()
              + " but the build runs in "
              + vpcId
              + "; pick a group of that VPC or set subnet_id");
    }
  }

  /**
   * Where the temporary security group admits SSH from ({@link SshSource}). The lookups belong here
   * so a failing one stops the build before the key pair or anything else exists.
   */
  static SshSource sshSource(
      Ec2Client ec2, AmazonEbsSettings s, BuildState.Network network, BuildTuning tuning)
      throws InterruptedException {
    return SshSource.choose(
        s,
        network,
        () -> vpcCidrs(ec2, network.vpcId()),
        () -> CallerIp.lookup(tuning.checkIpUrl()),
        tuning.checkIpUrl().toString());
  }

  /** The VPC's IPv4 CIDR blocks that are in use: its primary one and any associated later. */
  static List<String> vpcCidrs(Ec2Client ec2, String vpcId) {
    List<Vpc> vpcs = ec2.describeVpcs(r -> r.vpcIds(vpcId)).vpcs();
    if (vpcs.isEmpty()) {
      throw new PreflightException(
          "VPC "
              + vpcId
              + " not found, so its CIDR cannot be the SSH source; set"
              + " temporary_security_group_source_cidrs");
    }
    Vpc vpc = vpcs.get(0);
    Set<String> blocks = new LinkedHashSet<>();
    if (vpc.cidrBlock() != null) {
      blocks.add(vpc.cidrBlock());
    }
    for (VpcCidrBlockAssociation a : vpc.cidrBlockAssociationSet()) {
      if (a.cidrBlock() != null
          && (a.cidrBlockState() == null
              || a.cidrBlockState().state() == VpcCidrBlockStateCode.ASSOCIATED)) {
        blocks.add(a.cidrBlock());
      }
    }
    if (blocks.isEmpty()) {
      throw new PreflightException(
          "VPC " + vpcId + " has no IPv4 CIDR block; set temporary_security_group_source_cidrs");
    }
    return List.copyOf(blocks);
  }

  /** The architectures {@code type} runs, as EC2 describes it; empty if it says nothing. */
  static List<String> architectures(Ec2Client ec2, String type) {
    return ec2.describeInstanceTypes(r -> r.instanceTypesWithStrings(type)).instanceTypes().stream()
        .filter(t -> t.processorInfo() != null)
        .flatMap(t -> t.processorInfo().supportedArchitecturesAsStrings().stream())
        .toList();
  }

  static void checkInstanceType(Ec2Client ec2, String region, String type) {
    boolean offered =
        !ec2.describeInstanceTypeOfferings(
                r ->
                    r.locationType(LocationType.REGION)
                        .filters(Filter.builder().name("instance-type").values(type).build()))
            .instanceTypeOfferings()
            .isEmpty();
    if (!offered) {
      throw new PreflightException(
          "instance type "
              + type
              + " is not offered in "
              + region
              + "; set instance_type to one that is");
    }
  }

  /**
   * The instance type must run the source AMI's architecture, or RunInstances fails after the key
   * and group exist.
   */
  static void checkArchitecture(
      Ec2Client ec2, String type, BuildState.SourceImage source, SharedLookups lookups)
      throws InterruptedException {
    if (source.architecture() == null || source.architecture().isBlank()) {
      return;
    }
    List<String> supported = lookups.architectures(ec2, type);
    if (!supported.isEmpty() && !supported.contains(source.architecture())) {
      throw new PreflightException(
          "instance type "
              + type
              + " runs "
              + String.join("/", supported)
              + " but source AMI "
              + source.id()
              + " is "
              + source.architecture()
              + "; set instance_type to a "
              + source.architecture()
              + " type or change arch");
    }
  }
}
