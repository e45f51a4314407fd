package dev.eksnode.amibuilder.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.config.Variable;
import dev.eksnode.amibuilder.config.VariableSource;
import dev.eksnode.amibuilder.config.VariableValidator;
import dev.eksnode.amibuilder.config.Variables;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Absent builder values reach the build steps as null or empty collections, decided once while
 * rendering.
 */
class SettingsNormalisationTest {
  private static final String REQUIRED =
      """
      "region": "us-east-1", "instance_type": "m5.large", "ami_name": "ok-name"
      """;

  @TempDir Path dir;

  private AmazonEbsSettings render(String builderFields) throws IOException {
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
    return new TemplateRenderer(Map.of(), Instant.parse("2026-11-25T10:15:30Z"), "uuid-1", dir)
        .render(template, vars, VariableValidator.Purpose.BUILD)
        .settings();
  }

  @Test
  void optionalFieldsLeftOutOrEmpty_areNull() throws IOException {
    AmazonEbsSettings s =
        render(
            REQUIRED
                + """
        , "source_ami": "", "subnet_id": "", "security_group_id": "", "kms_key_id": "", "ssh_interface": "",
        "custom_endpoint_ec2": ""
        """);
    assertNull(s.customEndpointEc2());
    assertNull(s.source().id());
    assertNull(s.source().filter());
    assertNull(s.network().subnetId());
    assertNull(s.network().securityGroupId());
    assertNull(s.network().associatePublicIpAddress());
    assertNull(s.ssh().host());
    assertNull(s.ssh().interfaceName());
    assertNull(s.launch().iamInstanceProfile());
    assertNull(s.launch().userData());
    assertNull(s.image().kmsKeyId());
    assertEquals("", s.image().description(), "an empty description is sent as written");
    assertEquals(List.of(), s.distribution().regions());
    assertEquals(Map.of(), s.tags().ami());
  }

  @Test
  void whitespaceInFreeText_isNotGiven_whileRealValuesStay() throws IOException {
    AmazonEbsSettings s =
        render(
            REQUIRED
                + """
        , "ssh_host": "  ", "iam_instance_profile": " ", "user_data": " \\n ",
        "tags": {"": "dropped", " ": "dropped too", "team": "nodes"},
        "source_ami_filter": {"filters": {"name": "amzn2-*", "architecture": " "}, "owners": "amazon"}
        """);
    assertNull(s.ssh().host());
    assertNull(s.launch().iamInstanceProfile());
    assertNull(s.launch().userData());
    assertEquals(Map.of("team", "nodes"), s.tags().ami());
    assertEquals(Map.of("name", "amzn2-*"), s.source().filter().filters());

    AmazonEbsSettings given =
        render(
            REQUIRED
                + """
        , "ssh_host": "10.0.0.5", "iam_instance_profile": "builder", "user_data": "#!/bin/sh"
        """);
    assertEquals("10.0.0.5", given.ssh().host());
    assertEquals("builder", given.launch().iamInstanceProfile());
    assertEquals("#!/bin/sh", given.launch().userData());
  }

  @Test
  void aRegionNamedWithAnEmptyKmsKey_usesTheDefaultKey_andStillCountsAsNamed() throws IOException {
    AmazonEbsSettings s =
        render(
            REQUIRED
                + """
        , "encrypt_boot": true, "ami_regions": "eu-west-1,eu-central-1",
        "region_kms_key_ids": {"eu-west-1": "", "eu-central-1": "alias/ami"}
        """);
    assertTrue(s.distribution().regionKmsKeyIds().containsKey("eu-west-1"));
    assertNull(s.distribution().regionKmsKeyIds().get("eu-west-1"));
    assertEquals("alias/ami", s.distribution().regionKmsKeyIds().get("eu-central-1"));
  }

  @Test
  void whitespaceInAValidatedId_isRejectedNotIgnored() {
    TemplateException e =
        assertThrows(
            TemplateException.class,
            () ->
                render(
                    REQUIRED
                        + """
        , "security_group_id": " "
        """));
    assertTrue(
        e.getMessage().contains("builders[0].security_group_id = ' ': not a security group id"),
        e.getMessage());
  }
}
