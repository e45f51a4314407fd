package dev.eksnode.amibuilder.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eksnode.amibuilder.cli.TestHome;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Users' existing upstream files must work unchanged. The fixtures under {@code
 * src/test/resources/upstream} are subsets of amazon-eks-ami checkouts from 2023 to late 2025 (see
 * the README there); each is checked the way {@code make} would hand it to Packer (explicit
 * variable files) and the way ami-builder finds them on its own (no {@code --var-file}), and {@code
 * vars} must name the layer each value came from.
 */
class UpstreamFixturesTest {
  static final String AL2_2023 = "2023-al2";
  static final String AL2_2024 = "2024-al2";
  static final String AL2_2025 = "2025-al2";
  static final String AL2023 = "al2023";

  @TempDir Path root;
  TestHome home;

  @BeforeEach
  void setUp() {
    home = new TestHome(root);
  }

  /** The fixture folder as the test classpath holds it (an upstream checkout's root). */
  static Path fixture(String name) {
    URL url = UpstreamFixturesTest.class.getResource("/upstream/" + name);
    assertNotNull(url, "fixture " + name + " is not on the test classpath");
    try {
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private TestHome.Result run(List<String> args) {
    return home.run(args.toArray(String[]::new));
  }

  private static List<String> words(String... words) {
    return new ArrayList<>(List.of(words));
  }

  private static void assertOk(TestHome.Result r) {
    assertEquals(0, r.code(), "exit code; stderr:\n" + r.err() + "\nstdout:\n" + r.out());
  }

  /** {@code vars --json} output as name to {value, source, layer}. */
  private static Map<String, JsonNode> vars(TestHome.Result r) throws Exception {
    assertOk(r);
    assertTrue(r.out().strip().startsWith("{"), "vars needs --json here:\n" + r.out());
    JsonNode doc = new ObjectMapper().readTree(r.out().strip());
    Map<String, JsonNode> byName = new HashMap<>();
    for (JsonNode v : doc.get("variables")) {
      byName.put(v.get("name").asText(), v);
    }
    return byName;
  }

  private static void assertVariable(
      Map<String, JsonNode> vars, String name, String value, String layer, String sourceSuffix) {
    JsonNode v = vars.get(name);
    assertNotNull(v, name + " is not listed");
    assertEquals(value, v.get("value").asText(), name + " value: " + v);
    if (layer != null) {
      assertEquals(layer, v.get("layer").asText(), name + " layer: " + v);
    }
    if (sourceSuffix != null) {
      // The source names the file (and the key in it); the layer says which of the Makefile's files
      // it was.
      String file = java.nio.file.Path.of(sourceSuffix).getFileName().toString();
      assertTrue(
          v.get("source").asText().equals(sourceSuffix)
              || v.get("source").asText().contains(file + ":"),
          name + " should come from …" + sourceSuffix + ": " + v);
    }
  }

  // ---- 2023: eks-worker-al2.json at the checkout's root -------------------------------------

  private static List<String> al2023Layout(String command) {
    return words(
        command,
        "--template",
        fixture(AL2_2023).resolve("eks-worker-al2.json").toString(),
        "--kubernetes-version",
        "1.23.17",
        "--kubernetes-build-date",
        "2023-05-11");
  }

  @Test
  void al2_2023_validatesUnchanged_withExplicitVariableFile() {
    List<String> args = al2023Layout("validate");
    args.addAll(
        List.of(
            "--var-file", fixture(AL2_2023).resolve("eks-worker-al2-variables.json").toString()));
    assertOk(run(args));
  }

  @Test
  void al2_2023_validatesUnchanged_withDiscoveredVariableFile() {
    TestHome.Result r = run(al2023Layout("validate"));
    assertOk(r);
    assertTrue(r.out().contains("amazon-eks-node-1.23-v"), r.out());
  }

  @Test
  void al2_2023_vars_showsYumSpecsFromTheDefaultFile_andVarOnTop() throws Exception {
    List<String> args = al2023Layout("vars");
    args.addAll(List.of("--json", "--var", "instance_type=c5.large"));
    Map<String, JsonNode> vars = vars(run(args));
    assertVariable(
        vars, "containerd_version", "1.6.*", "default-file", "eks-worker-al2-variables.json");
    assertVariable(vars, "runc_version", "1.1.*", "default-file", "eks-worker-al2-variables.json");
    assertVariable(vars, "docker_version", "20.10.*", "default-file", null);
    assertVariable(vars, "instance_type", "c5.large", "command-line", "--var");
  }

  // ---- 2024: templates/al2 with variables-default.json and variables-<minor>.json -----------

  private static Path al2Dir(String fixture) {
    return fixture(fixture).resolve("templates/al2");
  }

  private static List<String> discovered(
      String command, String fixture, String os, String version, String date) {
    return words(
        command,
        "--template-dir",
        fixture(fixture).toString(),
        "--os-distro",
        os,
        "--kubernetes-version",
        version,
        "--kubernetes-build-date",
        date);
  }

  private static List<String> withJson(List<String> args) {
    args.add("--json");
    return args;
  }

  @Test
  void al2_2024_validatesUnchanged_withExplicitVariableFiles() {
    Path dir = al2Dir(AL2_2024);
    assertOk(
        run(
            words(
                "validate",
                "--template",
                dir.resolve("template.json").toString(),
                "--var-file",
                dir.resolve("variables-default.json").toString(),
                "--var-file",
                dir.resolve("variables-1.24.json").toString(),
                "--kubernetes-version",
                "1.24.17",
                "--kubernetes-build-date",
                "2024-01-04")));
  }

  @Test
  void al2_2024_validatesUnchanged_withDiscoveredVariableFiles() {
    TestHome.Result r = run(discovered("validate", AL2_2024, "al2", "1.24.17", "2024-01-04"));
    assertOk(r);
    assertTrue(r.out().contains("templates/al2/template.json"), r.out());
  }

  @Test
  void al2_2024_osDistroWord_picksTheTemplateLikeTheOption() {
    TestHome.Result r =
        run(
            words(
                "validate",
                "--template-dir",
                fixture(AL2_2024).toString(),
                "os_distro=al2",
                "--kubernetes-version",
                "1.24.17",
                "--kubernetes-build-date",
                "2024-01-04"));
    assertOk(r);
    assertTrue(r.out().contains("templates/al2/template.json"), r.out());
  }

  @Test
  void al2_2024_vars_layersDefaultThenPerMinorThenUserFileThenVar() throws Exception {
    // The order make k8s passes to Packer: default file, variables-<minor>.json, the user's
    // PACKER_VARIABLE_FILE, then -var.
    Path mine =
        home.write(
            "mine.json",
            "{\"docker_version\": \"20.10.25-1.amzn2.0.4\", \"containerd_version\": \"1.7.2-1\"}");
    List<String> args = discovered("vars", AL2_2024, "al2", "1.24.17", "2024-01-04");
    args.addAll(
        List.of("--json", "--var-file", mine.toString(), "--var", "containerd_version=1.7.11-*"));
    Map<String, JsonNode> vars = vars(run(args));

    assertVariable(
        vars, "runc_version", "1.1.*", "default-file", "templates/al2/variables-default.json");
    assertVariable(
        vars,
        "ami_component_description",
        "(k8s: 1.24.17, docker: 20.10.25-1.amzn2.0.4, containerd: 1.7.11-*)",
        null,
        "templates/al2/variables-1.24.json");
    assertVariable(vars, "docker_version", "20.10.25-1.amzn2.0.4", "var-file", "mine.json");
    assertVariable(vars, "containerd_version", "1.7.11-*", "command-line", "--var");
  }

  @Test
  void al2_2024_vars_perMinorFileWins_overTheDefaultFile() throws Exception {
    Map<String, JsonNode> vars =
        vars(run(withJson(discovered("vars", AL2_2024, "al2", "1.24.17", "2024-01-04"))));
    assertVariable(vars, "docker_version", "20.10.*", null, "templates/al2/variables-1.24.json");
    assertVariable(
        vars,
        "containerd_version",
        "1.7.*",
        "default-file",
        "templates/al2/variables-default.json");
  }

  @Test
  void al2_2024_withoutAPerMinorFile_usesOnlyTheDefaultFile() throws Exception {
    // There is no variables-1.25.json: like the Makefile, skip it instead of failing.
    Map<String, JsonNode> vars =
        vars(run(withJson(discovered("vars", AL2_2024, "al2", "1.25.16", "2024-01-04"))));
    // The derived "no Docker from 1.25" sits above the default file, as in the Makefile.
    assertVariable(vars, "docker_version", "none", "derived", null);
    assertVariable(
        vars, "ami_component_description", "(k8s: 1.25.16, containerd: 1.7.*)", "derived", null);
  }

  @Test
  void templateDir_withUnknownOsDistro_failsNamingTheFieldAndTheChoices() {
    TestHome.Result r = run(discovered("validate", AL2_2024, "al2099", "1.24.17", "2024-01-04"));
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("os_distro = 'al2099'"), r.err());
    assertTrue(r.err().contains("use al2 or al2023"), r.err());
  }

  // ---- late 2025: a variable only the default file sets; a disconnect that may not happen ----

  @Test
  void al2_2025_validatesUnchanged_withExplicitVariableFile() {
    Path dir = al2Dir(AL2_2025);
    TestHome.Result r =
        run(
            words(
                "validate",
                "--template",
                dir.resolve("template.json").toString(),
                "--var-file",
                dir.resolve("variables-default.json").toString(),
                "--kubernetes-version",
                "1.32.9",
                "--kubernetes-build-date",
                "2025-11-13"));
    assertOk(r);
    assertFalse(r.err().contains("nvidia_driver_version"), r.err());
  }

  @Test
  void al2_2025_validatesUnchanged_withDiscoveredVariableFiles() {
    TestHome.Result r = run(discovered("validate", AL2_2025, "al2", "1.32.9", "2025-11-13"));
    assertOk(r);
    assertFalse(r.err().contains("nvidia_driver_version"), r.err());
  }

  @Test
  void al2_2025_fileOnlyVariable_isListedFromTheDefaultFile() throws Exception {
    Map<String, JsonNode> vars =
        vars(run(withJson(discovered("vars", AL2_2025, "al2", "1.32.9", "2025-11-13"))));
    assertVariable(
        vars,
        "nvidia_driver_version",
        "570.172.08",
        "default-file",
        "templates/al2/variables-default.json");
    assertVariable(vars, "runc_version", "1.*", "default-file", null);
    assertVariable(vars, "enable_efa", "false", "default-file", null);
  }

  // ---- AL2023 ---------------------------------------------------------------------------------

  @Test
  void al2023_validatesUnchanged_withExplicitVariableFile() {
    Path dir = fixture(AL2023).resolve("templates/al2023");
    assertOk(
        run(
            words(
                "validate",
                "--template",
                dir.resolve("template.json").toString(),
                "--var-file",
                dir.resolve("variables-default.json").toString(),
                "--kubernetes-version",
                "1.33.5",
                "--kubernetes-build-date",
                "2025-09-19")));
  }

  @Test
  void al2023_validatesUnchanged_withDiscoveredVariableFiles() {
    TestHome.Result r = run(discovered("validate", AL2023, "al2023", "1.33.5", "2025-09-19"));
    assertOk(r);
    assertTrue(r.out().contains("templates/al2023/template.json"), r.out());
  }

  @Test
  void al2023_osDistroWord_picksTheTemplateLikeTheOption() {
    TestHome.Result r =
        run(
            words(
                "validate",
                "--template-dir",
                fixture(AL2023).toString(),
                "os_distro=al2023",
                "--kubernetes-version",
                "1.33.5",
                "--kubernetes-build-date",
                "2025-09-19"));
    assertOk(r);
    assertTrue(r.out().contains("templates/al2023/template.json"), r.out());
  }

  @Test
  void al2023_vars_showsContainerd2AndAnyRunc_fromTheDefaultFile_andVarOnTop() throws Exception {
    List<String> args = discovered("vars", AL2023, "al2023", "1.33.5", "2025-09-19");
    args.addAll(List.of("--json", "--var", "enable_fips=true"));
    Map<String, JsonNode> vars = vars(run(args));
    assertVariable(
        vars,
        "containerd_version",
        "2.*",
        "default-file",
        "templates/al2023/variables-default.json");
    assertVariable(
        vars, "runc_version", "*", "default-file", "templates/al2023/variables-default.json");
    assertVariable(vars, "ami_type", "standard", "default-file", null);
    assertVariable(vars, "enable_fips", "true", "command-line", "--var");
  }
}
