package dev.eksnode.amibuilder.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DerivedDefaultsTest {
  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-25T10:15:30Z"), ZoneOffset.UTC);
  static final VariableSource DEFAULT =
      new VariableSource(VariableSource.Kind.DEFAULT_FILE, "d.json");
  static final VariableSource USER = new VariableSource(VariableSource.Kind.VAR_FILE, "mine.json");

  private static Variables vars(Map<String, String> defaults, Map<String, String> user) {
    List<Variable> list = new ArrayList<>();
    defaults.forEach((k, v) -> list.add(new Variable(k, v, DEFAULT)));
    user.forEach((k, v) -> list.add(new Variable(k, v, USER)));
    return Variables.of(list, List.of());
  }

  @Test
  void archInstanceTypeAndAmiName_forX86() {
    Variables v =
        DerivedDefaults.apply(vars(Map.of(), Map.of("kubernetes_version", "1.23.16")), CLOCK);
    assertEquals("x86_64", v.value("arch"));
    assertEquals("m5.large", v.value("instance_type"));
    assertEquals("amazon-eks-node-1.23-v20261125101530", v.value("ami_name"));
    assertEquals(VariableSource.Kind.DERIVED, v.get("ami_name").source().kind());
  }

  @Test
  void instanceTypeAndAmiName_forArm64() {
    Variables v =
        DerivedDefaults.apply(
            vars(Map.of(), Map.of("kubernetes_version", "1.22.17", "arch", "arm64")), CLOCK);
    assertEquals("m6g.large", v.value("instance_type"));
    assertEquals("amazon-eks-arm64-node-1.22-v20261125101530", v.value("ami_name"));
  }

  /** The Makefile's AMI variant: distribution, architecture, FIPS, and AL2023's accelerator. */
  @ParameterizedTest(name = "{0} {1} fips={2} accelerator={3} -> {4}")
  @CsvSource({
    "al2, x86_64, '', '', amazon-eks-node-1.29-v20261125101530",
    "al2, arm64, false, '', amazon-eks-arm64-node-1.29-v20261125101530",
    "al2, x86_64, true, '', amazon-eks-fips-node-1.29-v20261125101530",
    "al2, x86_64, '', nvidia, amazon-eks-node-1.29-v20261125101530",
    "al2023, x86_64, '', '', amazon-eks-al2023-node-1.29-v20261125101530",
    "al2023, arm64, '', '', amazon-eks-al2023-arm64-node-1.29-v20261125101530",
    "al2023, x86_64, '', nvidia, amazon-eks-al2023-nvidia-node-1.29-v20261125101530",
    "al2023, arm64, true, neuron, amazon-eks-al2023-arm64-fips-neuron-node-1.29-v20261125101530",
  })
  void amiName_followsTheMakefilesVariant(
      String distro, String arch, String fips, String accelerator, String expected) {
    Variables v =
        DerivedDefaults.apply(
            vars(
                Map.of("enable_fips", fips, "enable_accelerator", accelerator),
                Map.of("kubernetes_version", "1.29.3", "arch", arch)),
            CLOCK,
            distro);
    assertEquals(expected, v.value("ami_name"));
  }

  @ParameterizedTest
  @CsvSource({
    "cn-northwest-1,141808717104",
    "us-gov-west-1,045324592363",
    "us-gov-east-1,045324592363",
    "us-west-2,137112412989",
    "cn-north-1,137112412989"
  })
  void sourceAmiOwners_perRegion(String region, String owner) {
    Variables v =
        DerivedDefaults.apply(
            vars(
                Map.of("source_ami_owners", "137112412989", "aws_region", region),
                Map.of("kubernetes_version", "1.23.1")),
            CLOCK);
    assertEquals(owner, v.value("source_ami_owners"));
  }

  @ParameterizedTest
  @CsvSource({
    "1.21.14,5.4,20.10.17-1.amzn2.0.1",
    "1.23.16,5.4,20.10.17-1.amzn2.0.1",
    "1.24.10,5.10,20.10.17-1.amzn2.0.1",
    "1.25.6,5.10,none",
    "1.26,5.10,none"
  })
  void kernelAndDocker_perKubernetesVersion(String version, String kernel, String docker) {
    Variables v =
        DerivedDefaults.apply(
            vars(
                Map.of(
                    "docker_version",
                    "20.10.17-1.amzn2.0.1",
                    "ami_component_description",
                    "(k8s: x, docker: y, containerd: z)"),
                Map.of("kubernetes_version", version)),
            CLOCK);
    assertEquals(kernel, v.value("kernel_version"));
    assertEquals(docker, v.value("docker_version"));
    assertEquals(
        docker.equals("none"),
        !v.value("ami_component_description").contains("docker"),
        v.value("ami_component_description"));
  }

  @Test
  void userValues_winOverEveryDerivedDefault() {
    Map<String, String> user =
        Map.of(
            "kubernetes_version",
            "1.25.6",
            "arch",
            "arm64",
            "instance_type",
            "c6g.xlarge",
            "ami_name",
            "my-ami",
            "docker_version",
            "20.10.23-1",
            "ami_component_description",
            "custom",
            "kernel_version",
            "5.4",
            "aws_region",
            "cn-northwest-1",
            "source_ami_owners",
            "123456789012");
    Variables v = DerivedDefaults.apply(vars(Map.of(), user), CLOCK);
    user.forEach((k, val) -> assertEquals(val, v.value(k), k));
  }

  @Test
  void credentials_notForwardedUnlessAsked() {
    Variables guarded =
        DerivedDefaults.apply(
            vars(
                Map.of("aws_access_key_id", "AKIAEXAMPLE"),
                Map.of("kubernetes_version", "1.23.1", "aws_secret_access_key", "s3cr3t")),
            CLOCK);
    assertEquals("", guarded.value("aws_access_key_id"));
    assertEquals("", guarded.value("aws_secret_access_key"));
    assertTrue(
        guarded.warnings().stream().anyMatch(w -> w.contains("forward_aws_credentials=true")));
    Variables forwarded =
        DerivedDefaults.apply(
            vars(
                Map.of("aws_access_key_id", "AKIAEXAMPLE"),
                Map.of("kubernetes_version", "1.23.1", "forward_aws_credentials", "true")),
            CLOCK);
    assertEquals("AKIAEXAMPLE", forwarded.value("aws_access_key_id"));
  }
}
