package dev.eksnode.amibuilder.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The least-privilege identity policy for a build, or for {@code cleanup}, from its {@link
 * PolicyInputs}.
 *
 * <p>Each feature's actions live in one block below, one action a line, under a comment naming the
 * step or script that calls them: adding a call to the build means adding its action to the block
 * of its feature (and {@code IamPolicyIT} fails until that is done). EC2 allows few resource-level
 * restrictions on the calls a build makes before it knows any id, so EC2 actions are granted on
 * {@code *} but only in the build's regions ({@code aws:RequestedRegion}). IAM names use {@code *}
 * for the account: a policy only ever acts in the account it belongs to.
 */
public final class PolicyGenerator {
  private PolicyGenerator() {}

  /**
   * The path (InstanceProfileStep's) under which the build makes its temporary role and profile.
   */
  static final String IAM_PATH = "ami-builder";

  /** The policy the build {@code in} describes needs, undo on failure included. */
  public static IamPolicy build(PolicyInputs in) {
    Set<String> ec2 = new TreeSet<>();
    // Preflight (ebs/PreflightStep): the source AMI, the default VPC and its CIDRs, the instance
    // type offered in the region and its architectures; subnet_id when given.
    ec2.add("ec2:DescribeImages");
    ec2.add("ec2:DescribeVpcs");
    ec2.add("ec2:DescribeInstanceTypeOfferings");
    ec2.add("ec2:DescribeInstanceTypes");
    if (in.subnetGiven()) {
      ec2.add("ec2:DescribeSubnets");
    }
    // Temporary key pair (ebs/KeyPairStep, ebs/Removers).
    ec2.add("ec2:ImportKeyPair");
    ec2.add("ec2:DescribeKeyPairs");
    ec2.add("ec2:DeleteKeyPair");
    // Security group: security_group_id is checked; else a temporary one is made
    // (ebs/SecurityGroupStep, ebs/Removers).
    ec2.add("ec2:DescribeSecurityGroups");
    if (!in.securityGroupGiven()) {
      ec2.add("ec2:CreateSecurityGroup");
      ec2.add("ec2:AuthorizeSecurityGroupIngress");
      ec2.add("ec2:DeleteSecurityGroup");
    }
    // Build instance (ebs/LaunchStep, ebs/StopStep, ebs/Instances); tags on create need CreateTags.
    ec2.add("ec2:RunInstances");
    ec2.add("ec2:CreateTags");
    ec2.add("ec2:DescribeInstances");
    ec2.add("ec2:GetConsoleOutput");
    ec2.add("ec2:StopInstances");
    ec2.add("ec2:TerminateInstances");
    // Image (ebs/CreateImageStep, ebs/Images, ebs/Removers): the AMI (DescribeImages names its
    // snapshots), its snapshots, volumes an instance left behind.
    ec2.add("ec2:CreateImage");
    ec2.add("ec2:DeregisterImage");
    ec2.add("ec2:DeleteSnapshot");
    ec2.add("ec2:DescribeVolumes");
    ec2.add("ec2:DeleteVolume");
    // Snapshot progress while an image is pending (ebs/Images), only for a progress bar on a
    // terminal or --json events; a refusal is logged and the wait goes on without it.
    ec2.add("ec2:DescribeSnapshots");
    // Encrypted copy in the build region (ebs/EncryptImageStep) and copies to ami_regions
    // (ebs/CopyImagesStep).
    if (in.encrypted() || in.regions().size() > 1) {
      ec2.add("ec2:CopyImage");
    }
    // Sharing (ebs/ShareStep): ami_users / ami_groups, snapshot_users.
    if (in.sharesImage()) {
      ec2.add("ec2:ModifyImageAttribute");
    }
    if (in.sharesSnapshots()) {
      ec2.add("ec2:ModifySnapshotAttribute");
    }
    // Image caching, run by install-worker.sh on the instance: the regions to tag the images for.
    if (in.cachesImages()) {
      ec2.add("ec2:DescribeRegions");
    }

    List<Statement> out = new ArrayList<>();
    out.add(
        Statement.allow("Ec2Build", List.copyOf(ec2), List.of("*"))
            .when("StringEquals", "aws:RequestedRegion", in.regions()));
    out.addAll(binaryBucket(in));
    out.addAll(kms(in));
    out.addAll(instanceProfiles(in));
    out.addAll(imageCache(in));
    return new IamPolicy(out);
  }

