package dev.eksnode.amibuilder.eks;

import dev.eksnode.amibuilder.config.KubernetesVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The objects {@code scripts/install-worker.sh} downloads from the binary bucket, in the order it
 * downloads them. The one place that knows the list: keep it in step with the script's {@code
 * install_binaries}, {@code install_cni_plugins} and {@code install_credential_provider}.
 *
 * <ul>
 *   <li>{@code kubelet} and {@code aws-iam-authenticator}, each with its {@code .sha256};
 *   <li>{@code cni-plugins-linux-<arch>-<cni version>.tgz} and its {@code .sha256} unless the CNI
 *       plugins come from GitHub ({@code PULL_CNI_FROM_GITHUB=true});
 *   <li>{@code ecr-credential-provider} from Kubernetes 1.22 on. The script fetches no checksum for
 *       it, so none is required here either.
 * </ul>
 */
public final class BinaryKeys {
  private BinaryKeys() {}

  /** What install-worker.sh is given: the values of its environment. */
  public record Inputs(
      String kubernetesVersion,
      String buildDate,
      String arch,
      String cniPluginVersion,
      boolean cniFromGithub) {}

  /**
   * The bucket's name for an architecture: {@code amd64} for {@code x86_64}, {@code arm64} for
   * {@code arm64} or {@code aarch64}, as the script maps {@code uname -m}.
   */
  public static String bucketArch(String arch) {
    String a = arch == null ? "" : arch.trim().toLowerCase(Locale.ROOT);
    return switch (a) {
      case "x86_64", "amd64" -> "amd64";
      case "arm64", "aarch64" -> "arm64";
      default -> a;
    };
  }

  /** The folder of one build, e.g. {@code 1.23.9/2022-07-27/bin/linux/amd64/}. */
  public static String prefix(Inputs in) {
    return in.kubernetesVersion()
        + "/"
        + in.buildDate()
        + "/bin/linux/"
        + bucketArch(in.arch())
        + "/";
  }

  /** The object names below {@link #prefix} that the script downloads, in its order. */
  public static List<String> names(Inputs in) {
    List<String> names = new ArrayList<>();
    for (String binary : List.of("kubelet", "aws-iam-authenticator")) {
      names.add(binary);
      names.add(binary + ".sha256");
    }
    if (!in.cniFromGithub()) {
      String archive =
          "cni-plugins-linux-" + bucketArch(in.arch()) + "-" + in.cniPluginVersion() + ".tgz";
      names.add(archive);
      names.add(archive + ".sha256");
    }
    if (KubernetesVersion.parse(in.kubernetesVersion())
        .map(v -> v.compareTo(new KubernetesVersion(1, 22, 0)) >= 0)
        .orElse(false)) {
      names.add("ecr-credential-provider");
    }
    return List.copyOf(names);
  }

  /** The full keys: {@link #prefix} followed by each of {@link #names}. */
  public static List<String> keys(Inputs in) {
    String prefix = prefix(in);
    return names(in).stream().map(n -> prefix + n).toList();
  }
}
