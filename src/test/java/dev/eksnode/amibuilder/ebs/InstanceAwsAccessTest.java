package dev.eksnode.amibuilder.ebs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.cli.TestHome;
import dev.eksnode.amibuilder.config.Variable;
import dev.eksnode.amibuilder.config.VariableSource;
import dev.eksnode.amibuilder.config.VariableValidator;
import dev.eksnode.amibuilder.config.Variables;
import dev.eksnode.amibuilder.template.BuildSpec;
import dev.eksnode.amibuilder.template.ShellProvisionerSpec;
import dev.eksnode.amibuilder.template.Template;
import dev.eksnode.amibuilder.template.TemplateLoader;
import dev.eksnode.amibuilder.template.TemplateRenderer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * When the build instance must call AWS (image caching, a script running the AWS CLI), one of the
 * three ways to give it credentials must be set; otherwise the build stops with one line.
 */
class InstanceAwsAccessTest {
  private static final String BUILDER =
      """
      "type": "amazon-ebs", "region": "us-west-2", "instance_type": "m5.large", "ami_name": "node-image",
      "iam_instance_profile": "{{user `iam_instance_profile`}}"
      """;

  @TempDir Path dir;

  private BuildSpec spec(String extraBuilderFields, String provisioners, String... variables)
      throws IOException {
    Path file = dir.resolve("t.json");
    Files.writeString(
        file,
        "{\"variables\": {\"kubernetes_version\": null, \"iam_instance_profile\": null,"
            + " \"forward_aws_credentials\": null, \"cache\": null},\n"
            + " \"builders\": [{"
            + BUILDER
            + extraBuilderFields
            + "}],\n \"provisioners\": ["
            + provisioners
            + "]}");
    Template template = new TemplateLoader().load(file);
    List<Variable> vars = new ArrayList<>();
    vars.add(
        new Variable(
            "kubernetes_version", "1.23.16", VariableSource.commandLine("--kubernetes-version")));
    for (String v : variables) {
      int eq = v.indexOf('=');
      vars.add(
          new Variable(
              v.substring(0, eq), v.substring(eq + 1), VariableSource.commandLine("argument")));
    }
    return new TemplateRenderer(Map.of(), Instant.parse("2026-11-25T10:15:30Z"), "uuid-1", dir)
        .render(template, Variables.of(vars, List.of()), VariableValidator.Purpose.BUILD);
  }

  /** A shell provisioner like the shipped one for install-worker.sh, with caching as given. */
  private static String worker(String cache, String region) {
    return """
        {"type": "shell", "inline": ["echo worker"], "environment_vars": [
          "BINARY_BUCKET_NAME=amazon-eks", "BINARY_BUCKET_REGION=%s",
          "CACHE_CONTAINER_IMAGES=%s"]}
        """
        .formatted(region, cache);
  }

