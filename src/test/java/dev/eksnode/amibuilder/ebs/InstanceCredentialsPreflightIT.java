package dev.eksnode.amibuilder.ebs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.cli.TestHome;
import dev.eksnode.amibuilder.rig.MotoExtension;
import dev.eksnode.amibuilder.rig.MotoState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A build whose instance must call AWS (image caching, a script running the AWS CLI) without an
 * instance profile, a temporary one or forwarded keys stops in preflight: exit 2, one line, not a
 * single create call. With any one of the three it gets past preflight (here up to RunInstances,
 * which the proxy refuses so that no SSH host is needed) and unwinds to nothing.
 */
class InstanceCredentialsPreflightIT {
  @RegisterExtension static final MotoExtension MOTO = new MotoExtension();

  private static final String FIX =
      "set iam_instance_profile, temporary_iam_instance_profile_policy_document or"
          + " forward_aws_credentials=true";

  /**
   * Addon versions given as words, so a build that passes preflight makes no EKS lookup (moto has
   * no EKS add-on API; ImageCacheIT covers the lookup).
   */
  private static final String[] KNOWN_ADDONS = {
    "kube_proxy_versions=none", "vpc_cni_versions=none"
  };

  @TempDir Path tmp;

  /** The template's install-worker.sh provisioner as the shipped template passes its variables. */
  private static Map<String, Object> worker() {
    return Map.of(
        "type",
        "shell",
        "inline",
        List.of("echo install-worker stand-in"),
        "environment_vars",
        List.of(
            "BINARY_BUCKET_NAME={{user `binary_bucket_name`}}",
            "BINARY_BUCKET_REGION={{user `binary_bucket_region`}}",
            "KUBERNETES_VERSION={{user `kubernetes_version`}}",
            "KUBERNETES_BUILD_DATE={{user `kubernetes_build_date`}}",
            "CACHE_CONTAINER_IMAGES={{user `cache_container_images`}}"));
  }

  private static void assertStoppedInPreflight(
      BuildRig rig, MotoState before, TestHome.Result r, String... fragments) {
    assertEquals(2, r.code(), r.out() + r.err());
    List<String> errors = r.errLines().stream().filter(l -> l.startsWith("error: ")).toList();
    assertEquals(1, errors.size(), r.err());
    for (String f : fragments) {
      assertTrue(errors.get(0).contains(f), "'" + f + "' missing from: " + errors.get(0));
    }
    assertTrue(errors.get(0).endsWith(FIX), errors.get(0));
    for (String create : BadInputIT.CREATES) {
      assertEquals(0, rig.proxy.count(create), create + " was called");
    }
    // The check needs no AWS call: preflight stopped before its first DescribeImages.
    assertEquals(0, rig.proxy.count("DescribeImages"));
    assertEquals(Set.of(), rig.state().diff(before));
  }

  /** Past preflight: the key pair was imported, RunInstances refused, everything removed. */
  private static void assertPassedPreflight(BuildRig rig, MotoState before, TestHome.Result r) {
    assertNotEquals(0, r.code(), r.out() + r.err());
    assertTrue(r.err().contains("stop after preflight"), r.err());
    assertEquals(1, rig.proxy.count("ImportKeyPair"), "preflight passed, the key pair came next");
    assertEquals(Set.of(), rig.state().diff(before), "the failed build left something");
  }

  private BuildRig rig(Map<String, Object> provisioner) {
    BuildRig rig = new BuildRig(MOTO, tmp);
    rig.provisioners(List.of(provisioner));
    rig.proxy
        .on("RunInstances")
        .always()
        .fail(400, "InvalidParameterValue", "stop after preflight");
    return rig;
  }

  @Test
  void cachingWithNoneOfTheThree_exit2_oneLine_nothingCreated() {
    try (BuildRig rig = rig(worker())) {
      MotoState before = rig.state();
      TestHome.Result r = rig.build("cache_container_images=true");
      assertStoppedInPreflight(
          rig,
          before,
          r,
          "image caching is on (CACHE_CONTAINER_IMAGES=true for provisioners[0], shell inline#0)",
          "pulls the images from ECR");
    }
  }

  @Test
  void cachingWithAnInstanceProfile_passesPreflight() {
    try (BuildRig rig = rig(worker())) {
      MotoState before = rig.state();
      TestHome.Result r =
          rig.build(
              "cache_container_images=true",
              "iam_instance_profile=eks-node-builder",
              KNOWN_ADDONS[0],
              KNOWN_ADDONS[1]);
      assertPassedPreflight(rig, before, r);
    }
  }

  @Test
  void cachingWithForwardedCredentials_passesPreflight() {
    try (BuildRig rig = rig(worker())) {
      MotoState before = rig.state();
      TestHome.Result r =
          rig.build(
              "cache_container_images=true",
              "forward_aws_credentials=true",
              KNOWN_ADDONS[0],
              KNOWN_ADDONS[1]);
      assertPassedPreflight(rig, before, r);
    }
  }

  @Test
  void cachingWithATemporaryProfilePolicyDocument_passesPreflight() {
    try (BuildRig rig = rig(worker())) {
      rig.builder(
          Map.of(
              "temporary_iam_instance_profile_policy_document",
              Map.of(
                  "Version",
                  "2012-10-17",
                  "Statement",
                  List.of(
                      Map.of(
                          "Effect",
                          "Allow",
                          "Action",
                          List.of("ecr:GetAuthorizationToken", "ecr:BatchGetImage"),
                          "Resource",
                          "*")))));
      MotoState before = rig.state();
      TestHome.Result r =
          rig.build("cache_container_images=true", KNOWN_ADDONS[0], KNOWN_ADDONS[1]);
      assertPassedPreflight(rig, before, r);
    }
  }

  @Test
  void cachingOff_needsNoneOfThem() {
    try (BuildRig rig = rig(worker())) {
      MotoState before = rig.state();
      TestHome.Result r = rig.build("cache_container_images=false");
      assertPassedPreflight(rig, before, r);
    }
  }

  @Test
  void aUsersScriptRunningTheAwsCli_exit2_namingTheScriptAndTheCommand() throws IOException {
    Path script =
        Files.writeString(
            tmp.resolve("fetch-config.sh"),
            """
        #!/bin/sh
        set -e
        aws s3 cp s3://my-config/app.conf /tmp/app.conf
        """);
    try (BuildRig rig = rig(Map.of("type", "shell", "script", script.toString()))) {
      MotoState before = rig.state();
      TestHome.Result r = rig.build();
      assertStoppedInPreflight(
          rig,
          before,
          r,
          "provisioners[0], shell fetch-config.sh runs the AWS CLI on the build instance",
          "'aws s3 cp' at line 3 in fetch-config.sh");
    }
  }
}
