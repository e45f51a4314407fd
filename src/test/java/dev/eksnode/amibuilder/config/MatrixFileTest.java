package dev.eksnode.amibuilder.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Matrix files: JSON and YAML read the same way, values follow the variable-file rules, names are
 * given or derived and unique, and every problem is one line naming the file, the entry and the
 * field.
 */
class MatrixFileTest {
  @TempDir Path dir;

  private Path file(String name, String text) throws IOException {
    return Files.writeString(dir.resolve(name), text);
  }

  private String error(String name, String text) throws IOException {
    Path f = file(name, text);
    String message = assertThrows(ConfigException.class, () -> MatrixFile.read(f)).getMessage();
    assertFalse(message.contains("\n"), message);
    return message;
  }

  @Test
  void yamlList_andJsonObject_giveTheSameEntries_withDerivedNamesInFileOrder() throws IOException {
    MatrixFile yaml =
        MatrixFile.read(
            file(
                "m.yaml",
                """
                - kubernetes_version: "1.29.0"
                  arch: x86_64
                  aws_region: us-west-2
                - kubernetes_version: "1.29.0"
                  arch: arm64
                  aws_region: us-west-2
                  launch_block_device_mappings_volume_size: 8
                """));
    MatrixFile json =
        MatrixFile.read(
            file(
                "m.json",
                """
                {"entries": [
                  {"kubernetes_version": "1.29.0", "arch": "x86_64", "aws_region": "us-west-2"},
                  {"kubernetes_version": "1.29.0", "arch": "arm64", "aws_region": "us-west-2",
                   "launch_block_device_mappings_volume_size": 8}]}
                """));
    for (MatrixFile m : List.of(yaml, json)) {
      assertEquals(List.of("1.29.0-x86_64-us-west-2", "1.29.0-arm64-us-west-2-8"), m.names());
      assertEquals(
          List.of(
              "kubernetes_version",
              "arch",
              "aws_region",
              "launch_block_device_mappings_volume_size"),
          List.copyOf(m.entries().get(1).variables().keySet()));
      assertEquals(
          "8", m.entries().get(1).variables().get("launch_block_device_mappings_volume_size"));
      assertNull(m.reuse());
      assertEquals(1, m.entries().get(1).index());
    }
  }

  @Test
  void namesAndReuse_comeFromTheFile_anEntrysReuseWinsOverTheFilesWhichWinsOverTheCommandLine()
      throws IOException {
    MatrixFile m =
        MatrixFile.read(
            file(
                "m.yml",
                """
                reuse: true
                entries:
                  - name: west
                    aws_region: us-west-2
                  - name: east
                    aws_region: us-east-1
                    reuse: false
                """));
    assertEquals(List.of("west", "east"), m.names());
    assertEquals(Map.of("aws_region", "us-west-2"), m.entries().get(0).variables());
    assertTrue(m.entries().get(0).reuse(m, false));
    assertFalse(m.entries().get(1).reuse(m, true));
    MatrixFile plain = MatrixFile.read(file("p.json", "[{\"aws_region\": \"us-west-2\"}]"));
    assertTrue(plain.entries().get(0).reuse(plain, true));
    assertFalse(plain.entries().get(0).reuse(plain, false));
  }

  @Test
  void assignments_nameTheFileAndTheEntry_aNullValueIsNotSet() throws IOException {
    MatrixFile m =
        MatrixFile.read(
            file("m.json", "[{\"name\": \"a\", \"aws_region\": \"eu-west-1\", \"arch\": null}]"));
    assertEquals(
        List.of(new Assignment("aws_region", "eu-west-1", "m.json entry 'a'")),
        m.entries().get(0).assignments(m.file()));
  }

  @Test
  void withoutExtension_jsonIsRecognisedByItsFirstCharacter_elseYaml() throws IOException {
    assertEquals(
        List.of("us-west-2"),
        MatrixFile.read(file("m1", "[{\"aws_region\": \"us-west-2\"}]")).names());
    assertEquals(
        List.of("us-east-1"), MatrixFile.read(file("m2", "- aws_region: us-east-1\n")).names());
  }

