package dev.eksnode.amibuilder.ebs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.cli.TestHome;
import dev.eksnode.amibuilder.rig.MotoExtension;
import dev.eksnode.amibuilder.rig.MotoState;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The binary bucket checked before anything is created: with the template running
 * install-worker.sh, every object the script downloads for the build's version, date and arch must
 * be in the bucket (HeadObject through the fault proxy to moto's S3), or the build stops with exit
 * 2 and one line naming the bucket path and every missing object, with no EC2 call made at all.
 */
class BinaryBucketPreflightIT {
  @RegisterExtension static final MotoExtension MOTO = new MotoExtension();

  static final String BUCKET = "amazon-eks";

  /** What install-worker.sh gets, as the shipped template passes it. */
  static final Map<String, Object> INSTALL_WORKER =
      Map.of(
          "type",
          "shell",
          "script",
          "{{template_dir}}/../scripts/install-worker.sh",
          "environment_vars",
          List.of(
              "KUBERNETES_VERSION={{user `kubernetes_version`}}",
              "KUBERNETES_BUILD_DATE={{user `kubernetes_build_date`}}",
              "BINARY_BUCKET_NAME={{user `binary_bucket_name`}}",
              "BINARY_BUCKET_REGION={{user `binary_bucket_region`}}",
              "CNI_PLUGIN_VERSION={{user `cni_plugin_version`}}",
              "PULL_CNI_FROM_GITHUB={{user `pull_cni_from_github`}}"));

  @TempDir Path tmp;

  private static void publish(String prefix, String... names) {
    try (S3Client s3 = MOTO.s3(Region.US_WEST_2)) {
      try {
        s3.createBucket(
            r ->
                r.bucket(BUCKET).createBucketConfiguration(c -> c.locationConstraint("us-west-2")));
      } catch (S3Exception e) {
        // Made by an earlier test.
      }
      for (String n : names) {
        s3.putObject(r -> r.bucket(BUCKET).key(prefix + n), RequestBody.fromString("x"));
      }
    }
  }

  private BuildRig rig(String date) {
    BuildRig rig = new BuildRig(MOTO, tmp);
    rig.buildDate = date;
    rig.provisioners(List.of(INSTALL_WORKER));
    return rig;
  }

  private static long heads(BuildRig rig) {
    return rig.proxy.calls().stream().filter(c -> c.startsWith("HEAD /" + BUCKET + "/")).count();
  }

  @Test
  void everyObjectPublished_checkPasses_andTheBuildGoesOn() {
    String prefix = "1.23.9/2024-01-01/bin/linux/amd64/";
    publish(
        prefix,
        "kubelet",
        "kubelet.sha256",
        "aws-iam-authenticator",
        "aws-iam-authenticator.sha256",
        "ecr-credential-provider");
    try (BuildRig rig = rig("2024-01-01")) {
      // Stop the build at its first create: this test is about getting there.
      rig.proxy.on("ImportKeyPair").always().fail(400, "InvalidParameterValue", "stop here");
      TestHome.Result r = rig.build();
      assertEquals(1, r.code(), r.out() + r.err());
      assertTrue(r.err().contains("stop here"), r.err());
      assertEquals(5, heads(rig), rig.proxy.calls().toString());
    }
  }

  @Test
  void missingObjects_exit2_oneLineNamingThePathAndEachMissingName_noEc2Call() {
    String prefix = "1.23.9/2024-02-01/bin/linux/amd64/";
    publish(prefix, "kubelet", "aws-iam-authenticator", "aws-iam-authenticator.sha256");
    try (BuildRig rig = rig("2024-02-01")) {
      MotoState before = rig.state();
      TestHome.Result r = rig.build();
      assertEquals(2, r.code(), r.out() + r.err());
      List<String> errors = r.errLines().stream().filter(l -> l.startsWith("error: ")).toList();
      assertEquals(1, errors.size(), r.err());
      assertTrue(
          errors
              .get(0)
              .startsWith(
                  "error: s3://amazon-eks/1.23.9/2024-02-01/bin/linux/amd64/ (us-west-2) lacks"
                      + " kubelet.sha256, ecr-credential-provider of the 5 objects"
                      + " install-worker.sh downloads"),
          errors.get(0));
      assertTrue(
          rig.proxy.calls().stream().allMatch(c -> c.startsWith("HEAD ")),
          "only HeadObject before the check passes: " + rig.proxy.calls());
      assertEquals(Set.of(), rig.state().diff(before));
    }
  }

  @Test
  void cniFromTheBucket_andArm64_areChecked_atTheirPath() {
    String prefix = "1.21.14/2024-03-01/bin/linux/arm64/";
    publish(prefix, "kubelet", "kubelet.sha256", "aws-iam-authenticator");
    try (BuildRig rig = rig("2024-03-01")) {
      rig.kubernetesVersion = "1.21.14";
      TestHome.Result r =
          rig.build("arch=arm64", "instance_type=m6g.large", "pull_cni_from_github=false");
      assertEquals(2, r.code(), r.out() + r.err());
      // 1.21 has no ecr-credential-provider; the CNI archive comes from the bucket.
      assertTrue(
          r.err()
              .contains(
                  "s3://amazon-eks/1.21.14/2024-03-01/bin/linux/arm64/ (us-west-2) lacks"
                      + " aws-iam-authenticator.sha256, cni-plugins-linux-arm64-v0.8.6.tgz,"
                      + " cni-plugins-linux-arm64-v0.8.6.tgz.sha256 of the 6 objects"),
          r.err());
    }
  }

  @Test
  void refusedHeadObject_exit2_namesGetObject() {
    String prefix = "1.23.9/2024-04-01/bin/linux/amd64/";
    publish(prefix, "kubelet");
    try (BuildRig rig = rig("2024-04-01")) {
      rig.proxy
          .on("HEAD /amazon-eks/" + prefix + "kubelet")
          .always()
          .fail(403, "AccessDenied", "Access Denied");
      TestHome.Result r = rig.build();
      assertEquals(2, r.code(), r.out() + r.err());
      assertTrue(
          r.err().contains("these credentials need s3:GetObject on arn:aws:s3:::amazon-eks/*"),
          r.err());
      assertEquals(0, rig.proxy.count("ImportKeyPair"));
    }
  }

  @Test
  void s3FailingOnItsSide_exit1() {
    String prefix = "1.23.9/2024-05-01/bin/linux/amd64/";
    publish(prefix, "kubelet");
    try (BuildRig rig = rig("2024-05-01")) {
      rig.proxy
          .on("HEAD /amazon-eks/" + prefix + "kubelet")
          .always()
          .fail(503, "SlowDown", "Please reduce your request rate.");
      TestHome.Result r = rig.build();
      assertEquals(1, r.code(), r.out() + r.err());
      assertTrue(r.err().contains("S3 failed checking s3://amazon-eks/" + prefix), r.err());
      assertEquals(0, rig.proxy.count("ImportKeyPair"));
    }
  }

  @Test
  void templateWithoutInstallWorker_checksNoBucket() {
    // The rig's own template runs no provisioner: nothing of the bucket is the build's business.
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      rig.buildDate = "2099-01-01";
      rig.proxy.on("ImportKeyPair").always().fail(400, "InvalidParameterValue", "stop here");
      TestHome.Result r = rig.build();
      assertEquals(1, r.code(), r.out() + r.err());
      assertEquals(0, heads(rig), rig.proxy.calls().toString());
      assertFalse(r.err().contains("lacks"), r.err());
    }
  }

  @Test
  void installWorkerOfAnotherContract_checksNoBucket() {
    // The AL2023 templates run an install-worker.sh given a bucket but no PULL_CNI_FROM_GITHUB: it
    // downloads other things than the AL2 script, so the AL2 list is not required of the bucket.
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      rig.buildDate = "2099-02-01";
      rig.provisioners(
          List.of(
              Map.of(
                  "type",
                  "shell",
                  "script",
                  "{{template_dir}}/../scripts/install-worker.sh",
                  "environment_vars",
                  List.of(
                      "KUBERNETES_VERSION={{user `kubernetes_version`}}",
                      "KUBERNETES_BUILD_DATE={{user `kubernetes_build_date`}}",
                      "BINARY_BUCKET_NAME={{user `binary_bucket_name`}}",
                      "BINARY_BUCKET_REGION={{user `binary_bucket_region`}}"))));
      rig.proxy.on("ImportKeyPair").always().fail(400, "InvalidParameterValue", "stop here");
      TestHome.Result r = rig.build();
      assertEquals(1, r.code(), r.out() + r.err());
      assertTrue(r.err().contains("stop here"), r.err());
      assertEquals(0, heads(rig), rig.proxy.calls().toString());
    }
  }
}
