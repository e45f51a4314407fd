package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.aws.AwsErrors;
import dev.eksnode.amibuilder.template.AmazonEbsSettings;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.CreateSecurityGroupRequest;
import software.amazon.awssdk.services.ec2.model.CreateTagsRequest;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.LaunchPermission;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.RunInstancesRequest;

/**
 * The permission preflight ({@code --check-permissions}): every EC2 create call the build will make
 * is sent first with {@code DryRun=true}, with the build's own parameters where they are known, so
 * a missing permission stops the build before the key pair exists instead of after an instance ran
 * for ten minutes.
 *
 * <p>EC2 answers a dry run with {@code DryRunOperation} when the call would be allowed and with
 * {@code UnauthorizedOperation} when it would not ({@code AccessDenied} from some endpoints, moto's
 * IAM enforcement among them, is taken the same way); the refused actions are named together in one
 * {@link PreflightException}. Any other answer (an id EC2 does not know, a parameter it rejects)
 * does not say whether authorization passed, so that action is logged as unchecked and the build
 * goes on. Calls whose resource does not exist yet stand in the source AMI (CreateTags, CopyImage,
 * ModifyImageAttribute) or a placeholder instance id (CreateImage). A 5xx or a network failure is
 * thrown as it is (exit 1).
 */
final class PermissionCheck {
  private static final Logger log = LoggerFactory.getLogger(PermissionCheck.class);

  /** How many dry runs are in flight at once (a build without copies or sharing sends five). */
  static final int POOL = 6;

  /** The order of the build's create calls, in which refused actions are named. */
  private static final List<String> CALL_ORDER =
      List.of(
          "ImportKeyPair",
          "CreateSecurityGroup",
          "RunInstances",
          "CreateImage",
          "CopyImage",
          "ModifyImageAttribute",
          "CreateTags");

  /** Stands in for the build's instance in the CreateImage dry run. */
  static final String PLACEHOLDER_INSTANCE = "i-0000000000000000a";

  private PermissionCheck() {}

  /** One dry run: the IAM action it checks, the region, and the call. */
  record Probe(String action, String region, Runnable call) {}

  /** What the dry runs said. */
  record Verdict(int allowed, List<String> denied, List<String> unchecked) {}

  /**
   * Waits for the dry runs the preflight started in {@code runs} ({@link #earlyProbes} at once, the
   * {@link LaterProbes} as soon as the source and the network were known) and throws when any was
   * refused.
   */
  static void require(DryRuns runs) throws InterruptedException {
    Verdict verdict = runs.verdict();
    for (String u : verdict.unchecked()) {
      log.warn("Permission preflight could not check {}", u);
    }
    if (!verdict.denied().isEmpty()) {
      throw new PreflightException(
          "these credentials may not call "
              + String.join(", ", verdict.denied())
              + " (EC2 refused their dry runs); grant "
              + (verdict.denied().size() == 1 ? "it" : "them")
              + " in the credentials' IAM policy, or pass --no-check-permissions to skip the check");
    }
    log.info("Permission preflight: {} dry runs allowed", verdict.allowed());
  }

  /**
   * Dry runs in flight, started in groups as their inputs become known and judged together, in the
   * order of the build's calls.
   */
  static final class DryRuns implements AutoCloseable {
    private final ExecutorService pool =
        Executors.newFixedThreadPool(
            POOL,
            r -> {
              Thread t = new Thread(r, "dry-run");
              t.setDaemon(true);
              return t;
            });
    private final List<Sent> sent = new ArrayList<>();

    /** A dry run and its answer to come. */
    private record Sent(Probe probe, Future<String> answer) {}

    synchronized void start(List<Probe> more) {
      for (Probe p : more) {
        sent.add(new Sent(p, pool.submit(() -> answer(p))));
      }
    }

