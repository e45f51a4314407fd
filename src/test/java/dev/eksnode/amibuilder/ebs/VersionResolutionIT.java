package dev.eksnode.amibuilder.ebs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.cli.TestHome;
import dev.eksnode.amibuilder.rig.MotoExtension;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.model.Image;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A bare minor version and a missing build date are completed from the binary bucket before
 * anything is created.
 */
class VersionResolutionIT {
  @RegisterExtension static final MotoExtension MOTO = new MotoExtension();
  @TempDir Path root;

  private static void publish(String... keys) {
    try (S3Client s3 = MOTO.s3(Region.US_WEST_2)) {
      s3.createBucket(
          r ->
              r.bucket("amazon-eks")
                  .createBucketConfiguration(c -> c.locationConstraint("us-west-2")));
      for (String k : keys) {
        s3.putObject(r -> r.bucket("amazon-eks").key(k), RequestBody.fromString("x"));
      }
    }
  }

  @Test
  void k8s_minorVersionWithoutDate_buildsTheNewestPatchAndDate() {
    publish(
        "1.23.9/2023-01-30/bin/linux/amd64/kubelet",
        "1.23.17/2023-03-01/bin/linux/amd64/kubelet",
        "1.23.17/2023-05-11/bin/linux/amd64/kubelet",
        "1.24.10/2023-06-01/bin/linux/amd64/kubelet",
        "1.23.17/notadate/readme");
    try (BuildRig rig = new BuildRig(MOTO, root)) {
      rig.kubernetesVersion = "1.23";
      rig.buildDate = null;
      TestHome.Result r = rig.build();
      assertEquals(0, r.code(), r.err());
      Image ami = rig.ec2().describeImages(q -> q.owners("self")).images().get(0);
      Map<String, String> tags =
          ami.tags().stream().collect(Collectors.toMap(Tag::key, Tag::value));
      assertEquals("1.23.17/2023-05-11/bin/linux/x86_64", tags.get("kubernetes"));
      assertTrue(ami.name().startsWith("amazon-eks-node-1.23-v"), ami.name());
    }
  }

  @Test
  void k8s_versionNotInTheBucket_isExitTwo_andCreatesNothing() {
    publish("1.23.9/2023-01-30/bin/linux/amd64/kubelet");
    try (BuildRig rig = new BuildRig(MOTO, root)) {
      var before = rig.state();
      rig.kubernetesVersion = "1.22.3";
      rig.buildDate = null;
      TestHome.Result r = rig.build();
      assertEquals(2, r.code(), r.err());
      assertEquals(1, r.errLines().size(), r.err());
      assertTrue(r.err().contains("1.22.3") && r.err().contains("s3://amazon-eks"), r.err());
      assertEquals(List.of(), List.copyOf(rig.state().diff(before)));
      assertEquals(0, rig.proxy.count("RunInstances"));
    }
  }

  @Test
  void k8s_bucketListingDenied_isExitTwo_namingThePermissionBucketAndPrefix() {
    publish("1.23.9/2023-01-30/bin/linux/amd64/kubelet");
    try (BuildRig rig = new BuildRig(MOTO, root)) {
      var before = rig.state();
      rig.proxy.on(LIST_BUCKET).always().fail(403, "AccessDenied", "Access Denied");
      rig.buildDate = null;
      TestHome.Result r = rig.build();
      assertEquals(2, r.code(), r.err());
      assertEquals(1, r.errLines().size(), r.err());
      assertTrue(
          r.err().contains("s3:ListBucket on arn:aws:s3:::amazon-eks for the prefix '1.23.9/'"),
          r.err());
      assertTrue(r.err().contains("s3://amazon-eks/1.23.9/ (us-west-2)"), r.err());
      assertTrue(r.err().contains("(AccessDenied)"), r.err());
      assertEquals(List.of(), List.copyOf(rig.state().diff(before)));
      assertEquals(0, rig.proxy.count("RunInstances"));
      // Refused at once: an access denial is not retried.
      assertEquals(1, rig.proxy.count(LIST_BUCKET));
    }
  }

  @Test
  void k8s_bucketFailingOnS3sSide_isExitOne_afterTheRetries() {
    publish("1.23.9/2023-01-30/bin/linux/amd64/kubelet");
    try (BuildRig rig = new BuildRig(MOTO, root)) {
      var before = rig.state();
      rig.proxy.on(LIST_BUCKET).always().fail(500, "InternalError", "We encountered an error");
      rig.kubernetesVersion = "1.23";
      rig.buildDate = null;
      TestHome.Result r = rig.build();
      assertEquals(1, r.code(), r.err());
      assertEquals(1, r.errLines().size(), r.err());
      assertTrue(
          r.err()
              .startsWith(
                  "error: S3 failed listing s3://amazon-eks/1.23. (us-west-2) to find the"
                      + " Kubernetes version or build date (500 InternalError)"),
          r.err());
      assertEquals(List.of(), List.copyOf(rig.state().diff(before)));
      assertEquals(0, rig.proxy.count("RunInstances"));
      assertTrue(rig.proxy.count(LIST_BUCKET) > 1, "a 5xx is retried by the SDK");
    }
  }

  @Test
  void k8s_bucketThatIsNotThere_staysExitTwo() {
    try (BuildRig rig = new BuildRig(MOTO, root)) {
      rig.buildDate = null;
      TestHome.Result r = rig.build("binary_bucket_name=no-such-bucket-here");
      assertEquals(2, r.code(), r.err());
      assertEquals(1, r.errLines().size(), r.err());
      assertTrue(r.err().contains("cannot list s3://no-such-bucket-here"), r.err());
      assertTrue(r.err().contains("NoSuchBucket"), r.err());
    }
  }

  @Test
  void k8s_endpointNobodyListensOn_isExitOne_namingTheEndpointAndTheCause() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    try (BuildRig rig = new BuildRig(MOTO, root)) {
      TestHome.Result r =
          rig.cli(
              "k8s",
              "--kubernetes-version",
              "1.23.9",
              "--region",
              "us-west-2",
              "--endpoint-url",
              "http://127.0.0.1:" + port);
      assertEquals(1, r.code(), r.err());
      assertEquals(
          List.of(
              "error: cannot reach http://127.0.0.1:"
                  + port
                  + ": Connection refused; check the network, --region and --endpoint-url"),
          r.errLines());
    }
  }

  /** How the fault proxy names S3's ListObjectsV2 on the bucket (path-style addressing). */
  private static final String LIST_BUCKET = "GET /amazon-eks";
}
