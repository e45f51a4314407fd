package dev.eksnode.amibuilder.eks;

import dev.eksnode.amibuilder.config.KubernetesVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The objects of the binary bucket that {@code scripts/install-worker.sh} downloads, named exactly
 * as the script names them: {@code <version>/<build date>/bin/linux/<amd64|arm64>/<file>}. The
 * inputs are the ones the script reads from its environment, so the list follows the same rules:
 * kubelet and aws-iam-authenticator with their {@code .sha256} always, the CNI plugins archive and
 * its {@code .sha256} only when {@code PULL_CNI_FROM_GITHUB} is not {@code true}, and
 * ecr-credential-provider from Kubernetes 1.22 on.
 *
 * @param bucket {@code BINARY_BUCKET_NAME}
 * @param region {@code BINARY_BUCKET_REGION}
 * @param kubernetesVersion {@code KUBERNETES_VERSION}, with its patch number
 * @param buildDate {@code KUBERNETES_BUILD_DATE}
 * @param arch the bucket's folder for the instance's machine: {@code amd64} or {@code arm64}
 * @param cniPluginVersion {@code CNI_PLUGIN_VERSION}
 * @param pullCniFromGithub whether {@code PULL_CNI_FROM_GITHUB} is {@code true}
 */
public record WorkerBinaries(
    String bucket,
    String region,
    String kubernetesVersion,
    String buildDate,
    String arch,
    String cniPluginVersion,
    boolean pullCniFromGithub) {

  /** The environment variable naming the bucket; a shell provisioner that sets it fetches. */
  public static final String BUCKET_VARIABLE = "BINARY_BUCKET_NAME";

  /**
   * The binaries a provisioner with this environment fetches on a machine of {@code
   * ec2Architecture} (EC2's name: {@code x86_64} or {@code arm64}); empty when a value the object
   * names need is missing or the architecture has no folder in the bucket.
   */
  public static Optional<WorkerBinaries> fromEnvironment(
      Map<String, String> env, String ec2Architecture) {
    String bucket = env.getOrDefault(BUCKET_VARIABLE, "");
    String region = env.getOrDefault("BINARY_BUCKET_REGION", "");
    String version = env.getOrDefault("KUBERNETES_VERSION", "");
    String date = env.getOrDefault("KUBERNETES_BUILD_DATE", "");
    Optional<String> arch = bucketArch(ec2Architecture);
    if (bucket.isEmpty()
        || region.isEmpty()
        || version.isEmpty()
        || date.isEmpty()
        || arch.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new WorkerBinaries(
            bucket,
            region,
            version,
            date,
            arch.get(),
            env.getOrDefault("CNI_PLUGIN_VERSION", ""),
            // The script's is_true: exactly "true".
            "true".equals(env.get("PULL_CNI_FROM_GITHUB"))));
  }

  /** The bucket's folder name for an EC2 architecture (install-worker.sh maps uname -m alike). */
  static Optional<String> bucketArch(String ec2Architecture) {
    if (ec2Architecture == null) {
      return Optional.empty();
    }
    return switch (ec2Architecture) {
      case "x86_64", "amd64" -> Optional.of("amd64");
      case "arm64", "aarch64" -> Optional.of("arm64");
      default -> Optional.empty();
    };
  }

  /** The folder of the binaries, without a trailing slash. */
  public String prefix() {
    return kubernetesVersion + "/" + buildDate + "/bin/linux/" + arch;
  }

  /** The object keys, in the order the script downloads them. */
  public List<String> keys() {
    List<String> names = new ArrayList<>();
    for (String binary : List.of("kubelet", "aws-iam-authenticator")) {
      names.add(binary);
      names.add(binary + ".sha256");
    }
    if (!pullCniFromGithub && !cniPluginVersion.isEmpty()) {
      String archive = "cni-plugins-linux-" + arch + "-" + cniPluginVersion + ".tgz";
      names.add(archive);
      names.add(archive + ".sha256");
    }
    // vercmp "$KUBERNETES_VERSION" gteq 1.22.0
    if (KubernetesVersion.parse(kubernetesVersion).map(v -> v.atLeast(1, 22)).orElse(false)) {
      names.add("ecr-credential-provider");
    }
    return names.stream().map(name -> prefix() + "/" + name).toList();
  }
}