  @Test
  void kubernetesVersionAsANumber_isAnErrorAskingForAString_inYamlAndJson() throws IOException {
    String yaml = error("m.yaml", "- name: a\n  kubernetes_version: 1.20\n");
    assertTrue(yaml.contains("entry 1 (a)"), yaml);
    assertTrue(
        yaml.endsWith(
            "kubernetes_version in matrix file "
                + dir.resolve("m.yaml")
                + ", entry 1 (a) is the number 1.2; write it as a string, \"1.20\""),
        yaml);
    String json = error("m.json", "[{}, {\"kubernetes_build_date\": 20230130}]");
    assertTrue(json.contains(", entry 2 is the number 20230130; write it as a string"), json);
  }

  @Test
  void badShapes_areOneLineErrorsNamingFileEntryAndField() throws IOException {
    assertTrue(
        error("a.json", "{\"aws_region\": \"x\"}").contains("unknown key 'aws_region' at the top"));
    assertTrue(error("b.json", "[]").contains("has no entries"));
    assertTrue(error("c.json", "{\"entries\": {}}").contains("\"entries\" must be a list"));
    assertTrue(error("d.json", "[\"us-west-2\"]").contains("entry 1: must be an object"));
    String list = error("e.yaml", "- name: x\n  ami_regions: [us-east-1, eu-west-1]\n");
    assertTrue(
        list.contains("entry 1 (x): ami_regions must be a string, number or boolean, not a list"),
        list);
    assertTrue(
        error("f.json", "[{\"name\": \"a b\"}]").contains("name 'a b' is not a usable entry name"));
    assertTrue(
        error("g.json", "[{\"bad-name\": \"1\"}]")
            .contains("'bad-name' is not a valid variable name"));
    assertTrue(
        error("h.json", "[{\"reuse\": \"maybe\"}]")
            .contains("entry 1: reuse is 'maybe'; write true or false"));
    String syntax = error("i.json", "[{\"aws_region\": }]");
    assertTrue(syntax.contains("malformed JSON at line 1"), syntax);
    assertTrue(error("j.yaml", "- a: [\n").contains("malformed YAML"));
    String dup = error("k.json", "[{\"aws_region\": \"a\", \"aws_region\": \"b\"}]");
    assertTrue(dup.contains("Duplicate field 'aws_region'"), dup);
    assertTrue(
        assertThrows(ConfigException.class, () -> MatrixFile.read(dir.resolve("none.yaml")))
            .getMessage()
            .endsWith("none.yaml does not exist; check the path"));
  }

  @Test
  void duplicateNames_nameBothEntries() throws IOException {
    String given =
        error("m.json", "[{\"name\": \"w\"}, {}, {\"name\": \"w\", \"arch\": \"arm64\"}]");
    assertTrue(
        given.endsWith("entries 1 and 3 are both named 'w'; give one of them its own \"name\""),
        given);
    String derived = error("n.yaml", "- aws_region: us-west-2\n- aws_region: us-west-2\n");
    assertTrue(derived.contains("entries 1 and 2 are both named 'us-west-2'"), derived);
  }

  @Test
  void derivedNames_areSafe_boundedAndFallBackToThePosition() {
    Map<String, String> v = new LinkedHashMap<>();
    assertEquals("entry-3", MatrixFile.derivedName(2, v));
    v.put("ami_regions", "us-east-1, eu-west-1");
    v.put("ami_description", "team/eks {{x}}");
    assertEquals("us-east-1_eu-west-1-team_eks_x_", MatrixFile.derivedName(0, v));
    v.clear();
    v.put("note", "/" + "x".repeat(200));
    String longName = MatrixFile.derivedName(4, v);
    assertEquals(100, longName.length());
    assertTrue(longName.startsWith("x") && longName.endsWith("-entry-5"), longName);
    assertTrue(MatrixFile.NAME.matcher(longName).matches(), longName);
  }
}
