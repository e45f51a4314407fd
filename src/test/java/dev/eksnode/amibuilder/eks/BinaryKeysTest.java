package dev.eksnode.amibuilder.eks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class BinaryKeysTest {
  @Test
  void from122_theCredentialProviderToo_withoutAChecksum() {
    var in = new BinaryKeys.Inputs("1.22.17", "2023-01-30", "x86_64", "v0.8.6", true);
    assertEquals("1.22.17/2023-01-30/bin/linux/amd64/", BinaryKeys.prefix(in));
    assertEquals(
        List.of(
            "kubelet",
            "kubelet.sha256",
            "aws-iam-authenticator",
            "aws-iam-authenticator.sha256",
            "ecr-credential-provider"),
        BinaryKeys.names(in));
  }

  @Test
  void before122_noCredentialProvider() {
    var in = new BinaryKeys.Inputs("1.21.14", "2023-01-30", "x86_64", "v0.8.6", true);
    assertEquals(
        List.of(
            "kubelet", "kubelet.sha256", "aws-iam-authenticator", "aws-iam-authenticator.sha256"),
        BinaryKeys.names(in));
  }

  @Test
  void cniFromTheBucket_namedForTheArch() {
    var in = new BinaryKeys.Inputs("1.23.9", "2022-07-27", "arm64", "v0.8.6", false);
    assertEquals(
        List.of(
            "1.23.9/2022-07-27/bin/linux/arm64/kubelet",
            "1.23.9/2022-07-27/bin/linux/arm64/kubelet.sha256",
            "1.23.9/2022-07-27/bin/linux/arm64/aws-iam-authenticator",
            "1.23.9/2022-07-27/bin/linux/arm64/aws-iam-authenticator.sha256",
            "1.23.9/2022-07-27/bin/linux/arm64/cni-plugins-linux-arm64-v0.8.6.tgz",
            "1.23.9/2022-07-27/bin/linux/arm64/cni-plugins-linux-arm64-v0.8.6.tgz.sha256",
            "1.23.9/2022-07-27/bin/linux/arm64/ecr-credential-provider"),
        BinaryKeys.keys(in));
  }

  @Test
  void archAsTheScriptMapsUname() {
    assertEquals("amd64", BinaryKeys.bucketArch("x86_64"));
    assertEquals("arm64", BinaryKeys.bucketArch("aarch64"));
    assertEquals("arm64", BinaryKeys.bucketArch("arm64"));
  }
}
