package dev.eksnode.amibuilder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Makefile's way of choosing files, run in-process against a small synthetic checkout laid out
 * like amazon-eks-ami from 2024 on: {@code templates/<os>/template.json} with {@code
 * variables-default.json} and {@code variables-<minor>.json} beside it.
 */
class UpstreamLayoutTest {
  @TempDir Path root;
  TestHome home;
  Path checkout;
  Path al2;
  CliTest.CountingSocket endpoint;

  @BeforeEach
  void setUp() throws IOException {
    home = new TestHome(root);
    checkout = Files.createDirectories(root.resolve("amazon-eks-ami"));
    al2 = writeTemplate("al2", "EKS AL2 node");
    writeTemplate("al2023", "EKS AL2023 node");
    Files.writeString(
        al2.resolve("variables-1.24.json"),
        "{\"containerd_version\": \"1.6.19-1.amzn2.0.1\", \"docker_version\": \"20.10.23-1.amzn2.0.1\"}");
    home.write("mine.json", "{\"instance_type\": \"c5.xlarge\"}");
    endpoint = new CliTest.CountingSocket();
  }

  @AfterEach
  void tearDown() throws IOException {
    endpoint.close();
  }

  /**
   * A template that declares most variables but reads {@code nvidia_driver_version}, which only its
   * default file sets (as upstream's al2 template does).
   */
  private Path writeTemplate(String os, String description) throws IOException {
    Path dir = Files.createDirectories(checkout.resolve("templates").resolve(os));
    StringBuilder vars = new StringBuilder();
    for (String n :
        List.of(
            "kubernetes_version",
            "kubernetes_build_date",
            "aws_region",
            "arch",
            "instance_type",
            "ami_name",
            "ami_description",
            "ami_component_description",
            "docker_version",
            "containerd_version",
            "kernel_version",
            "source_ami_id")) {
      vars.append(vars.length() == 0 ? "" : ", ").append('"').append(n).append("\": null");
    }
    Files.writeString(
        dir.resolve("template.json"),
        "{\"variables\": {"
            + vars
            + "},\n"
            + " \"builders\": [{\"type\": \"amazon-ebs\", \"region\": \"{{user `aws_region`}}\",\n"
            + "  \"instance_type\": \"{{user `instance_type`}}\", \"source_ami\": \"{{user `source_ami_id`}}\",\n"
            + "  \"ami_name\": \"{{user `ami_name`}}\",\n"
            + "  \"ami_description\": \"{{user `ami_description`}}, {{user `ami_component_description`}}\",\n"
            + "  \"tags\": {\"docker_version\": \"{{user `docker_version`}}\"}}],\n"
            + " \"provisioners\": [{\"type\": \"shell\", \"inline\": [\"true\"],\n"
            + "  \"environment_vars\": [\"NVIDIA_DRIVER_VERSION={{user `nvidia_driver_version`}}\"]}]}\n");
    Files.writeString(
        dir.resolve("variables-default.json"),
        "{\"aws_region\": \"us-west-2\", \"ami_description\": \""
            + description
            + "\",\n"
            + " \"ami_component_description\": \"(k8s: {{user `kubernetes_version`}}, docker:"
            + " {{user `docker_version`}}, containerd: {{user `containerd_version`}})\",\n"
            + " \"docker_version\": \"20.10.25-1.amzn2.0.4\", \"containerd_version\": \"1.7.11-1.amzn2.0.1\",\n"
            + " \"source_ami_id\": \"ami-0123456789abcdef0\", \"nvidia_driver_version\": \"535\"}\n");
    return dir;
  }

  /** name → {value, layer, source} from {@code vars --json}. */
  private Map<String, JsonNode> varsJson(String... args) throws IOException {
    List<String> full = new ArrayList<>(List.of("vars", "--json"));
    full.addAll(List.of(args));
    TestHome.Result r = home.run(full.toArray(String[]::new));
    assertEquals(0, r.code(), r.err());
    Map<String, JsonNode> byName = new HashMap<>();
    for (JsonNode v : new ObjectMapper().readTree(r.out().strip()).get("variables")) {
      byName.put(v.get("name").asText(), v);
    }
    return byName;
  }

  private static void assertLayer(
      Map<String, JsonNode> vars, String name, String value, String layer, String source) {
    JsonNode v = vars.get(name);
    assertTrue(v != null, name + " not listed");
    assertEquals(value, v.get("value").asText(), name);
    assertEquals(layer, v.get("layer").asText(), name + ": " + v);
    assertTrue(
        v.get("source").asText().contains(source), name + ": source " + v.get("source") + "?");
  }