  /** The policy {@code cleanup} needs to find and remove what builds with these inputs leave. */
  public static IamPolicy cleanup(PolicyInputs in) {
    Set<String> ec2 = new TreeSet<>();
    // Search by the build-id tag and removal (ebs/CleanupService, ebs/Removers), in each region.
    ec2.add("ec2:DescribeInstances");
    ec2.add("ec2:TerminateInstances");
    ec2.add("ec2:DescribeKeyPairs");
    ec2.add("ec2:DeleteKeyPair");
    ec2.add("ec2:DescribeSecurityGroups");
    ec2.add("ec2:DeleteSecurityGroup");
    ec2.add("ec2:DescribeImages");
    ec2.add("ec2:DeregisterImage");
    ec2.add("ec2:DescribeSnapshots");
    ec2.add("ec2:DeleteSnapshot");
    ec2.add("ec2:DescribeVolumes");
    ec2.add("ec2:DeleteVolume");
    List<Statement> out = new ArrayList<>();
    out.add(
        Statement.allow("Ec2Cleanup", List.copyOf(ec2), List.of("*"))
            .when("StringEquals", "aws:RequestedRegion", in.regions()));
    // IAM: cleanup always searches the ami-builder path for roles and profiles (a refusal only
    // warns), and removes what it finds.
    out.add(
        Statement.allow(
            "IamCleanupSearch",
            List.of("iam:ListInstanceProfiles", "iam:ListRoles"),
            List.of("*")));
    out.add(Statement.allow("IamCleanup", temporaryProfileRemoval(), iamResources(in)));
    return new IamPolicy(out);
  }

  private static List<Statement> binaryBucket(PolicyInputs in) {
    String bucket = "arn:" + in.partition() + ":s3:::" + in.bucket();
    String versions = in.minor() + ".*";
    List<Statement> out = new ArrayList<>();
    // Version and build-date resolution (eks/BinaryBucket via ebs/BucketVersions): only when the
    // version is a bare minor or no build date is given.
    if (in.listsBucket()) {
      out.add(
          Statement.allow("BinaryBucketList", List.of("s3:ListBucket"), List.of(bucket))
              .when("StringLike", "s3:prefix", List.of(versions)));
    }
    // The binaries of this Kubernetes minor: install-worker.sh fetches them with the forwarded
    // credentials (aws s3 cp), the bucket check reads them (HeadObject), pre-signed URLs need it.
    out.add(
        Statement.allow(
            "BinaryBucketRead", List.of("s3:GetObject"), List.of(bucket + "/" + versions)));
    return out;
  }

  /**
   * Customer KMS keys of encrypted images: what EBS needs to encrypt a copy with a key (and to read
   * it back when copying on), only through EC2 in the build's regions. The regions' default EBS
   * keys need no grant here.
   */
  private static List<Statement> kms(PolicyInputs in) {
    if (!in.encrypted() || in.kmsKeys().isEmpty()) {
      return List.of();
    }
    List<String> actions =
        List.of(
            "kms:CreateGrant",
            "kms:Decrypt",
            "kms:DescribeKey",
            "kms:GenerateDataKeyWithoutPlaintext",
            "kms:ReEncryptFrom",
            "kms:ReEncryptTo");
    List<String> viaEc2 =
        in.regions().stream().map(r -> "ec2." + r + "." + in.dnsSuffix()).toList();
    List<String> keys = new ArrayList<>();
    List<String> aliasRegions = new ArrayList<>();
    List<String> aliases = new ArrayList<>();
    for (Map.Entry<String, String> e : in.kmsKeys().entrySet()) {
      String region = e.getKey();
      String key = e.getValue();
      int alias = key.indexOf("alias/");
      if (alias >= 0) {
        aliasRegions.add("arn:" + in.partition() + ":kms:" + region + ":*:key/*");
        aliases.add(key.substring(alias));
      } else if (key.startsWith("arn:")) {
        keys.add(key);
      } else {
        keys.add("arn:" + in.partition() + ":kms:" + region + ":*:key/" + key);
      }
    }
    List<Statement> out = new ArrayList<>();
    if (!keys.isEmpty()) {
      out.add(
          Statement.allow("KmsKeys", actions, keys).when("StringEquals", "kms:ViaService", viaEc2));
    }
    if (!aliases.isEmpty()) {
      out.add(
          Statement.allow("KmsKeysByAlias", actions, aliasRegions)
              .when("StringEquals", "kms:ViaService", viaEc2)
              .when("ForAnyValue:StringEquals", "kms:ResourceAliases", aliases));
    }
    return out;
  }

