package dev.eksnode.amibuilder.config;

import java.time.Clock;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/**
 * Values the reference Makefile derives. Unlike the Makefile they fill only what no user layer set:
 * a user's variable file may override them. They do replace values from the template's own defaults
 * (for example the Docker version for Kubernetes 1.25, which has no Docker).
 */
public final class DerivedDefaults {
  /**
   * Source AMI owner accounts for the partitions whose Amazon Linux images live under another
   * account. GovCloud publishes them under one account in both its regions; the Makefile of
   * February 2023 knew only us-gov-west-1, later ones add us-gov-east-1.
   */
  public static final Map<String, String> SOURCE_AMI_OWNERS_BY_REGION =
      Map.of(
          "cn-northwest-1", "141808717104",
          "us-gov-west-1", "045324592363",
          "us-gov-east-1", "045324592363");

  /**
   * The x86_64 build instance. The Makefile used m4.large until 2023, then m5.large: the m4 family
   * is previous-generation and missing from newer regions.
   */
  static final String X86_INSTANCE_TYPE = "m5.large";

  static final String ARM_INSTANCE_TYPE = "m6g.large";

  public static final String CREDENTIAL_GUARD = "forward_aws_credentials";

  static final String DOCKER_FREE_DESCRIPTION =
      "(k8s: {{user `kubernetes_version`}}, containerd: {{user `containerd_version`}})";

  private static final DateTimeFormatter NAME_SUFFIX =
      DateTimeFormatter.ofPattern("yyyyMMddHHmmss");

  private DerivedDefaults() {}

  /** As {@link #apply(Variables, Clock, String)} for an AL2 template. */
  public static Variables apply(Variables vars, Clock clock) {
    return apply(vars, clock, "al2");
  }

  /**
   * @param osDistro the distribution the template builds ({@code al2} or {@code al2023}), which the
   *     default AMI name carries as the Makefile's AMI variant does
   */
  public static Variables apply(Variables vars, Clock clock, String osDistro) {
    Variables out = vars;
    String arch = out.value("arch");
    if (arch.isEmpty()) {
      arch = "x86_64";
      out = fill(out, "arch", arch, "default architecture");
    }
    out =
        fill(
            out,
            "instance_type",
            "arm64".equals(arch) ? ARM_INSTANCE_TYPE : X86_INSTANCE_TYPE,
            "instance type for " + arch);

    var version = KubernetesVersion.parse(out.value("kubernetes_version"));
    String minor =
        version.map(KubernetesVersion::minorString).orElse(out.value("kubernetes_version"));
    String stamp = ZonedDateTime.now(clock).format(NAME_SUFFIX);
    String name = variant(out, arch, osDistro) + "-node-" + minor + "-v" + stamp;
    if (!minor.isEmpty()) {
      out = fill(out, "ami_name", name, "AMI name with a time suffix");
    }

    String owner = SOURCE_AMI_OWNERS_BY_REGION.get(out.value("aws_region"));
    if (owner != null) {
      out =
          fill(out, "source_ami_owners", owner, "Amazon Linux owner in " + out.value("aws_region"));
    }

    if (version.isPresent()) {
      KubernetesVersion v = version.get();
      if (v.atLeast(1, 25)) {
        out = fill(out, "docker_version", "none", "no Docker from Kubernetes 1.25");
        out =
            fill(
                out,
                "ami_component_description",
                DOCKER_FREE_DESCRIPTION,
                "no Docker from Kubernetes 1.25");
      }
      out =
          fill(
              out,
              "kernel_version",
              v.atLeast(1, 24) ? "5.10" : "5.4",
              "kernel for Kubernetes " + v.minorString());
    }
    return guardCredentials(out);
  }

  /**
   * The reference forwards the caller's AWS keys to the build instance. We only do so when asked:
   * an instance profile is the safe path, and keys on the instance end up in process listings and
   * shell history.
   */
  private static Variables guardCredentials(Variables vars) {
    if (Booleans.isTrue(vars.value(CREDENTIAL_GUARD))) {
      return vars;
    }
    Variables out = vars;
    for (String name :
        new String[] {"aws_access_key_id", "aws_secret_access_key", "aws_session_token"}) {
      Variable v = out.get(name);
      if (v == null || v.value().isEmpty()) {
        continue;
      }
      if (v.source().isUserLayer()) {
        out =
            out.withWarning(
                name
                    + " (from "
                    + v.source().describe()
                    + ") is not forwarded to the build instance; set forward_aws_credentials=true to forward it");
      }
      out =
          out.with(
              new Variable(
                  name,
                  "",
                  VariableSource.derived("not forwarded; set forward_aws_credentials=true")));
    }
    return out;
  }

  /**
   * The Makefile's AMI variant: {@code amazon-eks}, then {@code -al2023} for that distribution,
   * {@code -arm64}, {@code -fips} when {@code enable_fips} is true, and on AL2023 the {@code
   * enable_accelerator} value ({@code amazon-eks-al2023-arm64-nvidia}).
   */
  static String variant(Variables vars, String arch, String osDistro) {
    StringBuilder variant = new StringBuilder("amazon-eks");
    boolean al2023 = "al2023".equals(osDistro);
    if (al2023) {
      variant.append("-al2023");
    }
    if ("arm64".equals(arch)) {
      variant.append("-arm64");
    }
    if (Booleans.isTrue(vars.value("enable_fips"))) {
      variant.append("-fips");
    }
    String accelerator = vars.value("enable_accelerator");
    if (al2023 && !accelerator.isEmpty()) {
      variant.append('-').append(accelerator);
    }
    return variant.toString();
  }

  private static Variables fill(Variables vars, String name, String value, String rule) {
    if (vars.isSetByUser(name)) {
      return vars;
    }
    Variable current = vars.get(name);
    if (current != null && !current.value().isEmpty() && !overridable(name)) {
      return vars;
    }
    return vars.with(new Variable(name, value, VariableSource.derived(rule)));
  }

  /**
   * Names whose template-default value a derived value replaces (the Makefile passes these with
   * -var).
   */
  private static boolean overridable(String name) {
    return switch (name) {
      case "arch",
          "instance_type",
          "ami_name",
          "source_ami_owners",
          "docker_version",
          "ami_component_description" ->
          true;
      default -> false;
    };
  }
}