  private Path script(String name, String text) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, text);
    return p;
  }

  @Test
  void cachingOn_withNoneOfTheThree_failsWithOneLineNamingTheProvisionerAndTheFix()
      throws IOException {
    BuildSpec spec = spec("", worker("true", "us-west-2"));
    PreflightException e =
        assertThrows(PreflightException.class, () -> InstanceAwsAccess.check(spec));
    assertEquals(
        "image caching is on (CACHE_CONTAINER_IMAGES=true for provisioners[0], shell inline#0):"
            + " the build instance pulls the images from ECR, which needs AWS credentials there;"
            + " set iam_instance_profile, temporary_iam_instance_profile_policy_document or"
            + " forward_aws_credentials=true",
        e.getMessage());
    assertEquals(1, e.getMessage().lines().count());
  }

  @Test
  void cachingOn_withAnInstanceProfile_passes() throws IOException {
    InstanceAwsAccess.check(
        spec("", worker("true", "us-west-2"), "iam_instance_profile=eks-node-builder"));
  }

  @Test
  void cachingOn_withForwardedCredentials_passes() throws IOException {
    InstanceAwsAccess.check(spec("", worker("true", "us-west-2"), "forward_aws_credentials=true"));
  }

  @Test
  void forwardAwsCredentialsFalse_doesNotCount() throws IOException {
    BuildSpec spec = spec("", worker("true", "us-west-2"), "forward_aws_credentials=false");
    assertThrows(PreflightException.class, () -> InstanceAwsAccess.check(spec));
  }

  @Test
  void cachingOn_withATemporaryProfilePolicyDocument_asObjectOrString_passes() throws IOException {
    InstanceAwsAccess.check(
        spec(
            """
            , "temporary_iam_instance_profile_policy_document": {"Version": "2012-10-17",
              "Statement": [{"Effect": "Allow", "Action": ["ecr:*"], "Resource": "*"}]}
            """,
            worker("true", "us-west-2")));
    InstanceAwsAccess.check(
        spec(
            """
            , "temporary_iam_instance_profile_policy_document": "{\\"Version\\": \\"2012-10-17\\", \\"Statement\\": [{\\"Effect\\": \\"Allow\\", \\"Action\\": \\"ecr:*\\", \\"Resource\\": \\"*\\"}]}"
            """,
            worker("true", "us-west-2")));
  }

  @Test
  void cachingOff_orInAnIsoBucketRegion_needsNothing() throws IOException {
    InstanceAwsAccess.check(spec("", worker("false", "us-west-2")));
    InstanceAwsAccess.check(spec("", worker("", "us-west-2")));
    // install-worker.sh skips caching there.
    InstanceAwsAccess.check(spec("", worker("true", "us-iso-east-1")));
    InstanceAwsAccess.check(spec("", worker("true", "us-isob-east-1")));
  }

  @Test
  void theShippedInstallWorker_isNotReadAsAnAwsCliUser() throws IOException {
    Path shipped = TestHome.projectDir().resolve("scripts/install-worker.sh");
    // Its text calls aws (the s3 cp fallback, the caching lookups)...
    assertTrue(InstanceAwsAccess.firstCall(Files.readString(shipped)).isPresent());
    // ...but a provisioner that names the binary bucket has those covered: the URLs replace the
    // fallback, and caching is its own rule.
    InstanceAwsAccess.check(
        spec(
            "",
            """
            {"type": "shell", "script": "%s", "environment_vars": [
              "BINARY_BUCKET_NAME=amazon-eks", "BINARY_BUCKET_REGION=us-west-2",
              "CACHE_CONTAINER_IMAGES=false"]}
            """
                .formatted(shipped)));
  }

  @Test
  void theShippedTemplatesOtherScripts_runNoAwsCommand() throws IOException {
    for (String name :
        List.of(
            "install_additional_repos.sh",
            "upgrade_kernel.sh",
            "cleanup.sh",
            "cleanup_additional_repos.sh",
            "validate.sh",
            "generate-version-info.sh")) {
      String text = Files.readString(TestHome.projectDir().resolve("scripts").resolve(name));
      assertEquals(Optional.empty(), InstanceAwsAccess.firstCall(text), name);
    }
  }

  @Test
  void aUsersScriptRunningAws_failsNamingTheScriptTheLineAndTheCommand() throws IOException {
    Path s =
        script(
            "fetch-config.sh",
            "#!/bin/sh\n# aws s3 cp in a comment does not count\nset -e\n"
                + "  sudo aws s3 cp s3://my-config/app.conf /etc/app.conf --quiet\n");
    BuildSpec spec =
        spec(
            "",
            worker("false", "us-west-2") + ", {\"type\": \"shell\", \"script\": \"" + s + "\"}");
    PreflightException e =
        assertThrows(PreflightException.class, () -> InstanceAwsAccess.check(spec));
    assertEquals(
        "provisioners[1], shell fetch-config.sh runs the AWS CLI on the build instance"
            + " ('aws s3 cp' at line 4 in fetch-config.sh), which needs AWS credentials there;"
            + " set iam_instance_profile, temporary_iam_instance_profile_policy_document or"
            + " forward_aws_credentials=true",
        e.getMessage());
    InstanceAwsAccess.check(
        spec(
            "", "{\"type\": \"shell\", \"script\": \"" + s + "\"}", "iam_instance_profile=reader"));
  }

  @Test
  void anInlineAwsCommand_namesTheInlineEntry() throws IOException {
    BuildSpec spec =
        spec(
            "",
            "{\"type\": \"shell\", \"inline\": [\"echo hi\", \"id=$(aws sts get-caller-identity)\"]}");
    var shell = (ShellProvisionerSpec) spec.provisioners().get(0);
    assertEquals(
        Optional.of("'aws sts get-caller-identity' at line 1 in inline[1]"),
        InstanceAwsAccess.awsCall(shell));
    assertThrows(PreflightException.class, () -> InstanceAwsAccess.check(spec));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "aws s3 cp s3://b/k .",
        "  aws ec2 describe-regions",
        "sudo aws sts get-caller-identity",
        "x=$(aws eks describe-addon-versions --addon-name kube-proxy)",
        "/usr/local/bin/aws s3 ls",
        "true && aws ecr get-login-password | docker login",
        "echo start; aws s3 sync . s3://b",
        "out=`aws iam get-user`",
      })
  void awsCommands_areFound(String line) {
    assertTrue(InstanceAwsAccess.firstCall(line).isPresent(), line);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "# aws s3 cp s3://b/k .",
        "    # then aws ec2 describe-regions",
        "die \"aws eks describe-addon-versions failed\"",
        "aws --version",
        "aws-iam-authenticator version",
        "install_awscli",
        "sed -i 's,--cloud-provider aws,--cloud-provider aws $flags,' f",
        "echo $aws s3",
        "export AWS_REGION=us-west-2",
        "awsome s3 thing",
      })
  void otherText_isNotAnAwsCommand(String line) {
    assertEquals(Optional.empty(), InstanceAwsAccess.firstCall(line), line);
  }
}
