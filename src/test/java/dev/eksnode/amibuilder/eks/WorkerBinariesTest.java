package dev.eksnode.amibuilder.eks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The object keys install-worker.sh downloads, named as the script names them. */
class WorkerBinariesTest {
  private static final String PREFIX = "1.23.16/2023-01-30/bin/linux/amd64/";

  /** The environment the shipped template gives install-worker.sh, with the rig's values. */
  private static Map<String, String> env(String... overrides) {
    Map<String, String> env = new HashMap<>();
    env.put("BINARY_BUCKET_NAME", "amazon-eks");
    env.put("BINARY_BUCKET_REGION", "us-west-2");
    env.put("KUBERNETES_VERSION", "1.23.16");
    env.put("KUBERNETES_BUILD_DATE", "2023-01-30");
    env.put("CNI_PLUGIN_VERSION", "v0.8.6");
    env.put("PULL_CNI_FROM_GITHUB", "true");
    for (int i = 0; i < overrides.length; i += 2) {
      env.put(overrides[i], overrides[i + 1]);
    }
    return env;
  }

  @Test
  void cniFromGithub_kubeletAuthenticatorAndCredentialProvider() {
    WorkerBinaries b = WorkerBinaries.fromEnvironment(env(), "x86_64").orElseThrow();
    assertEquals("amazon-eks", b.bucket());
    assertEquals("us-west-2", b.region());
    assertEquals(
        List.of(
            PREFIX + "kubelet",
            PREFIX + "kubelet.sha256",
            PREFIX + "aws-iam-authenticator",
            PREFIX + "aws-iam-authenticator.sha256",
            PREFIX + "ecr-credential-provider"),
        b.keys());
  }

  @Test
  void cniFromTheBucket_addsTheArchiveAndItsChecksum() {
    WorkerBinaries b =
        WorkerBinaries.fromEnvironment(env("PULL_CNI_FROM_GITHUB", "false"), "x86_64")
            .orElseThrow();
    assertTrue(
        b.keys().contains(PREFIX + "cni-plugins-linux-amd64-v0.8.6.tgz"), b.keys().toString());
    assertTrue(
        b.keys().contains(PREFIX + "cni-plugins-linux-amd64-v0.8.6.tgz.sha256"),
        b.keys().toString());
    assertEquals(7, b.keys().size());
  }

  @Test
  void onlyTheWordTrue_pullsFromGithub_asTheScriptsIsTrue() {
    // install-worker.sh's is_true compares with "true" exactly; "True" fetches from the bucket.
    assertEquals(
        7,
        WorkerBinaries.fromEnvironment(env("PULL_CNI_FROM_GITHUB", "True"), "x86_64")
            .orElseThrow()
            .keys()
            .size());
  }

  @Test
  void before122_noCredentialProvider() {
    List<String> keys =
        WorkerBinaries.fromEnvironment(
                env("KUBERNETES_VERSION", "1.21.14", "KUBERNETES_BUILD_DATE", "2022-10-31"),
                "x86_64")
            .orElseThrow()
            .keys();
    assertEquals(4, keys.size(), keys.toString());
    assertTrue(keys.stream().allMatch(k -> k.startsWith("1.21.14/2022-10-31/bin/linux/amd64/")));
    assertTrue(keys.stream().noneMatch(k -> k.endsWith("ecr-credential-provider")));
  }

  @Test
  void arm64_usesTheArm64Folder_andArchive() {
    List<String> keys =
        WorkerBinaries.fromEnvironment(env("PULL_CNI_FROM_GITHUB", "false"), "arm64")
            .orElseThrow()
            .keys();
    assertTrue(
        keys.contains("1.23.16/2023-01-30/bin/linux/arm64/cni-plugins-linux-arm64-v0.8.6.tgz"),
        keys.toString());
    assertTrue(keys.stream().allMatch(k -> k.startsWith("1.23.16/2023-01-30/bin/linux/arm64/")));
  }

  @Test
  void missingValuesOrAnUnknownArchitecture_nothingToSign() {
    for (String name :
        List.of(
            "BINARY_BUCKET_NAME",
            "BINARY_BUCKET_REGION",
            "KUBERNETES_VERSION",
            "KUBERNETES_BUILD_DATE")) {
      assertTrue(WorkerBinaries.fromEnvironment(env(name, ""), "x86_64").isEmpty(), name);
    }
    assertTrue(WorkerBinaries.fromEnvironment(env(), "i386").isEmpty());
    assertTrue(WorkerBinaries.fromEnvironment(env(), null).isEmpty());
  }
}
