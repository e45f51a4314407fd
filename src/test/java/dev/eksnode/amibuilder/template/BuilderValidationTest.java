package dev.eksnode.amibuilder.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.config.Variable;
import dev.eksnode.amibuilder.config.VariableSource;
import dev.eksnode.amibuilder.config.VariableValidator;
import dev.eksnode.amibuilder.config.Variables;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The rendered builder fields are judged like variables: every valid shape passes, a bad one names
 * its field.
 */
class BuilderValidationTest {
  static final Instant NOW = Instant.parse("2026-11-25T10:15:30Z");
  @TempDir Path dir;

  private BuildSpec render(String builderFields, Map<String, String> env) throws IOException {
    Path file = dir.resolve("t.json");
    Files.writeString(
        file,
        "{\"variables\": {\"kubernetes_version\": null},\n \"builders\": [{\"type\": \"amazon-ebs\", "
            + builderFields
            + "}]}");
    Template template = new TemplateLoader().load(file);
    Variables vars =
        Variables.of(
            List.of(
                new Variable(
                    "kubernetes_version",
                    "1.23.16",
                    VariableSource.commandLine("--kubernetes-version"))),
            List.of());
    return new TemplateRenderer(env, NOW, "uuid-1", dir)
        .render(template, vars, VariableValidator.Purpose.BUILD);
  }

  @Test
  void everyFieldWithAValidValue_isAccepted() throws IOException {
    BuildSpec spec =
        render(
            """
        "region": "cn-northwest-1", "instance_type": "m6g.xlarge", "source_ami": "ami-0123456789abcdef0",
        "source_ami_filter": {"filters": {"name": "amzn2-*"}, "owners": ["amazon", "137112412989"], "most_recent": true},
        "launch_block_device_mappings": [{"device_name": "/dev/xvda", "volume_type": "gp3", "volume_size": 8,
          "iops": 3000, "throughput": 125}],
        "ami_block_device_mappings": [{"device_name": "/dev/xvda", "volume_type": "io2", "volume_size": 16384,
          "iops": 100}],
        "aws_polling": {"delay_seconds": 1, "max_attempts": 1},
        "ami_regions": "us-gov-west-1, eu-west-1", "ami_users": ["111122223333"], "snapshot_users": "111122223333",
        "ssh_username": "ec2-user", "ssh_interface": "private_ip", "ssh_port": 2222, "ssh_timeout": "90s",
        "temporary_security_group_source_cidrs": "10.0.0.0/8,203.0.113.7/32", "security_group_id": "sg-0123abcd",
        "subnet_id": "subnet-0123456789abcdef0", "encrypt_boot": true,
        "kms_key_id": "arn:aws-cn:kms:cn-northwest-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "region_kms_key_ids": {"eu-west-1": "alias/ami", "us-gov-west-1": "mrk-0123456789abcdef0123456789abcdef"},
        "metadata_options": {"http_tokens": "required", "http_endpoint": "disabled", "http_put_response_hop_limit": 64},
        "ami_name": "[team] eks-node (1.23) v{{timestamp}}", "ami_description": "EKS node"
        """,
            Map.of());
    AmazonEbsSettings s = spec.settings();
    assertEquals("[team] eks-node (1.23) v" + NOW.getEpochSecond(), s.image().name());
    assertEquals(List.of("us-gov-west-1", "eu-west-1"), s.distribution().regions());
    assertEquals(Duration.ofSeconds(1), s.polling().delay());
    assertEquals(64, s.launch().metadataOptions().httpPutResponseHopLimit());
  }

  @Test
  void aBadValueFromAFunction_namesTheFieldTheValueAndTheExpression() {
    TemplateException e =
        assertThrows(
            TemplateException.class,
            () ->
                render(
                    """
        "region": "us-east-1", "instance_type": "m5.large", "source_ami": "ami-0123456789abcdef0",
        "ami_regions": "{{env `COPY_TO`}}", "ami_name": "ok-name"
        """,
                    Map.of("COPY_TO", "eu-west-1,atlantis")));
    assertTrue(
        e.getMessage()
            .startsWith(
                "template "
                    + dir.resolve("t.json")
                    + ": builders[0].ami_regions = "
                    + "'eu-west-1,atlantis' (rendered from '{{env `COPY_TO`}}'): 'atlantis' is not an AWS region name; use "),
        e.getMessage());
  }

  @Test
  void anAmiDescriptionOverTheEc2Limit_isRejected() {
    TemplateException e =
        assertThrows(
            TemplateException.class,
            () ->
                render(
                    """
        "region": "us-east-1", "instance_type": "m5.large", "source_ami": "ami-0123456789abcdef0",
        "ami_name": "ok-name", "ami_description": "%s"
        """
                        .formatted("d".repeat(256)),
                    Map.of()));
    assertTrue(e.getMessage().contains("builders[0].ami_description"), e.getMessage());
    assertTrue(
        e.getMessage().contains("at most 255 characters (this one has 256)"), e.getMessage());
  }

  private static final String REQUIRED =
      "\"region\": \"us-east-1\", \"instance_type\": \"m5.large\", "
          + "\"source_ami\": \"ami-0123456789abcdef0\", \"ami_name\": \"ok-name\", ";

