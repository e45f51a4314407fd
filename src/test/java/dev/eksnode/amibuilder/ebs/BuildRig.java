package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.cli.TestHome;
import dev.eksnode.amibuilder.rig.FaultProxy;
import dev.eksnode.amibuilder.rig.MotoExtension;
import dev.eksnode.amibuilder.rig.MotoState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * One build on the rig: a CLI home with fast waits, a journal directory of its own, a fault proxy
 * in front of moto, and clients for the regions the build touches.
 */
final class BuildRig implements AutoCloseable {
  static final String REGION = "us-west-2";

  final TestHome home;
  final FaultProxy proxy;
  final Path stateDir;
  final Path outputDir;
  final List<Ec2Client> clients = new ArrayList<>();

  /** Whether builds get temporary_security_group_source_cidrs=127.0.0.1/32 (no check-IP lookup). */
  boolean loopbackCidr = true;

  /** The version built; with {@link #buildDate} null the date is looked up in the binary bucket. */
  String kubernetesVersion = "1.23.9";

  String buildDate = "2023-01-30";

  /** Options for the JVM of {@link #startBuild}, before {@code -jar}. */
  final List<String> jvmOptions = new ArrayList<>();

  BuildRig(MotoExtension moto, Path root, String... regions) {
    // These tests are about the EC2 steps: the same builder, no provisioners (EndToEndIT runs the
    // full chain over SSH).
    home = new TestHome(root).withoutProvisioners();
    proxy = FaultProxy.start(moto.endpoint());
    stateDir = root.resolve("state");
    outputDir = root.resolve("out");
    home.env.putAll(
        Map.of(
            "AWS_ACCESS_KEY_ID",
            "testing",
            "AWS_SECRET_ACCESS_KEY",
            "testing",
            "AMI_BUILDER_STATE_DIR",
            stateDir.toString(),
            BuildTuning.POLL_DELAY_ENV,
            "20",
            BuildTuning.UNDO_RETRY_ENV,
            "4,20"));
    List<String> all = new ArrayList<>(List.of(REGION));
    for (String r : regions) {
      if (!all.contains(r)) {
        all.add(r);
      }
    }
    for (String r : all) {
      clients.add(moto.ec2(Region.of(r)));
    }
  }

  /**
   * Sets fields of the template's amazon-ebs builder, for settings the shipped template has no
   * variable for.
   */
  void builder(Map<String, ?> fields) {
    Path template = home.home.resolve("templates/eks-worker-al2.json");
    try {
      var json = new com.fasterxml.jackson.databind.ObjectMapper();
      var tree = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(template.toFile());
      var builder = (com.fasterxml.jackson.databind.node.ObjectNode) tree.get("builders").get(0);
      fields.forEach((k, v) -> builder.set(k, json.valueToTree(v)));
      json.writerWithDefaultPrettyPrinter().writeValue(template.toFile(), tree);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Replaces the template's (empty) provisioner list with these, written as given. */
  void provisioners(List<Map<String, ?>> provisioners) {
    Path template = home.home.resolve("templates/eks-worker-al2.json");
    try {
      var json = new com.fasterxml.jackson.databind.ObjectMapper();
      var tree = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(template.toFile());
      tree.set("provisioners", json.valueToTree(provisioners));
      json.writerWithDefaultPrettyPrinter().writeValue(template.toFile(), tree);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  Ec2Client ec2() {
    return clients.get(0);
  }

  MotoState state() {
    return MotoState.capture(clients);
  }

  /** Runs {@code k8s} against the proxy with the given extra words, in this JVM. */
  TestHome.Result build(String... extra) {
    return home.run(k8sArgs(extra).toArray(String[]::new));
  }

  /**
   * Starts {@code k8s} with the given extra words as a child JVM running the packaged jar, as a
   * user's shell would, so it can be sent signals; its output goes to {@code stdout} and {@code
   * stderr}.
   */
  Process startBuild(Path stdout, Path stderr, String... extra) throws IOException {
    String jar = System.getProperty("amibuilder.jar");
    if (jar == null || !Files.isRegularFile(Path.of(jar))) {
      throw new IllegalStateException("amibuilder.jar not built: " + jar);
    }
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // What bin/ami-builder uses: a short-lived CLI gains nothing from the C2 compiler.
                "-XX:TieredStopAtLevel=1"));
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-jar", jar));
    cmd.addAll(k8sArgs(extra));
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .directory(home.work.toFile())
            .redirectOutput(stdout.toFile())
            .redirectError(stderr.toFile());
    pb.environment().putAll(home.env);
    pb.environment().put("AMI_BUILDER_HOME", home.home.toString());
    return pb.start();
  }

  private List<String> k8sArgs(String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "k8s",
                "--kubernetes-version",
                kubernetesVersion,
                "--region",
                REGION,
                "--endpoint-url",
                proxy.endpoint().toString(),
                "--output-dir",
                outputDir.toString()));
    if (buildDate != null) {
      args.addAll(List.of("--kubernetes-build-date", buildDate));
    }
    if (loopbackCidr) {
      args.add("temporary_security_group_source_cidrs=127.0.0.1/32");
    }
    args.addAll(List.of(extra));
    return args;
  }

  TestHome.Result cli(String... args) {
    return home.run(args);
  }

  /**
   * Runs {@code cleanup --build-id ID} through the proxy, as a user finishing a kept build would.
   */
  TestHome.Result cleanup(String buildId) {
    return cli("cleanup", "--build-id", buildId, "--endpoint-url", proxy.endpoint().toString());
  }

  @Override
  public void close() {
    proxy.close();
    clients.forEach(Ec2Client::close);
  }
}
