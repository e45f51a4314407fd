package dev.eksnode.amibuilder.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.config.DerivedDefaults;
import dev.eksnode.amibuilder.config.Shortcut;
import dev.eksnode.amibuilder.config.VariableLayers;
import dev.eksnode.amibuilder.config.VariableValidator;
import dev.eksnode.amibuilder.config.Variables;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reference project's own template and default variables (recreated in
 * src/test/resources/reference) must load and validate unchanged, laid out as in that repository:
 * template at the root, scripts/, files/ and log-collector-script/linux/ beside it.
 */
class ReferenceTemplateTest {
  static final Instant NOW = Instant.parse("2026-11-25T10:15:30Z");
  @TempDir Path repo;
  Template template;

  @BeforeEach
  void layOut() throws IOException {
    for (String f : List.of("eks-worker-al2.json", "eks-worker-al2-variables.json")) {
      try (var in = getClass().getResourceAsStream("/reference/" + f)) {
        Files.copy(in, repo.resolve(f));
      }
    }
    Files.createDirectories(repo.resolve("scripts"));
    for (String s :
        List.of(
            "install_additional_repos.sh",
            "upgrade_kernel.sh",
            "install-worker.sh",
            "cleanup.sh",
            "cleanup_additional_repos.sh",
            "validate.sh",
            "generate-version-info.sh")) {
      Files.writeString(repo.resolve("scripts").resolve(s), "#!/bin/sh\n");
    }
    Files.createDirectories(repo.resolve("files/bin"));
    Files.createDirectories(repo.resolve("log-collector-script/linux"));
    template = new TemplateLoader().load(repo.resolve("eks-worker-al2.json"));
  }

  private BuildSpec render(Shortcut shortcut, Map<String, String> env) {
    var inputs =
        new VariableLayers.Inputs(
            template.variables(),
            template.path(),
            template.defaultVariableFile(),
            List.of(),
            env,
            List.of(),
            shortcut,
            true);
    Variables merged =
        DerivedDefaults.apply(VariableLayers.merge(inputs), Clock.fixed(NOW, ZoneOffset.UTC));
    return new TemplateRenderer(env, NOW, "uuid-1", repo)
        .render(template, merged, VariableValidator.Purpose.BUILD);
  }

  @Test
  void load_declaresTheFortyVariables_andFindsItsDefaultFile() {
    assertEquals(40, template.variables().size());
    assertTrue(
        template.variables().values().stream().allMatch(v -> v == null),
        "all reference defaults are null");
    assertEquals(repo.resolve("eks-worker-al2-variables.json"), template.defaultVariableFile());
    assertEquals(12, template.provisioners().size());
    assertEquals(2, template.postProcessors().size());
  }

  @Test
  void render_withShortcut_matchesTheReferenceBuild() {
    BuildSpec spec = render(Shortcut.find("1.23").orElseThrow(), Map.of("USER", "alice"));
    AmazonEbsSettings s = spec.settings();
    assertEquals("us-west-2", s.region());
    assertEquals("m5.large", s.launch().instanceType());
    assertEquals("amazon-eks-node-1.23-v20261125101530", s.image().name());
    assertEquals(
        "EKS Kubernetes Worker AMI with AmazonLinux2 image, (k8s: 1.23.16, docker: 20.10.17-1.amzn2.0.1, "
            + "containerd: 1.6.6-1.amzn2.0.2)",
        s.image().description());
    assertEquals(
        Map.of(
            "name",
            "amzn2-ami-minimal-hvm-*",
            "architecture",
            "x86_64",
            "root-device-type",
            "ebs",
            "state",
            "available",
            "virtualization-type",
            "hvm"),
        s.source().filter().filters());
    assertEquals(List.of("137112412989"), s.source().filter().owners());
    assertTrue(s.source().filter().mostRecent());
    assertEquals(4, s.launch().blockDevices().get(0).volumeSize());
    assertEquals(20, s.image().blockDevices().get(0).volumeSize());
    assertEquals("gp2", s.image().blockDevices().get(0).volumeType());
    assertEquals(Duration.ofSeconds(30), s.polling().delay());
    assertEquals(90, s.polling().maxAttempts());
    assertTrue(s.ssh().pty());
    assertFalse(s.image().encryptBoot());
    assertEquals(Map.of("creator", "alice"), s.tags().run());
    assertEquals("1.23.16/2023-01-30/bin/linux/x86_64", s.tags().ami().get("kubernetes"));
    assertEquals(Long.toString(NOW.getEpochSecond()), s.tags().ami().get("created"));
    assertEquals(
        "{{ .SourceAMI }}",
        s.tags().ami().get("source_ami_id"),
        "build-time field left for the build");
    Map<String, String> late =
        spec.renderAtBuildTime(
            s.tags().ami(),
            Map.of(),
            Map.of(
                "SourceAMI", "ami-0123", "SourceAMIName", "amzn2-min", "BuildRegion", "us-west-2"),
            "tags");
    assertEquals("ami-0123", late.get("source_ami_id"));
    assertEquals("amzn2-min", late.get("source_ami_name"));
    assertEquals("us-west-2", late.get("build_region"));
  }

  @Test
  void render_provisionerChain_keepsTheReferenceContracts() {
    BuildSpec spec =
        render(
            Shortcut.find("1.25").orElseThrow(),
            Map.of("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEKEY", "USER", "bob"));
    List<ProvisionerSpec> p = spec.provisioners();
    ShellProvisionerSpec kernel = assertInstanceOf(ShellProvisionerSpec.class, p.get(5));
    assertTrue(kernel.expectDisconnect());
    assertEquals(
        Duration.ofSeconds(90),
        kernel.pauseAfter(),
        "the reference template asks for the pause explicitly");
    assertEquals(
        List.of("KUBERNETES_VERSION=1.25.6", "KERNEL_VERSION=5.10"), kernel.environmentVars());
    ShellProvisionerSpec worker = assertInstanceOf(ShellProvisionerSpec.class, p.get(6));
    assertEquals(15, worker.environmentVars().size());
    assertTrue(worker.environmentVars().contains("DOCKER_VERSION=none"));
    assertTrue(
        worker.environmentVars().contains("AWS_ACCESS_KEY_ID="),
        "credentials are not forwarded by default");
    FileProvisionerSpec files = assertInstanceOf(FileProvisionerSpec.class, p.get(2));
    assertEquals(List.of(repo + "/files/"), files.sources());
    ShellProvisionerSpec versionInfo = assertInstanceOf(ShellProvisionerSpec.class, p.get(10));
    assertEquals(
        "chmod +x {{ .Path }}; {{ .Path }} /tmp/version-info.json", versionInfo.executeCommand());
    FileProvisionerSpec download = assertInstanceOf(FileProvisionerSpec.class, p.get(11));
    assertEquals(FileProvisionerSpec.Direction.DOWNLOAD, download.direction());
    assertTrue(download.destination().endsWith("-version-info.json"));
    assertEquals("manifest.json", spec.manifests().get(0).output());
    assertTrue(spec.manifests().get(0).stripPath());
    assertEquals(
        spec.settings().image().name() + "-manifest.json", spec.manifests().get(1).output());
  }
}