  private void assertMakeLayers(Map<String, JsonNode> vars) {
    assertLayer(vars, "aws_region", "us-west-2", "default-file", "variables-default.json");
    assertLayer(vars, "nvidia_driver_version", "535", "default-file", "variables-default.json");
    assertLayer(
        vars, "containerd_version", "1.6.19-1.amzn2.0.1", "minor-file", "variables-1.24.json");
    assertLayer(
        vars, "docker_version", "20.10.23-1.amzn2.0.1", "minor-file", "variables-1.24.json");
    assertLayer(vars, "instance_type", "c5.xlarge", "var-file", "mine.json");
    assertLayer(vars, "ami_description", "Team node", "command-line", "argument");
    assertLayer(vars, "kernel_version", "5.10", "derived", "kernel for Kubernetes 1.24");
    assertLayer(
        vars,
        "ami_component_description",
        "(k8s: 1.24.10, docker: 20.10.23-1.amzn2.0.1, containerd: 1.6.19-1.amzn2.0.1)",
        "default-file",
        "variables-default.json");
  }

  @Test
  void vars_templateDir_discoversDefaultAndMinorFiles_likeMakeK8s() throws IOException {
    home.env.put("PACKER_VARIABLE_FILE", "mine.json");
    Map<String, JsonNode> vars =
        varsJson(
            "--template-dir",
            checkout.toString(),
            "--kubernetes-version",
            "1.24.10",
            "ami_description=Team node");
    assertMakeLayers(vars);
    assertTrue(
        vars.get("instance_type").get("source").asText().contains("PACKER_VARIABLE_FILE"),
        vars.get("instance_type").toString());
  }

  @Test
  void vars_explicitVarFiles_forTheTemplatesOwnFiles_giveTheSameLayers() throws IOException {
    Map<String, JsonNode> vars =
        varsJson(
            "--template",
            al2.resolve("template.json").toString(),
            "--var-file",
            al2.resolve("variables-default.json").toString(),
            "--var-file",
            al2.resolve("variables-1.24.json").toString(),
            "--var-file",
            "mine.json",
            "kubernetes_version=1.24.10",
            "ami_description=Team node");
    assertMakeLayers(vars);
  }

  @Test
  void vars_packerVariableFileWord_isAUserFile() throws IOException {
    Map<String, JsonNode> vars =
        varsJson(
            "--template-dir",
            checkout.toString(),
            "kubernetes_version=1.24.10",
            "PACKER_VARIABLE_FILE=mine.json",
            "ami_description=Team node");
    assertMakeLayers(vars);
  }

  @Test
  void vars_defaultFileNamedWithVarFile_doesNotBeatDerivedDockerNone_from125() throws IOException {
    Map<String, JsonNode> vars =
        varsJson(
            "--template",
            al2.resolve("template.json").toString(),
            "--var-file",
            al2.resolve("variables-default.json").toString(),
            "--kubernetes-version",
            "1.25.16");
    assertLayer(vars, "docker_version", "none", "derived", "no Docker from Kubernetes 1.25");
    assertLayer(
        vars,
        "ami_component_description",
        "(k8s: 1.25.16, containerd: 1.7.11-1.amzn2.0.1)",
        "derived",
        "no Docker from Kubernetes 1.25");
  }

  @Test
  void validate_variableOnlyTheDefaultFileSets_isReadWithoutWarning() {
    TestHome.Result r =
        home.run("validate", "--strict", "--template-dir", checkout.toString(), "1.25");
    assertEquals(0, r.code(), r.err());
    assertEquals("", r.err());
    assertTrue(r.out().contains("templates/al2/template.json"), r.out());
  }

