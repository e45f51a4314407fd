package dev.eksnode.amibuilder.ebs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eksnode.amibuilder.cli.TestHome;
import dev.eksnode.amibuilder.rig.FaultProxy;
import dev.eksnode.amibuilder.rig.MotoExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The policy {@code iam-policy} prints against what builds really call. Each option set runs on the
 * rig behind the fault proxy, which records every call; each recorded call is named by its IAM
 * action, and the test asserts both ways: (a) the policy printed for the same options grants every
 * action called, and (b) it grants nothing the runs did not call, except the actions of {@link
 * #EXCEPTIONS}, each with the reason no rig run can show the call. A failing build of the same
 * options adds the undo calls; the cleanup set runs {@code cleanup} on a kept build.
 */
class IamPolicyIT {
  @RegisterExtension static final MotoExtension MOTO = new MotoExtension();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String COPY_REGION = "us-east-1";

  /**
   * Actions a policy may grant although no rig run records them, with the reason.
   * docs/iam-policy.md lists the same table.
   */
  static final Map<String, String> EXCEPTIONS =
      Map.ofEntries(
          // Authorization-only: IAM checks them inside another call, they are no calls of their
          // own.
          Map.entry("iam:PassRole", "checked by RunInstances when it names an instance profile"),
          Map.entry("iam:TagRole", "checked by CreateRole because the role is created with tags"),
          Map.entry(
              "iam:TagInstanceProfile",
              "checked by CreateInstanceProfile because the profile is created with tags"),
          // KMS is called by EBS on the caller's behalf (kms:ViaService), never by ami-builder.
          Map.entry("kms:CreateGrant", "EBS calls it while encrypting with a customer key"),
          Map.entry("kms:Decrypt", "EBS calls it while copying an encrypted image"),
          Map.entry("kms:DescribeKey", "EBS calls it to resolve the key"),
          Map.entry(
              "kms:GenerateDataKeyWithoutPlaintext", "EBS calls it for each encrypted snapshot"),
          Map.entry("kms:ReEncryptFrom", "EBS calls it when re-encrypting under another key"),
          Map.entry("kms:ReEncryptTo", "EBS calls it when re-encrypting under another key"),
          Map.entry(
              "ec2:DescribeSnapshots",
              "snapshot progress, asked only for a progress bar on a terminal or --json events;"
                  + " the rig builds have neither"),
          // Calls made only with provisioners or on the instance; the rig builds have none.
          Map.entry(
              "ec2:GetConsoleOutput",
              "read only when an SSH provisioner connects, to pin the host key from the console"),
          Map.entry(
              "s3:GetObject",
              "install-worker.sh fetches the binaries with the forwarded credentials on the"
                  + " instance; the bucket check (HeadObject) and pre-signed URLs read them too"),
          Map.entry(
              "ec2:DescribeRegions",
              "install-worker.sh lists the regions to tag cached images for (image caching)"),
          Map.entry(
              "eks:DescribeAddonVersions",
              "the add-on versions of cached images (install-worker.sh, or the builder)"),
          Map.entry("ecr:GetAuthorizationToken", "pulling cached images on the instance"),
          Map.entry("ecr:BatchGetImage", "pulling cached images on the instance"),
          Map.entry("ecr:GetDownloadUrlForLayer", "pulling cached images on the instance"),
          // Failure paths the runs below do not take.
          Map.entry(
              "iam:DetachRolePolicy",
              "only when someone attached a managed policy to a temporary role; the build attaches"
                  + " none"),
          Map.entry(
              "ec2:DeleteVolume",
              "only for a volume a terminated instance left behind (DescribeVolumes finds none"
                  + " on the rig)"));

  @TempDir Path tmp;

  /** The IAM action of one recorded call; fails on a call this test cannot name. */
  static String iamAction(FaultProxy.Request call) {
    String action = call.action();
    // A dry run needs the permission of the call it stands for.
    String dryRun = FaultProxy.dryRun("");
    if (action.endsWith(dryRun)) {
      action = action.substring(0, action.length() - dryRun.length());
    }
    if (action.contains(" ")) {
      // REST: "METHOD /path". EKS's add-on versions, else S3 path-style /bucket[/key].
      String method = action.substring(0, action.indexOf(' '));
      String path = action.substring(action.indexOf(' ') + 1);
      if (path.startsWith("/addons/supported-versions")) {
        return "eks:DescribeAddonVersions";
      }
      String rest = path.substring(1);
      boolean object = rest.contains("/") && rest.indexOf('/') < rest.length() - 1;
      if ((method.equals("GET") || method.equals("HEAD")) && object) {
        return "s3:GetObject";
      }
      if (method.equals("GET") && !object) {
        return "s3:ListBucket"; // ListObjectsV2, the only bucket-level read the builder makes
      }
      fail("cannot name the IAM action of " + action);
    }
    String version = call.param("Version");
    if (version == null) {
      // JSON protocol (X-Amz-Target): only ECR's calls are expected here.
      if (Set.of("GetAuthorizationToken", "BatchGetImage", "GetDownloadUrlForLayer")
          .contains(action)) {
        return "ecr:" + action;
      }
      fail("cannot name the IAM action of " + action);
    }
    // Query protocol: the API version names the service.
    return switch (version) {
      case "2016-11-15" -> "ec2:" + action;
      case "2010-05-08" -> "iam:" + action;
      case "2011-06-15" -> "sts:" + action;
      default -> fail("unknown query API version " + version + " of " + action);
    };
  }

  /** Every IAM action called through the proxy so far. */
  static Set<String> called(FaultProxy proxy) {
    Set<String> actions = new TreeSet<>();
    for (String action : new TreeSet<>(proxy.calls())) {
      proxy.requests(action).forEach(r -> actions.add(iamAction(r)));
    }
    return actions;
  }

  /** The actions of the policy {@code iam-policy} prints for these arguments. */
  static Set<String> granted(BuildRig rig, String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of("iam-policy"));
    all.addAll(List.of(args));
    TestHome.Result r = rig.cli(all.toArray(String[]::new));
    assertEquals(0, r.code(), r.out() + r.err());
    JsonNode policy = JSON.readTree(r.out());
    assertEquals("2012-10-17", policy.get("Version").asText());
    Set<String> actions = new TreeSet<>();
    for (JsonNode statement : policy.get("Statement")) {
      assertEquals("Allow", statement.get("Effect").asText());
      JsonNode action = statement.get("Action");
      if (action.isArray()) {
        action.forEach(a -> actions.add(a.asText()));
      } else {
        actions.add(action.asText());
      }
    }
    return actions;
  }

  /** The options of {@link BuildRig#build} as {@code iam-policy} takes them, plus {@code extra}. */
  static String[] policyArgs(BuildRig rig, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--kubernetes-version",
                rig.kubernetesVersion,
                "--region",
                BuildRig.REGION,
                "--endpoint-url",
                rig.proxy.endpoint().toString()));
    if (rig.buildDate != null) {
      args.addAll(List.of("--kubernetes-build-date", rig.buildDate));
    }
    args.addAll(List.of(extra));
    return args.toArray(String[]::new);
  }

  /**
   * The plain build's policy (a full version, a build date, no options): the base every other set
   * adds to. Read before a test changes the template.
   */
  static Set<String> base(BuildRig rig) throws Exception {
    return granted(
        rig,
        "--kubernetes-version",
        "1.23.9",
        "--kubernetes-build-date",
        "2023-01-30",
        "--region",
        BuildRig.REGION,
        "--endpoint-url",
        rig.proxy.endpoint().toString());
  }

  static boolean matches(String pattern, String action) {
    return action.matches(
        "(?i)" + Pattern.quote(pattern).replace("*", "\\E.*\\Q").replace("?", "\\E.\\Q"));
  }

  /** (a) every action called is granted; (b) every action granted was called or is an exception. */
  static void assertLeastPrivilege(String set, Set<String> called, Set<String> granted) {
    assertLeastPrivilege(set, called, granted, Set.of());
  }

  /**
   * As above for an option set whose policy extends the plain build's: (b) is asked of what this
   * set adds to {@code base} (the plain set proves the base).
   */
  static void assertLeastPrivilege(
      String set, Set<String> called, Set<String> granted, Set<String> base) {
    List<String> missing = new ArrayList<>();
    for (String action : called) {
      if (granted.stream().noneMatch(p -> matches(p, action))) {
        missing.add(action);
      }
    }
    List<String> unused = new ArrayList<>();
    for (String pattern : granted) {
      boolean used = called.stream().anyMatch(a -> matches(pattern, a));
      if (!used && !EXCEPTIONS.containsKey(pattern) && !base.contains(pattern)) {
        unused.add(pattern);
      }
    }
    System.out.printf(
        "[iam-policy] %-18s called %2d, granted %2d, granted but not called here: %s%n",
        set,
        called.size(),
        granted.size(),
        granted.stream().filter(g -> called.stream().noneMatch(a -> matches(g, a))).toList());
    assertEquals(List.of(), missing, set + ": called but not granted; called=" + called);
    assertEquals(List.of(), unused, set + ": granted but never called; granted=" + granted);
  }

  @Test
  void plainBuild_andItsFailure_callExactlyWhatThePolicyGrants() throws Exception {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      // Each create's answer lost on the way back (a server error the SDK does not retry): the
      // build fails and its undo finds the resource by name or tag and removes it, instance and
      // image included. Failures first: a successful build leaves its AMI name taken.
      for (String create : List.of("ImportKeyPair", "CreateSecurityGroup", "CreateImage")) {
        rig.proxy
            .on(create)
            .call(rig.proxy.count(create) + 1)
            .loseAnswer(501, "InternalFailure", "injected: answer lost");
        TestHome.Result lost = rig.build();
        assertEquals(1, lost.code(), create + ": " + lost.out() + lost.err());
      }
      TestHome.Result ok = rig.build();
      assertEquals(0, ok.code(), ok.out() + ok.err());

      assertLeastPrivilege("plain", called(rig.proxy), base(rig));
    }
  }

  @Test
  void versionLookedUpInTheBucket_addsTheListingOnly() throws Exception {
    try (S3Client s3 = MOTO.s3(Region.US_WEST_2)) {
      s3.createBucket(
          r ->
              r.bucket("amazon-eks")
                  .createBucketConfiguration(c -> c.locationConstraint("us-west-2")));
      for (String k :
          List.of(
              "1.23.9/2023-01-11/bin/linux/amd64/kubelet",
              "1.23.9/2023-01-30/bin/linux/amd64/kubelet")) {
        s3.putObject(r -> r.bucket("amazon-eks").key(k), RequestBody.fromString("x"));
      }
    }
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      Set<String> base = base(rig);
      rig.kubernetesVersion = "1.23";
      rig.buildDate = null;
      TestHome.Result ok = rig.build();
      assertEquals(0, ok.code(), ok.out() + ok.err());
      Set<String> called = called(rig.proxy);
      assertTrue(called.contains("s3:ListBucket"), called.toString());

      assertLeastPrivilege("bucket lookup", called, granted(rig, policyArgs(rig)), base);
    }
  }

  @Test
  void copiedAndShared_andItsFailure_callExactlyWhatThePolicyGrants() throws Exception {
    try (BuildRig rig = new BuildRig(MOTO, tmp, COPY_REGION)) {
      Set<String> base = base(rig);
      String[] words = {"ami_regions=" + COPY_REGION, "ami_users=111122223333"};
      // Sharing fails: the undo deregisters the AMI and its copy and deletes their snapshots.
      rig.proxy.on("ModifyImageAttribute").call(1).fail(400, "ValidationError", "injected");
      TestHome.Result failed = rig.build(words);
      assertEquals(1, failed.code(), failed.out() + failed.err());
      TestHome.Result ok = rig.build(words);
      assertEquals(0, ok.code(), ok.out() + ok.err());
      Set<String> called = called(rig.proxy);
      assertTrue(called.contains("ec2:DeregisterImage"), called.toString());

      assertLeastPrivilege("copy + share", called, granted(rig, policyArgs(rig, words)), base);
      Set<String> plain = granted(rig, policyArgs(rig));
      assertTrue(!plain.contains("ec2:CopyImage") && !plain.contains("ec2:ModifyImageAttribute"));
    }
  }

  @Test
  void ownSubnetAndSecurityGroup_describeThemAndMakeNoGroup() throws Exception {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      Set<String> base = base(rig);
      var subnet = rig.ec2().describeSubnets().subnets().get(0);
      String group =
          rig.ec2()
              .describeSecurityGroups(
                  r ->
                      r.filters(
                          f -> f.name("vpc-id").values(subnet.vpcId()),
                          f -> f.name("group-name").values("default")))
              .securityGroups()
              .get(0)
              .groupId();
      String[] words = {"subnet_id=" + subnet.subnetId(), "security_group_id=" + group};
      TestHome.Result ok = rig.build(words);
      assertEquals(0, ok.code(), ok.out() + ok.err());
      Set<String> called = called(rig.proxy);
      assertTrue(called.contains("ec2:DescribeSubnets"), called.toString());
      Set<String> granted = granted(rig, policyArgs(rig, words));
      assertTrue(!granted.contains("ec2:CreateSecurityGroup"), granted.toString());

      assertLeastPrivilege("subnet + group", called, granted, base);
    }
  }

  @Test
  void encrypted_withACustomerKey_callsExactlyWhatThePolicyGrants() throws Exception {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      Set<String> base = base(rig);
      String[] words = {"encrypted=true", "kms_key_id=1234abcd-12ab-34cd-56ef-1234567890ab"};
      TestHome.Result ok = rig.build(words);
      assertEquals(0, ok.code(), ok.out() + ok.err());
      Set<String> called = called(rig.proxy);
      assertTrue(called.contains("ec2:CopyImage"), called.toString());
      Set<String> granted = granted(rig, policyArgs(rig, words));
      assertTrue(granted.contains("kms:CreateGrant"), granted.toString());

      assertLeastPrivilege("encrypted", called, granted, base);
    }
  }

  @Test
  void instanceProfile_callsExactlyWhatThePolicyGrants() throws Exception {
    try (BuildRig rig = new BuildRig(MOTO, tmp);
        var iam = MOTO.iam()) {
      Set<String> base = base(rig);
      iam.createRole(r -> r.roleName("builder-node").assumeRolePolicyDocument(assumeRolePolicy()));
      iam.createInstanceProfile(r -> r.instanceProfileName("builder-node"));
      iam.addRoleToInstanceProfile(
          r -> r.instanceProfileName("builder-node").roleName("builder-node"));
      rig.proxy.clear();
      String[] words = {"iam_instance_profile=builder-node"};
      TestHome.Result ok = rig.build(words);
      assertEquals(0, ok.code(), ok.out() + ok.err());
      assertEquals(
          "builder-node",
          rig.proxy.requests("RunInstances").get(0).param("IamInstanceProfile.Name"));
      Set<String> granted = granted(rig, policyArgs(rig, words));
      assertTrue(granted.contains("iam:PassRole"), granted.toString());

      assertLeastPrivilege("instance profile", called(rig.proxy), granted, base);
    }
  }

  @Test
  void temporaryProfile_andItsFailure_callExactlyWhatThePolicyGrants() throws Exception {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      Set<String> base = base(rig);
      rig.builder(
          Map.of("temporary_iam_instance_profile_policy_document", InstanceProfileIT.POLICY));
      rig.proxy.on("StopInstances").call(1).fail(400, "ValidationError", "injected");
      TestHome.Result failed = rig.build();
      assertEquals(1, failed.code(), failed.out() + failed.err());
      // CreateRole's answer lost, the SDK's retry meets the role: the build checks it is its own.
      rig.proxy
          .on("CreateRole")
          .call(rig.proxy.count("CreateRole") + 1)
          .loseAnswer(500, "ServiceFailure", "injected: answer lost");
      TestHome.Result ok = rig.build();
      assertEquals(0, ok.code(), ok.out() + ok.err());
      Set<String> called = called(rig.proxy);
      assertTrue(called.contains("iam:CreateRole"), called.toString());

      assertLeastPrivilege("temporary profile", called, granted(rig, policyArgs(rig)), base);
    }
  }

  @Test
  void cleanup_ofAKeptBuildWithoutJournal_callsExactlyWhatTheCleanupPolicyGrants()
      throws Exception {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      rig.builder(
          Map.of("temporary_iam_instance_profile_policy_document", InstanceProfileIT.POLICY));
      // Keep everything a build stopped at sharing has: instance, key, group, role, profile, AMI
      // and snapshot.
      rig.proxy.on("ModifyImageAttribute").call(1).fail(400, "ValidationError", "injected");
      TestHome.Result kept = rig.build("--on-error", "abort", "ami_users=111122223333");
      assertEquals(3, kept.code(), kept.out() + kept.err());
      Matcher m = FaultMatrixIT.BUILD_ID.matcher(kept.err());
      assertTrue(m.find(), kept.err());
      Files.delete(rig.stateDir.resolve(m.group(1) + ".json"));
      rig.proxy.clear();

      TestHome.Result r =
          rig.cli(
              "cleanup",
              "--build-id",
              m.group(1),
              "--region",
              BuildRig.REGION,
              "--endpoint-url",
              rig.proxy.endpoint().toString());
      assertEquals(0, r.code(), r.out() + r.err());
      Set<String> called = called(rig.proxy);
      assertTrue(called.contains("iam:DeleteRole"), called.toString());

      assertLeastPrivilege("cleanup", called, granted(rig, policyArgs(rig, "--for", "cleanup")));
    }
  }

  private static String assumeRolePolicy() {
    return "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":"
        + "{\"Service\":\"ec2.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}";
  }
}