    /** Waits for every dry run started; a 5xx or network failure of one is thrown as it is. */
    Verdict verdict() throws InterruptedException {
      List<Sent> all;
      synchronized (this) {
        all = new ArrayList<>(sent);
      }
      // Stable: the copy regions keep their order.
      all.sort(java.util.Comparator.comparingInt(x -> CALL_ORDER.indexOf(x.probe().action())));
      Set<String> denied = new LinkedHashSet<>();
      List<String> unchecked = new ArrayList<>();
      int allowed = 0;
      for (Sent x : all) {
        Probe p = x.probe();
        String code;
        try {
          code = x.answer().get();
        } catch (ExecutionException e) {
          if (e.getCause() instanceof RuntimeException re) {
            throw re;
          }
          throw new IllegalStateException(e.getCause());
        }
        switch (code) {
          case "DryRunOperation" -> allowed++;
          case "UnauthorizedOperation", "AccessDenied" -> denied.add("ec2:" + p.action());
          default -> unchecked.add("ec2:" + p.action() + " in " + p.region() + " (" + code + ")");
        }
      }
      return new Verdict(allowed, List.copyOf(denied), List.copyOf(unchecked));
    }

    @Override
    public void close() {
      pool.shutdownNow();
    }
  }

  /**
   * The error code EC2 answered the dry run with; {@code "answered without error"} when the call
   * went through (an endpoint that ignores DryRun). Errors that are not EC2's answer (5xx after the
   * SDK's retries, the network) are thrown.
   */
  private static String answer(Probe p) {
    try {
      p.call().run();
      return "answered without error";
    } catch (Ec2Exception e) {
      if (e.statusCode() >= 500) {
        throw e;
      }
      return AwsErrors.errorCode(e).orElse(String.valueOf(e.statusCode()));
    }
  }

  /** The dry runs that need nothing looked up: the key import and the image. */
  static List<Probe> earlyProbes(BuildContext ctx, String publicKeyLine) {
    AmazonEbsSettings s = ctx.settings();
    String region = ctx.region();
    Ec2Client ec2 = ctx.ec2();
    String keyName = KeyPairStep.keyName(ctx);
    return List.of(
        new Probe(
            "ImportKeyPair",
            region,
            () ->
                ec2.importKeyPair(
                    r ->
                        r.dryRun(true)
                            .keyName(keyName)
                            .publicKeyMaterial(
                                SdkBytes.fromString(publicKeyLine, StandardCharsets.US_ASCII))
                            .tagSpecifications(ctx.tags().specification(ResourceType.KEY_PAIR)))),
        new Probe(
            "CreateImage",
            region,
            () ->
                ec2.createImage(
                    r ->
                        r.dryRun(true)
                            .instanceId(PLACEHOLDER_INSTANCE)
                            .name(s.image().name())
                            .description(s.image().description()))));
  }

  /**
   * The dry runs that need the source AMI and the network, made in two halves: this builds their
   * requests without those while the look-ups run (the launch request alone initialises some 60 of
   * the SDK's fields, about 50 ms on a cold JVM); {@link LaterProbes#probes} adds them.
   */
  static LaterProbes prepareLater(BuildContext ctx) {
    AmazonEbsSettings s = ctx.settings();
    CreateSecurityGroupRequest group =
        s.network().securityGroupId() != null
            ? null
            : CreateSecurityGroupRequest.builder()
                .dryRun(true)
                .groupName("ami-builder-" + ctx.buildId().value())
                .description("Temporary SSH access for ami-builder build " + ctx.buildId().value())
                .tagSpecifications(ctx.tags().specification(ResourceType.SECURITY_GROUP))
                .build();
    CreateTagsRequest tags =
        CreateTagsRequest.builder().dryRun(true).tags(ctx.tags().ownership()).build();
    return new LaterProbes(ctx, group, launchRequest(ctx), tags);
  }

