package dev.eksnode.amibuilder.ebs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eksnode.amibuilder.cli.TestHome;
import dev.eksnode.amibuilder.eks.WorkerBinaries;
import dev.eksnode.amibuilder.rig.MotoExtension;
import dev.eksnode.amibuilder.rig.MotoState;
import dev.eksnode.amibuilder.rig.NodeHostExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Image;
import software.amazon.awssdk.services.ec2.model.KeyPairInfo;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Each upstream-shaped fixture (src/test/resources/upstream) builds with {@code k8s} against moto
 * and the node host, given its files the way {@code make k8s} hands them to Packer: the template,
 * its default variable file, then the per-minor file when there is one. Its scripts are the
 * fixture's own stand-ins. Two rig-only changes are made to a copy of the template, as BuildRig
 * does: the builder's {@code ssh_host}/{@code ssh_port} point at the node host (EC2 in moto has no
 * reachable address), and {@code pause_after} is dropped (a reboot here is detected by its new boot
 * id; 90 s of sleep would only slow the suite).
 *
 * <p>The 2025 AL2 and the AL2023 templates carry {@code limit-c-states.sh} with {@code
 * expect_disconnect: true}: with EFA off it exits without rebooting, which must not fail the build.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class UpstreamFixturesIT {
  @RegisterExtension static final MotoExtension MOTO = new MotoExtension();
  @RegisterExtension static final NodeHostExtension NODE = new NodeHostExtension();
  static final String REGION = "us-west-2";

  @TempDir Path root;
  Ec2Client ec2;

  @BeforeEach
  void setUp() {
    ec2 = MOTO.ec2(Region.of(REGION));
    // On an instance cloud-init installs the key pair; the node host follows EC2's key pairs.
    NODE.followAuthorizedKeys(
        () ->
            ec2.describeKeyPairs(r -> r.includePublicKey(true)).keyPairs().stream()
                .map(KeyPairInfo::publicKey)
                .filter(k -> k != null && !k.isBlank())
                .toList());
  }

  @AfterEach
  void tearDown() {
    ec2.close();
  }

  /** What a build left: its CLI result, moto's new resources, and the node's boot ids. */
  record Built(TestHome.Result result, List<MotoState.Resource> left, String bootBefore) {
    List<MotoState.Resource> of(MotoState.Kind kind) {
      return left.stream().filter(r -> r.kind() == kind).toList();
    }
  }

  @Test
  void al2_2023_buildsOnTheRig_withTheKernelReboot_leavingOneAmiAndItsSnapshot() throws Exception {
    Path checkout = layOut("2023-al2", "eks-worker-al2.json");
    Built b =
        build(
            List.of(
                "--template",
                checkout.resolve("eks-worker-al2.json").toString(),
                "--var-file",
                checkout.resolve("eks-worker-al2-variables.json").toString()),
            "1.23.17",
            "2023-05-11");

    Image ami = assertOneAmiAndItsSnapshot(b);
    assertEquals("1.6.*", tag(ami, "containerd_version"), "the tag keeps the spec as written");
    assertNotEquals(b.bootBefore(), NODE.bootId(), "upgrade_kernel.sh reboots the node");
    assertVersionInfo(ami);
  }

  @Test
  void al2_2024_buildsOnTheRig_withDefaultAndPerMinorFiles_andTheRebootStep() throws Exception {
    Path checkout = layOut("2024-al2", "templates/al2/template.json");
    Path dir = checkout.resolve("templates/al2");
    Built b =
        build(
            List.of(
                "--template",
                dir.resolve("template.json").toString(),
                "--var-file",
                dir.resolve("variables-default.json").toString(),
                "--var-file",
                dir.resolve("variables-1.24.json").toString()),
            "1.24.17",
            "2024-01-04");

    Image ami = assertOneAmiAndItsSnapshot(b);
    assertEquals("1.7.*", tag(ami, "containerd_version"));
    assertEquals("20.10.*", tag(ami, "docker_version"), "from variables-1.24.json");
    assertNotEquals(b.bootBefore(), NODE.bootId(), "the 'sudo reboot' provisioner reboots");
    assertTrue(
        b.result().out().contains("install-worker.sh: containerd 1.7.*, runc 1.1.*"),
        b.result().out());
    assertVersionInfo(ami);
  }

  @Test
  void al2_2025_buildsOnTheRig_whenTheDisconnectAllowedStepDoesNotReboot() throws Exception {
    Path checkout = layOut("2025-al2", "templates/al2/template.json");
    Path dir = checkout.resolve("templates/al2");
    Built b =
        build(
            List.of(
                "--template",
                dir.resolve("template.json").toString(),
                "--var-file",
                dir.resolve("variables-default.json").toString()),
            "1.32.9",
            "2025-11-13");

    Image ami = assertOneAmiAndItsSnapshot(b);
    String out = b.result().out();
    assertTrue(out.contains("limit-c-states.sh: EFA is off"), out);
    assertTrue(
        out.contains("install-nvidia-driver.sh: NVIDIA_DRIVER_VERSION=570.172.08"),
        "the file-only variable reaches the script: " + out);
    // The template's own 'sudo reboot' step still reboots once; limit-c-states must not wait for a
    // second one.
    assertNotEquals(b.bootBefore(), NODE.bootId());
    assertVersionInfo(ami);
  }

  @Test
  void al2023_buildsOnTheRig_whenTheDisconnectAllowedStepDoesNotReboot() throws Exception {
    Path checkout = layOut("al2023", "templates/al2023/template.json");
    Path dir = checkout.resolve("templates/al2023");
    Built b =
        build(
            List.of(
                "--template",
                dir.resolve("template.json").toString(),
                "--var-file",
                dir.resolve("variables-default.json").toString()),
            "1.33.5",
            "2025-09-19");

    Image ami = assertOneAmiAndItsSnapshot(b);
    assertEquals("2.*", tag(ami, "containerd_version"));
    String out = b.result().out();
    assertTrue(out.contains("limit-c-states.sh: EFA is off"), out);
    assertTrue(out.contains("install-worker.sh: containerd 2.*, runc *"), out);
    assertEquals(b.bootBefore(), NODE.bootId(), "nothing in the AL2023 chain reboots");
    assertVersionInfo(ami);
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * Copies the fixture into a checkout of this test's own and points the template at the node host,
   * as BuildRig does with the project's template; the copy's files are otherwise unchanged.
   */
  private Path layOut(String fixture, String template) throws IOException {
    Path checkout = root.resolve("checkout");
    copyTree(fixturePath(fixture), checkout);
    Path file = checkout.resolve(template);
    ObjectMapper json = new ObjectMapper();
    ObjectNode tree = (ObjectNode) json.readTree(file.toFile());
    ObjectNode builder = (ObjectNode) tree.get("builders").get(0);
    builder.put("ssh_host", NODE.host());
    builder.put("ssh_port", Integer.toString(NODE.port()));
    tree.get("provisioners").forEach(p -> ((ObjectNode) p).remove("pause_after"));
    json.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), tree);
    return checkout;
  }

  private Built build(List<String> templateArgs, String version, String date) {
    TestHome home = new TestHome(root.resolve("cli"));
    home.env.putAll(
        Map.of(
            "AWS_ACCESS_KEY_ID",
            "testing",
            "AWS_SECRET_ACCESS_KEY",
            "testing",
            "AMI_BUILDER_STATE_DIR",
            root.resolve("state").toString(),
            BuildTuning.POLL_DELAY_ENV,
            "20",
            BuildTuning.UNDO_RETRY_ENV,
            "4,20"));
    List<String> args = new ArrayList<>(List.of("k8s"));
    args.addAll(templateArgs);
    args.addAll(
        List.of(
            "--kubernetes-version",
            version,
            "--kubernetes-build-date",
            date,
            "--region",
            REGION,
            "--endpoint-url",
            MOTO.endpoint().toString(),
            "--output-dir",
            root.resolve("out").toString(),
            "ssh_username=" + NODE.user(),
            "temporary_security_group_source_cidrs=127.0.0.1/32"));
    publishToEmulator(version, date);
    MotoState before = MotoState.capture(List.of(ec2));
    String bootBefore = NODE.bootId();
    TestHome.Result r = home.run(args.toArray(String[]::new));
    List<MotoState.Resource> left = List.copyOf(MotoState.capture(List.of(ec2)).diff(before));
    return new Built(r, left, bootBefore);
  }

  /**
   * The objects the AL2 install-worker.sh downloads (CNI plugins from GitHub, as every fixture has
   * it), in the emulator's bucket where the preflight looks for them; the node host's AWS CLI
   * stand-in serves its own copy.
   */
  private static void publishToEmulator(String version, String date) {
    try (S3Client s3 = MOTO.s3(Region.of(REGION))) {
      try {
        s3.createBucket(
            r ->
                r.bucket("amazon-eks")
                    .createBucketConfiguration(c -> c.locationConstraint(REGION)));
      } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
        // Made for an earlier test.
      }
      WorkerBinaries in =
          new WorkerBinaries("amazon-eks", "us-west-2", version, date, "amd64", "v1.2.0", true);
      for (String key : in.keys()) {
        s3.putObject(r -> r.bucket("amazon-eks").key(key), RequestBody.fromString("x"));
      }
    }
  }

  /** Exit 0, and exactly one new AMI and one snapshot left in moto: nothing temporary remains. */
  private Image assertOneAmiAndItsSnapshot(Built b) {
    assertEquals(0, b.result().code(), b.result().err() + b.result().out());
    assertEquals(1, b.of(MotoState.Kind.IMAGE).size(), "images left: " + b.left());
    assertEquals(1, b.of(MotoState.Kind.SNAPSHOT).size(), "snapshots left: " + b.left());
    assertEquals(2, b.left().size(), "only the AMI and its snapshot may remain: " + b.left());
    String imageId = b.of(MotoState.Kind.IMAGE).get(0).id();
    Image ami = ec2.describeImages(q -> q.imageIds(imageId)).images().get(0);
    String snapshot = ami.blockDeviceMappings().get(0).ebs().snapshotId();
    assertEquals(b.of(MotoState.Kind.SNAPSHOT).get(0).id(), snapshot, "the AMI's own snapshot");
    return ami;
  }

  private void assertVersionInfo(Image ami) {
    Path info = root.resolve("out").resolve(ami.name() + "-version-info.json");
    assertTrue(Files.isRegularFile(info), "no " + info);
  }

  private static String tag(Image image, String key) {
    return image.tags().stream()
        .filter(t -> t.key().equals(key))
        .map(Tag::value)
        .findFirst()
        .orElse(null);
  }

  private static Path fixturePath(String name) {
    URL url = UpstreamFixturesIT.class.getResource("/upstream/" + name);
    assertNotNull(url, "fixture " + name + " is not on the test classpath");
    try {
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path p : paths.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          try {
            Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      }
    }
  }
}
