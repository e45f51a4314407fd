package dev.eksnode.amibuilder.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The generator's choices per option, read from the printed JSON where the shape matters. */
class PolicyGeneratorTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A plain build in us-west-2: full version, build date, nothing else. */
  private static PolicyInputs plain() {
    return new PolicyInputs(
        "aws",
        "amazonaws.com",
        List.of("us-west-2"),
        "amazon-eks",
        "us-west-2",
        "1.23.9",
        false,
        false,
        Map.of(),
        false,
        false,
        null,
        false,
        false,
        false,
        false,
        null);
  }

  private static PolicyInputs with(
      List<String> regions,
      boolean listsBucket,
      boolean encrypted,
      Map<String, String> keys,
      boolean share,
      String profile,
      boolean temporary,
      boolean cache,
      String bucketRegion) {
    return new PolicyInputs(
        "aws",
        "amazonaws.com",
        regions,
        "amazon-eks",
        bucketRegion,
        "1.23",
        listsBucket,
        encrypted,
        keys,
        share,
        share,
        profile,
        temporary,
        cache,
        false,
        false,
        null);
  }

  @Test
  void plainBuild_grantsEc2InItsRegionAndReadsItsMinorOnly() throws Exception {
    IamPolicy policy = PolicyGenerator.build(plain());

    JsonNode doc = JSON.readTree(policy.toJson());
    assertEquals("2012-10-17", doc.get("Version").asText());
    JsonNode ec2 = doc.at("/Statement/0");
    assertEquals("Ec2Build", ec2.get("Sid").asText());
    assertEquals("*", ec2.get("Resource").asText());
    assertEquals("us-west-2", ec2.at("/Condition/StringEquals/aws:RequestedRegion").asText());
    assertEquals(
        "arn:aws:s3:::amazon-eks/1.23.*", policy.statement("BinaryBucketRead").resources().get(0));
    assertNull(policy.statement("BinaryBucketList"), "a complete version lists nothing");
    for (String absent :
        List.of(
            "ec2:CopyImage",
            "ec2:ModifyImageAttribute",
            "ec2:ModifySnapshotAttribute",
            "iam:PassRole",
            "iam:CreateRole",
            "eks:DescribeAddonVersions",
            "ecr:GetAuthorizationToken",
            "kms:CreateGrant",
            "s3:ListBucket")) {
      assertFalse(policy.grants(absent), absent + " in " + policy.actions());
    }
    assertTrue(policy.grants("ec2:RunInstances"));
    assertTrue(policy.grants("EC2:runinstances"), "IAM action names ignore case");
  }

  @Test
  void copiesSharingAndBucketLookup_addTheirActionsAndRegions() {
    IamPolicy policy =
        PolicyGenerator.build(
            with(
                List.of("us-west-2", "eu-west-1"),
                true,
                false,
                Map.of(),
                true,
                null,
                false,
                false,
                "us-west-2"));

    assertTrue(policy.grants("ec2:CopyImage"));
    assertTrue(policy.grants("ec2:ModifyImageAttribute"));
    assertTrue(policy.grants("ec2:ModifySnapshotAttribute"));
    assertEquals(
        List.of("us-west-2", "eu-west-1"),
        policy.statement("Ec2Build").conditions().get("StringEquals").get("aws:RequestedRegion"));
    Statement list = policy.statement("BinaryBucketList");
    assertEquals(List.of("s3:ListBucket"), list.actions());
    assertEquals(List.of("arn:aws:s3:::amazon-eks"), list.resources());
    assertEquals(List.of("1.23.*"), list.conditions().get("StringLike").get("s3:prefix"));
  }

  @Test
  void customerKeys_byIdArnAndAlias_onlyThroughEc2OfTheBuildRegions() {
    IamPolicy policy =
        PolicyGenerator.build(
            with(
                List.of("us-west-2", "eu-west-1", "ap-south-1"),
                false,
                true,
                new java.util.LinkedHashMap<>(
                    Map.of(
                        "us-west-2",
                        "1234abcd-12ab-34cd-56ef-1234567890ab",
                        "eu-west-1",
                        "arn:aws:kms:eu-west-1:111122223333:key/abcd",
                        "ap-south-1",
                        "alias/ebs-builds")),
                false,
                null,
                false,
                false,
                "us-west-2"));

    Statement keys = policy.statement("KmsKeys");
    assertTrue(
        keys.resources()
            .containsAll(
                List.of(
                    "arn:aws:kms:us-west-2:*:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                    "arn:aws:kms:eu-west-1:111122223333:key/abcd")),
        keys.resources().toString());
    assertEquals(
        List.of(
            "kms:CreateGrant",
            "kms:Decrypt",
            "kms:DescribeKey",
            "kms:GenerateDataKeyWithoutPlaintext",
            "kms:ReEncryptFrom",
            "kms:ReEncryptTo"),
        keys.actions());
    assertEquals(
        List.of(
            "ec2.us-west-2.amazonaws.com",
            "ec2.eu-west-1.amazonaws.com",
            "ec2.ap-south-1.amazonaws.com"),
        keys.conditions().get("StringEquals").get("kms:ViaService"));
    Statement alias = policy.statement("KmsKeysByAlias");
    assertEquals(List.of("arn:aws:kms:ap-south-1:*:key/*"), alias.resources());
    assertEquals(
        List.of("alias/ebs-builds"),
        alias.conditions().get("ForAnyValue:StringEquals").get("kms:ResourceAliases"));
  }

  @Test
  void encryptedWithTheDefaultKey_needsNoKmsGrant() {
    IamPolicy policy =
        PolicyGenerator.build(
            with(
                List.of("us-west-2"),
                false,
                true,
                Map.of(),
                false,
                null,
                false,
                false,
                "us-west-2"));
    assertTrue(policy.grants("ec2:CopyImage"), "the encrypted copy");
    assertFalse(policy.actions().stream().anyMatch(a -> a.startsWith("kms:")));
  }

  @Test
  void instanceProfile_passRoleToEc2Only_narrowedByPassRole() {
    PolicyInputs in =
        with(
            List.of("us-west-2"),
            false,
            false,
            Map.of(),
            false,
            "builder",
            false,
            false,
            "us-west-2");
    Statement any = PolicyGenerator.build(in).statement("PassInstanceProfileRole");
    assertEquals(List.of("arn:aws:iam::*:role/*"), any.resources());
    assertEquals(
        List.of("ec2.amazonaws.com"),
        any.conditions().get("StringEquals").get("iam:PassedToService"));

    Statement named =
        PolicyGenerator.build(in.withPassRole("builder-node")).statement("PassInstanceProfileRole");
    assertEquals(List.of("arn:aws:iam::*:role/builder-node"), named.resources());
  }

  @Test
  void temporaryProfile_onlyUnderTheAmiBuilderPath() {
    IamPolicy policy =
        PolicyGenerator.build(
            with(
                List.of("us-west-2"),
                false,
                false,
                Map.of(),
                false,
                null,
                true,
                false,
                "us-west-2"));
    Statement iam = policy.statement("TemporaryInstanceProfile");
    assertEquals(
        List.of(
            "arn:aws:iam::*:role/ami-builder/*", "arn:aws:iam::*:instance-profile/ami-builder/*"),
        iam.resources());
    assertTrue(
        iam.actions().containsAll(List.of("iam:CreateRole", "iam:TagRole", "iam:DeleteRole")));
    assertFalse(iam.actions().contains("iam:PassRole"), "PassRole has its own condition");
    assertEquals(
        List.of("arn:aws:iam::*:role/ami-builder/*"),
        policy.statement("PassTemporaryRole").resources());
  }

  @Test
  void imageCaching_pullsFromTheEcrAccountOfTheBucketRegion() {
    IamPolicy policy =
        PolicyGenerator.build(
            with(
                List.of("us-west-2"),
                false,
                false,
                Map.of(),
                false,
                null,
                false,
                true,
                "af-south-1"));
    assertTrue(policy.grants("eks:DescribeAddonVersions"));
    assertTrue(policy.grants("ecr:GetAuthorizationToken"));
    assertTrue(policy.grants("ec2:DescribeRegions"));
    assertEquals(
        List.of("arn:aws:ecr:af-south-1:877085696533:repository/*"),
        policy.statement("EcrPullEksImages").resources());
  }

  @Test
  void ecrAccounts_tableAndDefault() {
    assertEquals("602401143452", dev.eksnode.amibuilder.eks.EcrRegistry.account("us-west-2"));
    assertEquals("918309763551", dev.eksnode.amibuilder.eks.EcrRegistry.account("cn-north-1"));
    assertEquals("013241004608", dev.eksnode.amibuilder.eks.EcrRegistry.account("us-gov-west-1"));
    assertEquals("900889452093", dev.eksnode.amibuilder.eks.EcrRegistry.account("ap-south-2"));
  }

  @Test
  void otherPartitions_nameTheirArnsAndServicePrincipals() {
    PolicyInputs china =
        new PolicyInputs(
            "aws-cn",
            "amazonaws.com.cn",
            List.of("cn-north-1"),
            "my-eks-binaries",
            "cn-north-1",
            "1.23.9",
            true,
            false,
            Map.of(),
            false,
            false,
            "builder",
            true,
            true,
            false,
            false,
            null);
    IamPolicy policy = PolicyGenerator.build(china);
    assertEquals(
        List.of("arn:aws-cn:s3:::my-eks-binaries"),
        policy.statement("BinaryBucketList").resources());
    assertEquals(
        List.of("ec2.amazonaws.com.cn"),
        policy
            .statement("PassTemporaryRole")
            .conditions()
            .get("StringEquals")
            .get("iam:PassedToService"));
    assertEquals(
        List.of("arn:aws-cn:ecr:cn-north-1:918309763551:repository/*"),
        policy.statement("EcrPullEksImages").resources());
  }

  @Test
  void cleanupPolicy_removesAndSearchesButCreatesNothing() {
    IamPolicy policy = PolicyGenerator.cleanup(plain());
    assertTrue(policy.grants("ec2:TerminateInstances"));
    assertTrue(policy.grants("ec2:DescribeSnapshots"));
    assertTrue(policy.grants("iam:ListRoles"));
    assertTrue(policy.grants("iam:DeleteRole"));
    for (String create :
        List.of("ec2:RunInstances", "ec2:CreateImage", "ec2:CreateTags", "iam:CreateRole")) {
      assertFalse(policy.grants(create), create);
    }
  }

  @Test
  void grants_matchesWildcards() {
    IamPolicy policy =
        new IamPolicy(List.of(Statement.allow("S", List.of("ec2:Describe*"), List.of("*"))));
    assertTrue(policy.grants("ec2:DescribeImages"));
    assertFalse(policy.grants("ec2:RunInstances"));
    assertFalse(policy.grants("iam:DescribeImages"));
  }
}
