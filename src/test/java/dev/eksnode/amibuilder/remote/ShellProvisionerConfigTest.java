package dev.eksnode.amibuilder.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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
    assertThrows(
        IllegalArgumentException.class, () -> new ShellProvisionerConfig.Builder().build());
    assertThrows(
        IllegalArgumentException.class,
        () -> ShellProvisionerConfig.inline("true").script(Path.of("a.sh")).build());
  }

  @Test
  void constructor_rejectsUnknownTemplateFieldsAndBadNames() {
    assertThrows(
        IllegalArgumentException.class,
        () -> ShellProvisionerConfig.inline("true").executeCommand("{{.Nope}}").build());
    assertThrows(
        IllegalArgumentException.class,
        () -> ShellProvisionerConfig.inline("true").env("1X", "v").build());
    assertThrows(
        IllegalArgumentException.class,
        () -> ShellProvisionerConfig.inline("true").remoteFile("a/b.sh").build());
  }

  @Test
  void runCommand_rendersVarsSortedWithPackerVariablesAndRemovesTheScript() {
    ShellProvisioner provisioner =
        new ShellProvisioner(
            ShellProvisionerConfig.inline("true")
                .env("KUBERNETES_VERSION", "1.23.9")
                .env("A", "x y")
                .remoteFolder("/var/tmp/")
                .remoteFile("s.sh")
                .build());

    assertEquals("/var/tmp/s.sh", provisioner.remotePath());
    assertEquals(
        "A='x y' KUBERNETES_VERSION='1.23.9' PACKER_BUILDER_TYPE='amazon-ebs' PACKER_BUILD_NAME='amazon-ebs' ",
        provisioner.renderedVars());
    assertEquals(
        "{ chmod +x /var/tmp/s.sh; "
            + provisioner.renderedVars()
            + " /var/tmp/s.sh\n}; "
            + "__ab_status=$?; rm -f '/var/tmp/s.sh'; exit $__ab_status",
        provisioner.runCommand());
  }

  @Test
  void description_namesTheScripts() {
    ShellProvisioner provisioner =
        new ShellProvisioner(
            ShellProvisionerConfig.scripts(
                    List.of(Path.of("scripts/a.sh"), Path.of("scripts/b.sh")))
                .build());
    assertTrue(provisioner.description().contains("scripts/a.sh"));
    assertTrue(provisioner.description().contains("scripts/b.sh"));
  }

  @Test
  void execRequests_neverCarryTheEnvironmentValues() {
    String secret = "s3cr3t-value-in-env";
    ShellProvisioner provisioner =
        new ShellProvisioner(
            ShellProvisionerConfig.inline("true").env("AWS_SECRET_ACCESS_KEY", secret).build());

    assertTrue(provisioner.runCommand().contains(secret), "the rendered command does carry it");
    for (String request :
        List.of(
            provisioner.uploadAndRunCommand(),
            provisioner.uploadForPtyCommand(),
            provisioner.runFromFileCommand())) {
      assertFalse(request.contains(secret), request);
      assertFalse(request.contains("AWS_SECRET_ACCESS_KEY"), request);
    }
  }

  /**
   * The encoded line, read by a real shell as the remote one reads it, gives back the exact command
   * text.
   */
  @ParameterizedTest
  @ValueSource(strings = {"/bin/sh", "/bin/bash"})
  void encodeLine_readAndDecodedByTheShell_roundTrips(String shell) throws Exception {
    String command =
        "{ chmod +x /tmp/s.sh; A='back\\slash \\n \\c \\0101 %s %b' B='two\nlines\n' C='it'\"'\"'s'"
            + " D='tab\there $HOME `x`' /tmp/s.sh\n}; __ab_status=$?; exit $__ab_status";
    Process p =
        new ProcessBuilder(
                shell, "-c", "IFS= read -r __ab_run && printf '%b' \"$__ab_run\"; echo END; cat")
            .redirectErrorStream(true)
            .start();
    try (var stdin = p.getOutputStream()) {
      stdin.write(
          (ShellProvisioner.encodeLine(command) + "\nscript bytes after the line\n")
              .getBytes(StandardCharsets.UTF_8));
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
    // read took the line and nothing more: the script bytes are left for cat.
    assertEquals(command + "END\nscript bytes after the line\n", out);
    assertFalse(ShellProvisioner.encodeLine(command).contains("\n"));
  }
}