  @Test
  void temporaryProfilePolicy_anObjectWithUserReferences_becomesCompactJsonInIamSpelling()
      throws IOException {
    BuildSpec spec =
        render(
            REQUIRED
                + """
        "temporary_iam_instance_profile_policy_document": {
          "version": "2012-10-17",
          "statement": [{"effect": "Allow", "action": ["s3:GetObject"], "Sid": "Read",
            "resource": ["arn:aws:s3:::bins/{{user `kubernetes_version`}}/*"]}]
        }
        """,
            Map.of());
    assertEquals(
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
            + "\"Action\":[\"s3:GetObject\"],\"Sid\":\"Read\","
            + "\"Resource\":[\"arn:aws:s3:::bins/1.23.16/*\"]}]}",
        spec.settings().launch().temporaryIamInstanceProfilePolicyDocument());
  }

  @Test
  void temporaryProfilePolicy_aStringHoldingJson_isAccepted_andAbsentIsNull() throws IOException {
    BuildSpec spec =
        render(
            REQUIRED + "\"temporary_iam_instance_profile_policy_document\": \"{{env `POLICY`}}\"",
            Map.of(
                "POLICY",
                "{\"Statement\": {\"Effect\": \"Deny\", \"NotAction\": \"iam:*\", \"Resource\": \"*\"}}"));
    assertEquals(
        "{\"Statement\":{\"Effect\":\"Deny\",\"NotAction\":\"iam:*\",\"Resource\":\"*\"}}",
        spec.settings().launch().temporaryIamInstanceProfilePolicyDocument());
    assertEquals(
        null,
        render(REQUIRED + "\"ssh_port\": 22", Map.of())
            .settings()
            .launch()
            .temporaryIamInstanceProfilePolicyDocument());
  }

  @Test
  void temporaryProfilePolicy_withIamInstanceProfile_isOneLineNamingBoth() {
    TemplateException e =
        assertThrows(
            TemplateException.class,
            () ->
                render(
                    REQUIRED
                        + """
        "iam_instance_profile": "builder",
        "temporary_iam_instance_profile_policy_document": {"Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
        """,
                    Map.of()));
    assertEquals(
        "template "
            + dir.resolve("t.json")
            + ": builders[0]: iam_instance_profile and"
            + " temporary_iam_instance_profile_policy_document are both set; keep one: an existing"
            + " instance profile, or a policy for the role the build makes",
        e.getMessage());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "not an object | [\"s3:GetObject\"] | must be a policy document object",
        "a string that is not JSON | \"Allow everything\" | not JSON (",
        "no Statement | {\"Version\": \"2012-10-17\"} | has no Statement",
        "empty Statement | {\"Statement\": []} | Statement must be a non-empty list",
        "bad Version | {\"Version\": \"2024-01-01\", \"Statement\": []} | Version '2024-01-01'",
        "no Effect | {\"Statement\": [{\"Action\": \"s3:*\", \"Resource\": \"*\"}]} |"
            + " Statement[0].Effect is missing",
        "bad Effect | {\"Statement\": [{\"Effect\": \"Permit\", \"Action\": \"s3:*\","
            + " \"Resource\": \"*\"}]} | Statement[0].Effect = 'Permit'",
        "no Action | {\"Statement\": [{\"Effect\": \"Allow\", \"Resource\": \"*\"}]} |"
            + " Statement[0] has no Action",
        "no Resource | {\"Statement\": [{\"Effect\": \"Allow\", \"Action\": [\"s3:*\"]}]} |"
            + " Statement[0] has no Resource",
        "empty Action list | {\"Statement\": [{\"Effect\": \"Allow\", \"Action\": [],"
            + " \"Resource\": \"*\"}]} | Statement[0].Action must be a string or a non-empty list",
      })
  void temporaryProfilePolicy_badShape_isOneLineNamingTheFieldAndTheFix(
      String title, String document, String expected) {
    TemplateException e =
        assertThrows(
            TemplateException.class,
            () ->
                render(
                    REQUIRED + "\"temporary_iam_instance_profile_policy_document\": " + document,
                    Map.of()));
    assertTrue(
        e.getMessage()
            .startsWith(
                "template "
                    + dir.resolve("t.json")
                    + ": builders[0].temporary_iam_instance_profile_policy_document: "),
        e.getMessage());
    assertTrue(e.getMessage().contains(expected), title + ": " + e.getMessage());
    assertEquals(1, e.getMessage().lines().count(), e.getMessage());
  }

  @Test
  void temporaryProfilePolicy_overIamsInlineSizeLimit_isRejected() {
    String resources =
        String.join(", ", Collections.nCopies(400, "\"arn:aws:s3:::some-bucket-name/prefix/*\""));
    TemplateException e =
        assertThrows(
            TemplateException.class,
            () ->
                render(
                    REQUIRED
                        + "\"temporary_iam_instance_profile_policy_document\": {\"Statement\": [{"
                        + "\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": ["
                        + resources
                        + "]}]}",
                    Map.of()));
    assertTrue(e.getMessage().contains("IAM allows 10240"), e.getMessage());
  }
}
