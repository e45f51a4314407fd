package dev.eksnode.amibuilder.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ShellProvisionerConfigTest {
  @Test
  void defaults_matchPackersShellProvisioner() {
    ShellProvisionerConfig config = ShellProvisionerConfig.inline("true").build();

    assertEquals("chmod +x {{.Path}}; {{.Vars}} {{.Path}}", config.executeCommand());
    assertEquals("/tmp", config.remoteFolder());
    assertEquals("/bin/sh -e", config.inlineShebang());
    assertEquals(Set.of(0), config.validExitCodes());
    assertEquals("amazon-ebs", config.buildName());
  }

  @Test
  void constructor_requiresExactlyOneScriptSource() {
    assertThrows(IllegalArgumentException.class, () -> new ShellProvisionerConfig.Builder().build());
    assertThrows(IllegalArgumentException.class,
        () -> ShellProvisionerConfig.inline("true").script(Path.of("a.sh")).build());
  }

  @Test
  void constructor_rejectsUnknownTemplateFieldsAndBadNames() {
    assertThrows(IllegalArgumentException.class,
        () -> ShellProvisionerConfig.inline("true").executeCommand("{{.Nope}}").build());
    assertThrows(IllegalArgumentException.class, () -> ShellProvisionerConfig.inline("true").env("1X", "v").build());
    assertThrows(IllegalArgumentException.class,
        () -> ShellProvisionerConfig.inline("true").remoteFile("a/b.sh").build());
  }

  @Test
  void runCommand_rendersVarsSortedWithPackerVariablesAndRemovesTheScript() {
    ShellProvisioner provisioner = new ShellProvisioner(ShellProvisionerConfig.inline("true")
        .env("KUBERNETES_VERSION", "1.23.9").env("A", "x y").remoteFolder("/var/tmp/").remoteFile("s.sh").build());

    assertEquals("/var/tmp/s.sh", provisioner.remotePath());
    assertEquals("A='x y' KUBERNETES_VERSION='1.23.9' PACKER_BUILDER_TYPE='amazon-ebs' PACKER_BUILD_NAME='amazon-ebs' ",
        provisioner.renderedVars());
    assertEquals("{ chmod +x /var/tmp/s.sh; " + provisioner.renderedVars() + " /var/tmp/s.sh\n}; "
        + "__ab_status=$?; rm -f '/var/tmp/s.sh'; exit $__ab_status", provisioner.runCommand());
  }

  @Test
  void description_namesTheScripts() {
    ShellProvisioner provisioner = new ShellProvisioner(
        ShellProvisionerConfig.scripts(List.of(Path.of("scripts/a.sh"), Path.of("scripts/b.sh"))).build());
    assertTrue(provisioner.description().contains("scripts/a.sh"));
    assertTrue(provisioner.description().contains("scripts/b.sh"));
  }
}
