package dev.eksnode.amibuilder.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Variable files: a Kubernetes version or build date written as a JSON number is an error that asks
 * for a string (JSON reads 1.20 as 1.2); other numbers keep being read as text.
 */
class VariableFileTest {
  @TempDir Path dir;

  private Path file(String json) throws IOException {
    return Files.writeString(dir.resolve("vars.json"), json);
  }

  @Test
  void kubernetesVersionAsNumber_isAnErrorQuotingWhatWasMeant() throws IOException {
    Path f = file("{\"kubernetes_version\": 1.20}");
    ConfigException e =
        assertThrows(ConfigException.class, () -> VariableFile.read(f, "--var-file"));
    assertEquals(
        "kubernetes_version in " + f + " is the number 1.2; write it as a string, \"1.20\"",
        e.getMessage());
  }

  @Test
  void wholeNumberVersion_andBuildDateNumber_areErrorsToo() throws IOException {
    Path whole = file("{\"kubernetes_version\": 1}");
    assertEquals(
        "kubernetes_version in " + whole + " is the number 1; write it as a string, \"1\"",
        assertThrows(ConfigException.class, () -> VariableFile.read(whole, "--var-file"))
            .getMessage());
    Path date = file("{\"kubernetes_build_date\": 20230130}");
    assertEquals(
        "kubernetes_build_date in "
            + date
            + " is the number 20230130; write it as a string, \"20230130\"",
        assertThrows(ConfigException.class, () -> VariableFile.read(date, "--var-file"))
            .getMessage());
  }

  @Test
  void otherNumbers_andStringVersions_areReadAsBefore() throws IOException {
    Path f =
        file(
            "{\"kubernetes_version\": \"1.20\", \"launch_block_device_mappings_volume_size\": 4,"
                + " \"ratio\": 1.50, \"big\": 1e3, \"flag\": true, \"gone\": null}");
    Map<String, String> values = VariableFile.read(f, "--var-file");
    assertEquals("1.20", values.get("kubernetes_version"));
    assertEquals("4", values.get("launch_block_device_mappings_volume_size"));
    assertEquals("1.5", values.get("ratio"));
    assertEquals("1000.0", values.get("big"));
    assertEquals("true", values.get("flag"));
    assertEquals(null, values.get("gone"));
    assertEquals(true, values.containsKey("gone"));
  }
}
