package dev.eksnode.amibuilder.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eksnode.amibuilder.cli.TestHome;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Our own template and default file: the reference's 35 defaults, and the provisioner chain adapted
 * to the spec.
 */
class ProjectTemplateTest {
  @Test
  void defaultFile_hasTheReferenceThirtyFiveDefaults() throws Exception {
    Path project = TestHome.projectDir();
    @SuppressWarnings("unchecked")
    Map<String, String> ours =
        new ObjectMapper()
            .readValue(
                project.resolve("templates/eks-worker-al2-variables.json").toFile(), Map.class);
    @SuppressWarnings("unchecked")
    Map<String, String> reference =
        new ObjectMapper()
            .readValue(
                getClass().getResourceAsStream("/reference/eks-worker-al2-variables.json"),
                Map.class);
    assertEquals(35, ours.size());
    assertEquals(reference, ours);
    assertEquals("4", ours.get("launch_block_device_mappings_volume_size"));
    assertEquals("137112412989", ours.get("source_ami_owners"));
  }

  @Test
  void template_declaresTheReferenceVariablesPlusToolOnes_andHasNoFixedReboootPause() {
    Template t =
        new TemplateLoader().load(TestHome.projectDir().resolve("templates/eks-worker-al2.json"));
    assertTrue(
        t.variables()
            .keySet()
            .containsAll(
                java.util.List.of(
                    "kubernetes_version",
                    "kubernetes_build_date",
                    "ami_name",
                    "arch",
                    "instance_type",
                    "forward_aws_credentials",
                    "ssh_host",
                    "ssh_port")));
    assertEquals(48, t.variables().size());
    boolean kernelStep = false;
    for (var p : t.provisioners()) {
      if (p.path("script").asText().endsWith("upgrade_kernel.sh")) {
        kernelStep = true;
        assertTrue(p.path("expect_disconnect").asBoolean());
        assertNull(p.get("pause_after"), "reboots are detected by boot id, not a fixed pause");
      }
    }
    assertTrue(kernelStep);
  }
}