  /** The later dry runs' requests less what the look-ups find ({@code group} null: none made). */
  record LaterProbes(
      BuildContext ctx,
      CreateSecurityGroupRequest group,
      RunInstancesRequest launch,
      CreateTagsRequest tags) {

    /** The dry runs, complete with the source AMI and the network. */
    List<Probe> probes(BuildState.SourceImage source, BuildState.Network network) {
      AmazonEbsSettings s = ctx.settings();
      String region = ctx.region();
      Ec2Client ec2 = ctx.ec2();
      List<Probe> probes = new ArrayList<>();
      if (group != null) {
        CreateSecurityGroupRequest request = group.toBuilder().vpcId(network.vpcId()).build();
        probes.add(
            new Probe("CreateSecurityGroup", region, () -> ec2.createSecurityGroup(request)));
      }
      RunInstancesRequest.Builder run = launch.toBuilder().imageId(source.id());
      if (network.subnetId() != null) {
        run.subnetId(network.subnetId());
      }
      RunInstancesRequest runRequest = run.build();
      probes.add(new Probe("RunInstances", region, () -> ec2.runInstances(runRequest)));
      if (s.image().encryptBoot()) {
        probes.add(copyProbe(ctx, region, source));
      }
      for (String target : PreflightStep.targetRegions(ctx)) {
        if (!target.equals(region)) {
          probes.add(copyProbe(ctx, target, source));
        }
      }
      List<String> users = s.distribution().users();
      List<String> groups = s.distribution().groups();
      if (!users.isEmpty() || !groups.isEmpty()) {
        List<LaunchPermission> add = new ArrayList<>();
        users.forEach(u -> add.add(LaunchPermission.builder().userId(u).build()));
        groups.forEach(g -> add.add(LaunchPermission.builder().group(g).build()));
        probes.add(
            new Probe(
                "ModifyImageAttribute",
                region,
                () ->
                    ec2.modifyImageAttribute(
                        r ->
                            r.dryRun(true)
                                .imageId(source.id())
                                .launchPermission(p -> p.add(add)))));
      }
      CreateTagsRequest tagging = tags.toBuilder().resources(source.id()).build();
      probes.add(new Probe("CreateTags", region, () -> ec2.createTags(tagging)));
      return probes;
    }
  }

  private static Probe copyProbe(BuildContext ctx, String target, BuildState.SourceImage source) {
    AmazonEbsSettings s = ctx.settings();
    Ec2Client ec2 = ctx.ec2(target);
    return new Probe(
        "CopyImage",
        target,
        () ->
            ec2.copyImage(
                r ->
                    r.dryRun(true)
                        .sourceRegion(ctx.region())
                        .sourceImageId(source.id())
                        .name(s.image().name())
                        .description(s.image().description())));
  }

  /**
   * RunInstances as the launch step sends it, less what does not exist yet (the key pair, the
   * temporary security group and a temporary instance profile) and what the look-ups find (the
   * image and the subnet). A security group or instance profile the template names is included.
   */
  static RunInstancesRequest launchRequest(BuildContext ctx) {
    AmazonEbsSettings s = ctx.settings();
    Map<String, String> runTags = new LinkedHashMap<>(ctx.render(s.tags().run(), "run_tags"));
    runTags.putIfAbsent("Name", "ami-builder " + ctx.buildId().value());
    Map<String, String> volumeTags = ctx.render(s.tags().runVolume(), "run_volume_tags");
    RunInstancesRequest.Builder request =
        RunInstancesRequest.builder()
            .dryRun(true)
            .instanceType(s.launch().instanceType())
            .minCount(1)
            .maxCount(1)
            .blockDeviceMappings(LaunchStep.mappings(s.launch().blockDevices()))
            .tagSpecifications(
                ctx.tags().specification(ResourceType.INSTANCE, runTags),
                ctx.tags().specification(ResourceType.VOLUME, volumeTags));
    if (s.network().securityGroupId() != null) {
      request.securityGroupIds(s.network().securityGroupId());
    }
    String profile = s.launch().iamInstanceProfile();
    if (profile != null) {
      request.iamInstanceProfile(
          p -> {
            if (profile.startsWith("arn:")) {
              p.arn(profile);
            } else {
              p.name(profile);
            }
          });
    }
    if (s.launch().userData() != null) {
      request.userData(
          Base64.getEncoder()
              .encodeToString(s.launch().userData().getBytes(StandardCharsets.UTF_8)));
    }
    return request.build();
  }
}
