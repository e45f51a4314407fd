package dev.eksnode.amibuilder.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VariableLayersTest {
  @TempDir Path dir;
  Map<String, String> declared;
  Path defaults;

  @BeforeEach
  void setUp() throws IOException {
    declared = new LinkedHashMap<>();
    for (String n :
        List.of("aws_region", "instance_type", "volume_type", "ami_users", "kubernetes_version")) {
      declared.put(n, null);
    }
    declared.put("volume_type", "standard");
    defaults =
        Files.writeString(
            dir.resolve("t-variables.json"),
            "{\"aws_region\": \"us-west-2\", \"volume_type\": \"gp2\", \"ami_users\": \"\"}");
  }

  private Variables merge(
      List<Path> files, Map<String, String> env, List<Assignment> cli, Shortcut s, boolean strict) {
    return VariableLayers.merge(
        new VariableLayers.Inputs(
            declared, dir.resolve("t.json"), defaults, files, env, cli, s, strict));
  }

  private Path file(String name, String json) throws IOException {
    return Files.writeString(dir.resolve(name), json);
  }

  @Test
  void merge_eachLayerBeatsTheOneBelow() throws IOException {
    Path a = file("a.json", "{\"aws_region\": \"eu-west-1\", \"instance_type\": \"c5.large\"}");
    Path b = file("b.json", "{\"aws_region\": \"eu-west-2\"}");
    Variables onlyDefaults = merge(List.of(), Map.of(), List.of(), null, false);
    assertEquals("us-west-2", onlyDefaults.value("aws_region"));
    assertEquals(
        "gp2", onlyDefaults.value("volume_type"), "default file beats the template default");
    assertEquals(VariableSource.Kind.DEFAULT_FILE, onlyDefaults.get("volume_type").source().kind());

    Variables files = merge(List.of(a, b), Map.of(), List.of(), null, false);
    assertEquals("eu-west-2", files.value("aws_region"), "later --var-file wins");
    assertEquals("c5.large", files.value("instance_type"));
    assertEquals(b + ":aws_region", files.get("aws_region").source().detail());

    Variables env =
        merge(
            List.of(a, b),
            Map.of("aws_region", "ap-south-1", "AWS_REGION", "ignored"),
            List.of(),
            null,
            false);
    assertEquals("ap-south-1", env.value("aws_region"), "lower-case environment beats files");
    assertEquals(VariableSource.Kind.ENVIRONMENT, env.get("aws_region").source().kind());

    Variables cli =
        merge(
            List.of(a, b),
            Map.of("aws_region", "ap-south-1"),
            List.of(Assignment.parse("aws_region=ca-central-1", "--var")),
            null,
            false);
    assertEquals("ca-central-1", cli.value("aws_region"), "--var beats environment");
    assertEquals("--var", cli.get("aws_region").source().describe());
  }

  @Test
  void merge_laterCommandLineWordWins_andPinnedShortcutBeatsAll() {
    Variables v =
        merge(
            List.of(),
            Map.of(),
            List.of(
                Assignment.parse("kubernetes_version=1.22.1", "--var"),
                Assignment.parse("kubernetes_version=1.22.2", "argument")),
            null,
            false);
    assertEquals("1.22.2", v.value("kubernetes_version"));
    Variables pinned =
        merge(
            List.of(),
            Map.of(),
            List.of(Assignment.parse("kubernetes_version=1.22.2", "--var")),
            Shortcut.find("1.23").orElseThrow(),
            false);
    assertEquals("1.23.16", pinned.value("kubernetes_version"));
    assertEquals("2023-01-30", pinned.value("kubernetes_build_date"));
    assertEquals("true", pinned.value("pull_cni_from_github"));
    assertTrue(
        pinned.warnings().stream().anyMatch(w -> w.contains("pins it to '1.23.16'")),
        pinned.warnings().toString());
  }

  @Test
  void merge_emptyValueNeverHidesALowerLayer() throws IOException {
    Path a = file("a.json", "{\"aws_region\": \"\", \"volume_type\": null}");
    Variables v =
        merge(
            List.of(a),
            Map.of("aws_region", ""),
            List.of(Assignment.parse("aws_region=", "--var")),
            null,
            false);
    assertEquals("us-west-2", v.value("aws_region"));
    assertEquals("gp2", v.value("volume_type"));
    assertFalse(v.isSet("ami_users"), "an empty default is not set");
  }

  @Test
  void merge_unknownName_warnsWithDidYouMean_orFailsWhenStrict() throws IOException {
    Path a = file("a.json", "{\"aws_regoin\": \"eu-west-1\"}");
    Variables v = merge(List.of(a), Map.of(), List.of(), null, false);
    assertEquals(1, v.warnings().size());
    assertTrue(v.warnings().get(0).contains("did you mean 'aws_region'?"), v.warnings().get(0));
    ConfigException e =
        assertThrows(
            ConfigException.class, () -> merge(List.of(a), Map.of(), List.of(), null, true));
    assertTrue(
        e.getMessage().contains("aws_regoin") && e.getMessage().contains("a.json"), e.getMessage());
  }

  @Test
  void merge_numbersAndBooleansInFiles_becomeText_listsAreRejected() throws IOException {
    Path a = file("a.json", "{\"instance_type\": 5, \"ami_users\": true}");
    Variables v = merge(List.of(a), Map.of(), List.of(), null, false);
    assertEquals("5", v.value("instance_type"));
    assertEquals("true", v.value("ami_users"));
    Path bad = file("bad.json", "{\"ami_users\": [\"1\"]}");
    ConfigException e =
        assertThrows(
            ConfigException.class, () -> merge(List.of(bad), Map.of(), List.of(), null, false));
    assertTrue(
        e.getMessage().contains("ami_users") && e.getMessage().contains("comma-separated"),
        e.getMessage());
  }

  /** As the CLI builds them: PACKER_VARIABLE_FILE, per-minor files beside the template, reads. */
  private Variables mergeUpstream(
      Path packerVariableFile,
      List<Path> files,
      List<Assignment> cli,
      Set<String> reads,
      boolean strict) {
    return VariableLayers.merge(
        new VariableLayers.Inputs(
            declared,
            dir.resolve("t.json"),
            defaults,
            files,
            Map.of(),
            cli,
            null,
            strict,
            packerVariableFile,
            dir,
            reads));
  }

  private static Assignment word(String text) {
    return Assignment.parse(text, "argument");
  }

  @Test
  void merge_minorFile_isAboveTheDefaultFile_andBelowUserFiles() throws IOException {
    file("variables-1.24.json", "{\"volume_type\": \"gp3\", \"instance_type\": \"m5.large\"}");
    Path mine = file("mine.json", "{\"instance_type\": \"c5.large\"}");
    Variables v =
        mergeUpstream(
            null, List.of(mine), List.of(word("kubernetes_version=1.24.10")), Set.of(), false);
    assertEquals("gp3", v.value("volume_type"), "per-minor file beats the default file");
    assertEquals(VariableSource.Kind.MINOR_FILE, v.get("volume_type").source().kind());
    assertEquals("variables-1.24.json:volume_type", v.get("volume_type").source().detail());
    assertEquals("c5.large", v.value("instance_type"), "a user file beats the per-minor file");
    assertEquals(VariableSource.Kind.VAR_FILE, v.get("instance_type").source().kind());
    assertTrue(v.isSetByUser("volume_type"), "derived values must not replace per-minor values");
    assertFalse(v.isSetByUser("aws_region"), "derived values may replace default-file values");

    Variables other =
        mergeUpstream(null, List.of(), List.of(word("kubernetes_version=1.25.6")), Set.of(), false);
    assertEquals("gp2", other.value("volume_type"), "no variables-1.25.json: defaults only");
  }

  @Test
  void merge_minorFile_followsTheVersionWhereverItIsSet() throws IOException {
    file("variables-1.24.json", "{\"volume_type\": \"gp3\"}");
    Path mine = file("mine.json", "{\"kubernetes_version\": \"1.24\"}");
    Variables v = mergeUpstream(mine, List.of(), List.of(), Set.of(), false);
    assertEquals("gp3", v.value("volume_type"), "version from PACKER_VARIABLE_FILE picks the file");
    assertEquals(VariableSource.Kind.MINOR_FILE, v.get("volume_type").source().kind());
  }

  @Test
  void merge_templatesOwnFilesNamedWithVarFile_keepTheirLayers() throws IOException {
    Path minor = file("variables-1.24.json", "{\"instance_type\": \"m5.large\"}");
    Variables v =
        mergeUpstream(
            null,
            List.of(defaults, minor),
            List.of(word("kubernetes_version=1.24.10")),
            Set.of(),
            false);
    assertEquals(VariableSource.Kind.DEFAULT_FILE, v.get("aws_region").source().kind());
    assertEquals(VariableSource.Kind.MINOR_FILE, v.get("instance_type").source().kind());
    assertTrue(v.warnings().isEmpty(), v.warnings().toString());
  }

  @Test
  void merge_packerVariableFile_isAUserFileReadBeforeTheVarFiles() throws IOException {
    Path packer =
        file("packer.json", "{\"aws_region\": \"eu-west-1\", \"instance_type\": \"c5.large\"}");
    Path later = file("later.json", "{\"aws_region\": \"eu-west-2\"}");
    Variables v = mergeUpstream(packer, List.of(later), List.of(), Set.of(), false);
    assertEquals("eu-west-2", v.value("aws_region"), "--var-file is read after it");
    assertEquals("c5.large", v.value("instance_type"));
    assertEquals(VariableSource.Kind.VAR_FILE, v.get("instance_type").source().kind());
    assertTrue(
        v.get("instance_type").source().describe().contains("PACKER_VARIABLE_FILE"),
        v.get("instance_type").source().describe());
  }

  @Test
  void merge_undeclaredNameTheTemplateReads_isAcceptedSilently_evenWhenStrict() throws IOException {
    Path a = file("a.json", "{\"nvidia_driver_version\": \"535\"}");
    Variables v = mergeUpstream(null, List.of(a), List.of(), Set.of("nvidia_driver_version"), true);
    assertEquals("535", v.value("nvidia_driver_version"));
    assertTrue(v.warnings().isEmpty(), v.warnings().toString());
  }

  @Test
  void merge_undeclaredNameAnotherValueReads_isNotUnknown() throws IOException {
    Path a =
        file(
            "a.json", "{\"team\": \"blue\", \"instance_type\": \"{{user `team`}}-is-not-a-type\"}");
    Variables v = mergeUpstream(null, List.of(a), List.of(), Set.of(), true);
    assertEquals("blue", v.value("team"));
    assertTrue(v.warnings().isEmpty(), v.warnings().toString());
  }

  @Test
  void merge_undeclaredNameNothingReads_stillWarnsOrFailsWhenStrict() throws IOException {
    Path a = file("a.json", "{\"nvidia_driver_versoin\": \"535\"}");
    declared.put("nvidia_driver_version", null);
    Variables v =
        mergeUpstream(null, List.of(a), List.of(), Set.of("nvidia_driver_version"), false);
    assertEquals(1, v.warnings().size(), v.warnings().toString());
    assertTrue(
        v.warnings().get(0).contains("did you mean 'nvidia_driver_version'?"), v.warnings().get(0));
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                mergeUpstream(null, List.of(a), List.of(), Set.of("nvidia_driver_version"), true));
    assertTrue(e.getMessage().contains("nvidia_driver_versoin"), e.getMessage());
  }

  @Test
  void merge_undeclaredNamesInTheTemplatesOwnFiles_areNotTheUsersToFix() throws IOException {
    defaults =
        file("t-variables.json", "{\"aws_region\": \"us-west-2\", \"upstream_only\": \"x\"}");
    Variables v = mergeUpstream(null, List.of(), List.of(), Set.of(), true);
    assertEquals("x", v.value("upstream_only"));
    assertTrue(v.warnings().isEmpty(), v.warnings().toString());
  }
}