  private static List<Statement> instanceProfiles(PolicyInputs in) {
    List<Statement> out = new ArrayList<>();
    List<String> toEc2 = List.of("ec2." + in.dnsSuffix());
    // iam_instance_profile: RunInstances hands the profile's role to EC2.
    if (in.instanceProfile() != null) {
      String role =
          in.passRole() != null ? in.passRole() : "arn:" + in.partition() + ":iam::*:role/*";
      out.add(
          Statement.allow("PassInstanceProfileRole", List.of("iam:PassRole"), List.of(role))
              .when("StringEquals", "iam:PassedToService", toEc2));
    }
    // temporary_iam_instance_profile_policy_document (ebs/InstanceProfileStep, ebs/Removers):
    // create, look up after a lost answer, remove; only under the ami-builder path.
    if (in.temporaryProfile()) {
      Set<String> iam = new TreeSet<>(temporaryProfileRemoval());
      iam.add("iam:CreateRole");
      iam.add("iam:TagRole");
      iam.add("iam:PutRolePolicy");
      iam.add("iam:CreateInstanceProfile");
      iam.add("iam:TagInstanceProfile");
      iam.add("iam:AddRoleToInstanceProfile");
      out.add(Statement.allow("TemporaryInstanceProfile", List.copyOf(iam), iamResources(in)));
      out.add(
          Statement.allow(
                  "PassTemporaryRole",
                  List.of("iam:PassRole"),
                  List.of("arn:" + in.partition() + ":iam::*:role/" + IAM_PATH + "/*"))
              .when("StringEquals", "iam:PassedToService", toEc2));
    }
    return out;
  }

  /** Removing a temporary role and profile (ebs/Removers: RoleRemover, InstanceProfileRemover). */
  private static List<String> temporaryProfileRemoval() {
    List<String> iam = new ArrayList<>();
    iam.add("iam:GetRole");
    iam.add("iam:ListRolePolicies");
    iam.add("iam:DeleteRolePolicy");
    iam.add("iam:ListAttachedRolePolicies");
    iam.add("iam:DetachRolePolicy");
    iam.add("iam:ListInstanceProfilesForRole");
    iam.add("iam:DeleteRole");
    iam.add("iam:GetInstanceProfile");
    iam.add("iam:RemoveRoleFromInstanceProfile");
    iam.add("iam:DeleteInstanceProfile");
    return iam;
  }

  private static List<String> iamResources(PolicyInputs in) {
    String prefix = "arn:" + in.partition() + ":iam::*:";
    return List.of(
        prefix + "role/" + IAM_PATH + "/*", prefix + "instance-profile/" + IAM_PATH + "/*");
  }

  /**
   * cache_container_images: the add-on versions (EKS DescribeAddonVersions), and pulling the EKS
   * images from the ECR account of the binary bucket's region, as install-worker.sh does.
   */
  private static List<Statement> imageCache(PolicyInputs in) {
    if (!in.cachesImages()) {
      return List.of();
    }
    String repositories =
        "arn:"
            + in.partition()
            + ":ecr:"
            + in.bucketRegion()
            + ":"
            + dev.eksnode.amibuilder.eks.EcrRegistry.account(in.bucketRegion())
            + ":repository/*";
    return List.of(
        Statement.allow("EksAddonVersions", List.of("eks:DescribeAddonVersions"), List.of("*")),
        Statement.allow("EcrLogin", List.of("ecr:GetAuthorizationToken"), List.of("*")),
        Statement.allow(
            "EcrPullEksImages",
            List.of("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"),
            List.of(repositories)));
  }
}
