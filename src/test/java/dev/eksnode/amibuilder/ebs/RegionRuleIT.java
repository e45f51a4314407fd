package dev.eksnode.amibuilder.ebs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.cli.TestHome;
import dev.eksnode.amibuilder.rig.FaultProxy;
import dev.eksnode.amibuilder.rig.MotoExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The region rule where it reaches AWS: a build without {@code --region} runs where {@code
 * AWS_REGION} says and its banner says so; {@code max-pods} and {@code cleanup} ask the region of
 * the environment or the profile (the proxy sees the region each call is signed for).
 */
class RegionRuleIT {
  @RegisterExtension static final MotoExtension MOTO = new MotoExtension();
  @TempDir Path root;

  @Test
  void k8s_withoutRegion_buildsInAwsRegion_andTheBannerSaysWhy() {
    try (BuildRig rig = new BuildRig(MOTO, root, "eu-west-1")) {
      rig.home.env.put("AWS_REGION", "eu-west-1");
      TestHome.Result r =
          rig.cli(
              "k8s",
              "--kubernetes-version",
              "1.23.9",
              "--kubernetes-build-date",
              "2023-01-30",
              "--endpoint-url",
              rig.proxy.endpoint().toString(),
              "--output-dir",
              rig.outputDir.toString(),
              "temporary_security_group_source_cidrs=127.0.0.1/32");
      assertEquals(0, r.code(), r.err());
      String banner = r.out().lines().filter(l -> l.startsWith("Building AMI ")).findFirst().get();
      assertTrue(
          banner.endsWith(" for Kubernetes 1.23.9 on x86_64, region eu-west-1 (from AWS_REGION)"),
          banner);
      assertEquals(
          List.of("eu-west-1"),
          rig.proxy.requests("RunInstances").stream().map(FaultProxy.Request::region).toList());
      assertEquals(
          1, rig.clients.get(1).describeImages(q -> q.owners("self")).images().size(), "eu AMI");
      assertEquals(0, rig.ec2().describeImages(q -> q.owners("self")).images().size(), "us AMI");
    }
  }

  @Test
  void maxPods_withoutRegion_asksTheProfilesRegion() throws Exception {
    try (BuildRig rig = new BuildRig(MOTO, root)) {
      Path user = Files.createDirectories(root.resolve("user/.aws"));
      Files.writeString(user.resolve("config"), "[profile dev]\nregion = eu-west-2\n");
      rig.home.env.put("HOME", root.resolve("user").toString());
      rig.home.env.put("AWS_PROFILE", "dev");
      TestHome.Result r =
          rig.cli(
              "max-pods",
              "--endpoint-url",
              rig.proxy.endpoint().toString(),
              "--instance-type",
              "m5.large",
              "--cni-version",
              "1.10.0");
      assertEquals(0, r.code(), r.err());
      assertEquals("29", r.out().strip());
      assertEquals(
          List.of("eu-west-2"),
          rig.proxy.requests("DescribeInstanceTypes").stream()
              .map(FaultProxy.Request::region)
              .distinct()
              .toList());
      // AWS_DEFAULT_REGION beats the profile
      rig.proxy.clear();
      rig.home.env.put("AWS_DEFAULT_REGION", "ap-south-1");
      TestHome.Result env =
          rig.cli(
              "max-pods",
              "--endpoint-url",
              rig.proxy.endpoint().toString(),
              "--instance-type",
              "m5.large",
              "--cni-version",
              "1.10.0");
      assertEquals(0, env.code(), env.err());
      assertEquals(
          List.of("ap-south-1"),
          rig.proxy.requests("DescribeInstanceTypes").stream()
              .map(FaultProxy.Request::region)
              .distinct()
              .toList());
    }
  }

  @Test
  void cleanup_withoutRegion_sweepsAwsDefaultRegion() {
    try (BuildRig rig = new BuildRig(MOTO, root)) {
      rig.home.env.put("AWS_DEFAULT_REGION", "eu-west-3");
      TestHome.Result r =
          rig.cli(
              "cleanup", "--older-than", "1h", "--endpoint-url", rig.proxy.endpoint().toString());
      assertEquals(0, r.code(), r.err());
      assertEquals("Nothing left in eu-west-3.", r.out().strip());
      assertTrue(
          rig.proxy.requests("DescribeInstances").stream()
              .allMatch(q -> q.region().equals("eu-west-3")),
          rig.proxy.calls().toString());
    }
  }
}
