package dev.eksnode.amibuilder.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
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
 * Packer's {@code temporary_iam_instance_profile_policy_document} reaches the launch settings as
 * JSON text, whether the template writes it as an object or as a string.
 */
class PolicyDocumentSettingTest {
  @TempDir Path dir;

  private AmazonEbsSettings render(String field) throws IOException {
    Path file = dir.resolve("t.json");
    Files.writeString(
        file,
        "{\"variables\": {\"kubernetes_version\": null, \"bucket\": \"my-bucket\"},\n"
            + " \"builders\": [{\"type\": \"amazon-ebs\", \"region\": \"us-east-1\","
            + " \"instance_type\": \"m5.large\", \"ami_name\": \"ok-name\""
            + field
            + "}]}");
    Template template = new TemplateLoader().load(file);
    Variables vars =
        Variables.of(
            List.of(
                new Variable(
                    "kubernetes_version",
                    "1.23.16",
                    VariableSource.commandLine("--kubernetes-version")),
                new Variable("bucket", "my-bucket", VariableSource.commandLine("argument"))),
            List.of());
    return new TemplateRenderer(Map.of(), Instant.parse("2026-11-25T10:15:30Z"), "uuid-1", dir)
        .render(template, vars, VariableValidator.Purpose.BUILD)
        .settings();
  }

  @Test
  void anObject_isRenderedAndWrittenAsJson() throws IOException {
    String json =
        render(
                """
                , "temporary_iam_instance_profile_policy_document": {
                  "Version": "2012-10-17",
                  "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"],
                    "Resource": ["arn:aws:s3:::{{user `bucket`}}/*"]}]}
                """)
            .launch()
            .temporaryIamInstanceProfilePolicyDocument();
    var tree = new ObjectMapper().readTree(json);
    assertEquals("2012-10-17", tree.get("Version").asText());
    assertEquals(
        "arn:aws:s3:::my-bucket/*",
        tree.get("Statement").get(0).get("Resource").get(0).asText(),
        json);
  }

  @Test
  void aStringOfJson_isKeptAsWritten() throws IOException {
    assertEquals(
        "{\"Version\": \"2012-10-17\"}",
        render(
                ", \"temporary_iam_instance_profile_policy_document\": \"{\\\"Version\\\": \\\"2012-10-17\\\"}\"")
            .launch()
            .temporaryIamInstanceProfilePolicyDocument());
  }

  @Test
  void absentNullOrBlank_isNull() throws IOException {
    assertNull(render("").launch().temporaryIamInstanceProfilePolicyDocument());
    assertNull(
        render(", \"temporary_iam_instance_profile_policy_document\": null")
            .launch()
            .temporaryIamInstanceProfilePolicyDocument());
    assertNull(
        render(", \"temporary_iam_instance_profile_policy_document\": \"  \"")
            .launch()
            .temporaryIamInstanceProfilePolicyDocument());
  }

  @Test
  void aList_isRejectedNamingTheField() {
    TemplateException e =
        assertThrows(
            TemplateException.class,
            () -> render(", \"temporary_iam_instance_profile_policy_document\": [1]"));
    assertTrue(
        e.getMessage().contains("temporary_iam_instance_profile_policy_document"), e.getMessage());
  }
}
