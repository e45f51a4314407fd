package dev.eksnode.amibuilder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one region rule, seen through {@code vars} (which shows the winning value and its source),
 * {@code validate}, {@code cleanup} and {@code max-pods}: {@code --region} > {@code aws_region} set
 * by the user > {@code AWS_REGION} > {@code AWS_DEFAULT_REGION} > the profile's region > the
 * template's default; a region AWS does not have is exit 2 with the closest real one, unless {@code
 * --endpoint-url} is given. Nothing here talks to AWS.
 */
class RegionRuleTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path root;
  TestHome home;

  @BeforeEach
  void setUp() {
    home = new TestHome(root);
    home.env.put("HOME", root.resolve("user").toString());
  }

  /** {@code aws_region}'s row of {@code vars --json}: value, source and layer. */
  private JsonNode region(String... extra) {
    List<String> args = new java.util.ArrayList<>(List.of("vars", "--json"));
    args.addAll(List.of(extra));
    TestHome.Result r = home.run(args.toArray(String[]::new));
    assertEquals(0, r.code(), r.err());
    try {
      for (String line : r.out().lines().toList()) {
        JsonNode event = JSON.readTree(line);
        if (event.get("event").asText().equals("variables")) {
          for (JsonNode v : event.get("variables")) {
            if (v.get("name").asText().equals("aws_region")) {
              return v;
            }
          }
        }
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    throw new AssertionError("no aws_region in " + r.out());
  }

  private static void assertRegion(JsonNode row, String value, String source, String layer) {
    assertEquals(value, row.get("value").asText(), row.toString());
    assertEquals(source, row.get("source").asText(), row.toString());
    assertEquals(layer, row.get("layer").asText(), row.toString());
  }

  private void profiles(String config) {
    home.write("../user/.aws/config", config);
  }

  @Test
  void nothingSet_theTemplateDefaultWins() {
    assertRegion(region(), "us-west-2", "eks-worker-al2-variables.json:aws_region", "default-file");
  }

  @Test
  void awsRegion_beatsTheTemplateDefault_andAwsDefaultRegion() {
    home.env.put("AWS_DEFAULT_REGION", "eu-west-1");
    assertRegion(region(), "eu-west-1", "AWS_DEFAULT_REGION", "aws-config");
    home.env.put("AWS_REGION", "us-east-2");
    assertRegion(region(), "us-east-2", "AWS_REGION", "aws-config");
  }

  @Test
  void profileRegion_isUsedWhenNoEnvironmentRegion_andLosesToIt() {
    profiles("[default]\nregion = ap-south-1\n\n[profile dev]\nregion = eu-central-1\n");
    assertRegion(region(), "ap-south-1", "profile 'default' region", "aws-config");
    home.env.put("AWS_PROFILE", "dev");
    assertRegion(region(), "eu-central-1", "profile 'dev' region", "aws-config");
    // --profile beats AWS_PROFILE, as for credentials
    assertRegion(
        region("--profile", "default"), "ap-south-1", "profile 'default' region", "aws-config");
    home.env.put("AWS_DEFAULT_REGION", "eu-west-1");
    assertRegion(region(), "eu-west-1", "AWS_DEFAULT_REGION", "aws-config");
  }

  @Test
  void profileWithoutRegion_fallsThroughToTheTemplate() {
    profiles("[profile dev]\noutput = json\n");
    home.env.put("AWS_PROFILE", "dev");
    assertEquals("default-file", region().get("layer").asText());
  }

  @Test
  void everyUserLayer_beatsTheAwsSettings() {
    home.env.put("AWS_REGION", "us-east-2");
    profiles("[default]\nregion = ap-south-1\n");
    assertRegion(region("--region", "eu-west-2"), "eu-west-2", "--region", "command-line");
    assertRegion(region("--var", "aws_region=eu-west-3"), "eu-west-3", "--var", "command-line");
    assertRegion(region("aws_region=ca-central-1"), "ca-central-1", "argument", "command-line");
    // --region is first of all: it beats a word or --var on the same line, and a variable file.
    assertRegion(
        region("--region", "eu-west-2", "aws_region=ca-central-1", "--var", "aws_region=eu-west-3"),
        "eu-west-2",
        "--region",
        "command-line");
    Path file = home.write("mine.json", "{\"aws_region\": \"af-south-1\"}");
    assertRegion(
        region("--var-file", file.toString(), "--region", "eu-west-2"),
        "eu-west-2",
        "--region",
        "command-line");
    assertRegion(
        region("--var-file", file.toString()), "af-south-1", file + ":aws_region", "var-file");
    home.env.put("PACKER_VARIABLE_FILE", file.toString());
    assertEquals("af-south-1", region().get("value").asText());
    home.env.remove("PACKER_VARIABLE_FILE");
    home.env.put("aws_region", "sa-east-1");
    assertRegion(region(), "sa-east-1", "environment variable aws_region", "environment");
  }

  @Test
  void derivedDefaults_seeTheRegionFromTheAwsSettings() {
    home.env.put("AWS_REGION", "cn-northwest-1");
    TestHome.Result r = home.run("vars", "--kubernetes-version", "1.23.9");
    assertEquals(0, r.code(), r.err());
    String owners =
        r.out().lines().filter(l -> l.startsWith("source_ami_owners ")).findFirst().orElseThrow();
    assertTrue(owners.contains("141808717104"), owners);
    assertTrue(
        r.out().lines().anyMatch(l -> l.matches("aws_region +cn-northwest-1 +AWS_REGION")),
        r.out());
  }

  @Test
  void misspeltRegion_isExitTwo_withTheClosestRealOne() {
    home.env.put("AWS_REGION", "us-wset-2");
    TestHome.Result r = home.run("validate", "--kubernetes-version", "1.23.9");
    assertEquals(2, r.code(), r.err());
    assertEquals(
        List.of(
            "error: aws_region = 'us-wset-2' (from AWS_REGION): 'us-wset-2' is not an AWS region"
                + " name; did you mean us-west-2?"),
        r.errLines());
    TestHome.Result option =
        home.run("validate", "--kubernetes-version", "1.23.9", "--region", "eu-wset-1");
    assertEquals(2, option.code(), option.err());
    assertTrue(option.err().contains("did you mean eu-west-1?"), option.err());
  }

  @Test
  void wellFormedButUnknownRegion_isAccepted_onlyWithAnEndpoint() {
    TestHome.Result aws =
        home.run("validate", "--kubernetes-version", "1.23.9", "--region", "lab-1");
    assertEquals(2, aws.code(), aws.err());
    assertTrue(aws.err().contains("'lab-1' is not an AWS region name"), aws.err());
    TestHome.Result emulator =
        home.run(
            "validate",
            "--kubernetes-version",
            "1.23.9",
            "--region",
            "lab-1",
            "--endpoint-url",
            "http://127.0.0.1:9");
    assertEquals(0, emulator.code(), emulator.err());
    assertTrue(emulator.out().contains(" in lab-1)"), emulator.out());
    TestHome.Result malformed =
        home.run(
            "validate",
            "--kubernetes-version",
            "1.23.9",
            "--region",
            "Lab_1",
            "--endpoint-url",
            "http://127.0.0.1:9");
    assertEquals(2, malformed.code(), malformed.err());
    assertEquals(1, malformed.errLines().size(), malformed.err());
    assertTrue(malformed.err().contains("lowercase letters, digits and dashes"), malformed.err());
  }

  @Test
  void unknownCopyRegion_isCheckedToo() {
    TestHome.Result r =
        home.run("validate", "--kubernetes-version", "1.23.9", "ami_regions=eu-west-1,us-esat-1");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("did you mean us-east-1?"), r.err());
  }

  @Test
  void cleanupAndMaxPods_judgeTheirRegionByTheSameRule_beforeAnyAwsCall() {
    home.env.put("AWS_REGION", "us-wset-2");
    TestHome.Result cleanup = home.run("cleanup", "--older-than", "1h");
    assertEquals(2, cleanup.code(), cleanup.err());
    assertEquals(
        List.of(
            "error: region 'us-wset-2' (from AWS_REGION): 'us-wset-2' is not an AWS region name;"
                + " did you mean us-west-2?"),
        cleanup.errLines());
    TestHome.Result pods =
        home.run("max-pods", "--instance-type", "m5.large", "--cni-version", "1.10.0");
    assertEquals(2, pods.code(), pods.err());
    assertTrue(pods.err().contains("did you mean us-west-2?"), pods.err());
    // From the shipped table no region is needed, but a misspelt --region is still refused.
    TestHome.Result table =
        home.run("max-pods", "--instance-type", "m5.large", "--region", "us-wset-2");
    assertEquals(2, table.code(), table.out() + table.err());
    assertEquals(
        List.of(
            "error: --region 'us-wset-2': 'us-wset-2' is not an AWS region name; did you mean"
                + " us-west-2?"),
        table.errLines());
    assertEquals("", table.out());
    TestHome.Result option = home.run("cleanup", "--older-than", "1h", "--region", "eu-wset-1");
    assertEquals(2, option.code(), option.err());
    assertEquals(
        List.of(
            "error: --region 'eu-wset-1': 'eu-wset-1' is not an AWS region name; did you mean"
                + " eu-west-1?"),
        option.errLines());
  }

  @Test
  void cleanupWithoutAnyRegion_asksForOne() {
    TestHome.Result r = home.run("cleanup", "--older-than", "1h");
    assertEquals(2, r.code(), r.err());
    assertEquals(List.of("error: no region to search; pass --region"), r.errLines());
  }

  @Test
  void awsSettings_inOrder() {
    Map<String, String> env = Map.of("AWS_REGION", "us-east-2", "AWS_DEFAULT_REGION", "eu-west-1");
    assertEquals(
        new RegionRule.Choice("us-east-2", "AWS_REGION"),
        RegionRule.fromAwsSettings(env, null).orElseThrow());
    assertEquals(
        new RegionRule.Choice("eu-west-1", "AWS_DEFAULT_REGION"),
        RegionRule.fromAwsSettings(
                Map.of("AWS_REGION", " ", "AWS_DEFAULT_REGION", "eu-west-1"), null)
            .orElseThrow());
    assertTrue(RegionRule.fromAwsSettings(Map.of(), null).isEmpty());
  }
}
