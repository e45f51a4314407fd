package dev.eksnode.amibuilder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code iam-policy} through the command line, with the shipped template and no AWS. */
class IamPolicyCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path root;
  TestHome home;

  @BeforeEach
  void setUp() {
    home = new TestHome(root);
  }

  private JsonNode policy(String... args) throws Exception {
    TestHome.Result r = home.run(args);
    assertEquals(0, r.code(), r.out() + r.err());
    return JSON.readTree(r.out());
  }

  private static JsonNode statement(JsonNode policy, String sid) {
    for (JsonNode s : policy.get("Statement")) {
      if (s.get("Sid").asText().equals(sid)) {
        return s;
      }
    }
    return null;
  }

  @Test
  void templateVariablesAndWords_becomeRegionsKeysAndBucket() throws Exception {
    JsonNode policy =
        policy(
            "iam-policy",
            "--kubernetes-version",
            "1.24",
            "--region",
            "eu-west-1",
            "ami_regions=eu-central-1",
            "ami_users=111122223333",
            "encrypted=true",
            "kms_key_id=arn:aws:kms:eu-west-1:111122223333:key/abcd",
            "binary_bucket_name=my-binaries",
            "cache_container_images=true");

    assertEquals(
        "[\"eu-west-1\",\"eu-central-1\"]",
        statement(policy, "Ec2Build").at("/Condition/StringEquals/aws:RequestedRegion").toString());
    assertEquals(
        "arn:aws:kms:eu-west-1:111122223333:key/abcd",
        statement(policy, "KmsKeys").get("Resource").asText());
    assertEquals(
        "arn:aws:s3:::my-binaries", statement(policy, "BinaryBucketList").get("Resource").asText());
    assertEquals(
        "1.24.*",
        statement(policy, "BinaryBucketList").at("/Condition/StringLike/s3:prefix").asText());
    assertEquals(
        "arn:aws:ecr:us-west-2:602401143452:repository/*",
        statement(policy, "EcrPullEksImages").get("Resource").asText(),
        "ECR of the bucket's region (binary_bucket_region defaults to us-west-2)");
    assertTrue(statement(policy, "Ec2Build").get("Action").toString().contains("ModifyImage"));
  }

  @Test
  void chinaRegion_namesTheAwsCnPartitionAndItsEcrAccount() throws Exception {
    JsonNode policy =
        policy(
            "iam-policy",
            "--kubernetes-version",
            "1.23.9",
            "--kubernetes-build-date",
            "2023-01-30",
            "--region",
            "cn-north-1",
            "binary_bucket_region=cn-north-1",
            "cache_container_images=true");
    assertEquals(
        "arn:aws-cn:s3:::amazon-eks/1.23.*",
        statement(policy, "BinaryBucketRead").get("Resource").asText());
    assertEquals(
        "arn:aws-cn:ecr:cn-north-1:918309763551:repository/*",
        statement(policy, "EcrPullEksImages").get("Resource").asText());
    assertTrue(statement(policy, "BinaryBucketList") == null, "version and date are given");
  }

  @Test
  void forCleanup_printsTheCleanupPolicy() throws Exception {
    JsonNode policy =
        policy(
            "iam-policy",
            "--for",
            "cleanup",
            "--kubernetes-version",
            "1.23.9",
            "--kubernetes-build-date",
            "2023-01-30",
            "--region",
            "us-east-2");
    assertEquals(
        "us-east-2",
        statement(policy, "Ec2Cleanup").at("/Condition/StringEquals/aws:RequestedRegion").asText());
    assertTrue(statement(policy, "IamCleanupSearch") != null, policy.toString());
    assertTrue(statement(policy, "Ec2Build") == null, policy.toString());
  }

  @Test
  void badInput_exits2WithOneErrorLine() {
    TestHome.Result r = home.run("iam-policy", "--region", "us-west-2", "--for", "deploy");
    assertEquals(2, r.code(), r.out() + r.err());
    assertTrue(r.err().contains("--for"), r.err());

    TestHome.Result bad =
        home.run(
            "iam-policy",
            "--kubernetes-version",
            "1.23.9",
            "--region",
            "us-west-2",
            "encrypted=maybe");
    assertEquals(2, bad.code(), bad.out() + bad.err());
    assertTrue(bad.err().startsWith("error: "), bad.err());
    assertEquals("", bad.out());
  }

  @Test
  void help_explainsTheCommand() {
    TestHome.Result r = home.run("iam-policy", "--help");
    assertEquals(0, r.code());
    assertTrue(r.out().contains("least-privilege"), r.out());
    assertTrue(r.out().contains("--for"), r.out());
    assertTrue(r.out().contains("--pass-role"), r.out());
    assertTrue(home.run("--help").out().contains("iam-policy"));
  }
}