  @Test
  void validate_unreadUnknownName_stillWarnsWithSuggestion() {
    TestHome.Result r =
        home.run(
            "validate", "--template-dir", checkout.toString(), "1.25", "nvidia_driver_versoin=550");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("did you mean 'nvidia_driver_version'?"), r.err());
  }

  @Test
  void validate_osDistro_picksTheTemplateUnderTheCheckout_optionOrWord() throws IOException {
    for (List<String> choice :
        List.of(List.of("--os-distro", "al2023"), List.of("os_distro=al2023"))) {
      List<String> args = new ArrayList<>(List.of("vars", "--json"));
      args.addAll(List.of("--template-dir", checkout.toString(), "1.25"));
      args.addAll(choice);
      TestHome.Result r = home.run(args.toArray(String[]::new));
      assertEquals(0, r.code(), choice + ": " + r.err());
      assertTrue(r.out().contains("EKS AL2023 node"), choice + ": " + r.out());
      assertTrue(r.out().contains("\"amazon-eks-al2023-node-1.25-v"), choice + ": " + r.out());
      assertFalse(r.err().contains("os_distro"), choice + ": " + r.err());
    }
  }

  /** A template under templates/al2023/ named with --template builds AL2023: its AMI says so. */
  @Test
  void amiName_carriesTheDistributionOfTheTemplate() {
    TestHome.Result al2023 =
        home.run(
            "vars",
            "--json",
            "--template",
            checkout.resolve("templates/al2023/template.json").toString(),
            "1.25",
            "arch=arm64");
    assertEquals(0, al2023.code(), al2023.err());
    assertTrue(al2023.out().contains("\"amazon-eks-al2023-arm64-node-1.25-v"), al2023.out());
    TestHome.Result al2 = home.run("vars", "--json", "--template-dir", checkout.toString(), "1.25");
    assertEquals(0, al2.code(), al2.err());
    assertTrue(al2.out().contains("\"amazon-eks-node-1.25-v"), al2.out());
  }

  @Test
  void noTemplateDir_keepsTheInstallationsTemplate() {
    TestHome.Result r = home.run("validate", "--os-distro", "al2", "1.25");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("eks-worker-al2.json"), r.out());
  }

  private void assertBadInput(List<String> args, String... named) {
    List<String> full = new ArrayList<>(List.of("k8s", "--endpoint-url", endpoint.url()));
    full.addAll(args);
    full.add("--kubernetes-version=1.25.16");
    TestHome.Result r = home.run(full.toArray(String[]::new));
    assertEquals(2, r.code(), args + ": " + r.err());
    assertEquals(1, r.errLines().size(), args + ": expected one line, got:\n" + r.err());
    String line = r.errLines().get(0);
    for (String fragment : named) {
      assertTrue(line.contains(fragment), args + ": '" + fragment + "' missing from: " + line);
    }
    assertEquals(0, endpoint.connections.get(), args + ": the AWS endpoint was contacted");
  }

  @Test
  void badChoices_areOneLineExitTwo_andContactNothing() throws IOException {
    String dir = checkout.toString();
    assertBadInput(
        List.of("--template-dir", dir, "--os-distro", "al3"),
        "os_distro",
        "'al3'",
        "--os-distro",
        "al2 or al2023");
    assertBadInput(
        List.of("--template-dir", dir, "os_distro=al3"), "os_distro", "argument os_distro");
    Path empty = Files.createDirectories(root.resolve("not-a-checkout"));
    assertBadInput(
        List.of("--template-dir", empty.toString(), "--os-distro", "al2023"),
        "--template-dir",
        "templates/al2023/template.json",
        "--os-distro");
    assertBadInput(
        List.of("--template-dir", root.resolve("missing").toString()),
        "--template-dir",
        "not a directory");
    assertBadInput(
        List.of("--template", "t.json", "--template-dir", dir),
        "--template t.json",
        "--template-dir",
        "keep one");
    assertBadInput(
        List.of("--template", "t.json", "--os-distro", "al2023"), "os_distro", "--template-dir");
    assertBadInput(List.of("--os-distro", "al2023"), "os_distro", "--template-dir");
    assertBadInput(
        List.of("--template-dir", dir, "--os-distro", "al2", "os_distro=al2023"),
        "os_distro",
        "--os-distro",
        "keep only one");
    home.env.put("PACKER_VARIABLE_FILE", "nope.json");
    assertBadInput(
        List.of("--template-dir", dir),
        "PACKER_VARIABLE_FILE = 'nope.json'",
        "environment variable PACKER_VARIABLE_FILE",
        "does not exist");
    assertBadInput(
        List.of("--template-dir", dir, "PACKER_VARIABLE_FILE=other.json"),
        "PACKER_VARIABLE_FILE = 'other.json'",
        "argument PACKER_VARIABLE_FILE");
  }

  @Test
  void oldCheckout_pointsAtItsSingleTemplate() throws IOException {
    Path old = Files.createDirectories(root.resolve("old-checkout"));
    Files.writeString(old.resolve("eks-worker-al2.json"), "{}");
    assertBadInput(
        List.of("--template-dir", old.toString()),
        "templates/al2/template.json",
        "--template " + old.resolve("eks-worker-al2.json"));
  }
}
