package dev.eksnode.amibuilder.ebs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.cli.TestHome;
import dev.eksnode.amibuilder.rig.MotoExtension;
import dev.eksnode.amibuilder.rig.MotoState;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;

/** Configuration that only AWS can judge: exit 2, one clear line, and not a single create call. */
class BadInputIT {
  @RegisterExtension static final MotoExtension MOTO = new MotoExtension();
  static final List<String> CREATES =
      List.of(
          "ImportKeyPair",
          "CreateSecurityGroup",
          "RunInstances",
          "CreateImage",
          "CopyImage",
          "CreateTags");
  @TempDir Path tmp;

  private static void assertRejected(
      BuildRig rig, MotoState before, TestHome.Result r, String... fragments) {
    assertEquals(2, r.code(), r.out() + r.err());
    List<String> errors = r.errLines().stream().filter(l -> l.startsWith("error: ")).toList();
    assertEquals(1, errors.size(), r.err());
    for (String f : fragments) {
      assertTrue(errors.get(0).contains(f), "'" + f + "' missing from: " + errors.get(0));
    }
    for (String create : CREATES) {
      assertEquals(0, rig.proxy.count(create), create + " was called");
    }
    assertEquals(Set.of(), rig.state().diff(before));
  }

  @Test
  void noMatchingSourceAmi_exit2NamingTheFilter() {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      MotoState before = rig.state();
      TestHome.Result r = rig.build("source_ami_filter_name=no-such-image-*");
      assertRejected(
          rig, before, r, "no source AMI matches", "name=no-such-image-*", "137112412989");
    }
  }

  @Test
  void missingSubnet_exit2NamingTheSubnet() {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      MotoState before = rig.state();
      TestHome.Result r = rig.build("subnet_id=subnet-0badbad0badbad0ba");
      assertRejected(rig, before, r, "subnet-0badbad0badbad0ba", "not found");
    }
  }

  @Test
  void amiNameTakenInCopyRegion_exit2NamingRegionAndImage() {
    try (BuildRig rig = new BuildRig(MOTO, tmp, "us-east-1");
        Ec2Client east = MOTO.ec2(Region.US_EAST_1)) {
      String taken =
          east.registerImage(
                  q ->
                      q.name(Ec2BuildIT.AMI_NAME)
                          .rootDeviceName("/dev/xvda")
                          .architecture("x86_64"))
              .imageId();
      MotoState before = rig.state();
      TestHome.Result r = rig.build("ami_regions=us-east-1");
      assertRejected(rig, before, r, "us-east-1", taken, Ec2BuildIT.AMI_NAME);
    }
  }

  @Test
  void arm64WithAnX86InstanceType_exit2NamingBoth() {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      MotoState before = rig.state();
      TestHome.Result r = rig.build("arch=arm64", "instance_type=m5.large");
      assertRejected(rig, before, r, "m5.large", "x86_64", "arm64", "instance_type");
      assertEquals(1, rig.proxy.count("DescribeInstanceTypes"));
    }
  }

  @Test
  void checkIpUnreachable_exit2BeforeTheKeyPairIsImported() {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      rig.home.env.put(BuildTuning.CHECKIP_ENV, "http://127.0.0.1:9/");
      MotoState before = rig.state();
      rig.loopbackCidr = false;
      TestHome.Result r = rig.build();
      // No create call at all, ImportKeyPair included: the lookup belongs to preflight.
      assertRejected(rig, before, r, "temporary_security_group_source_cidrs", "127.0.0.1:9");
      assertEquals(0, rig.proxy.count("DeleteKeyPair"));
    }
  }

  @Test
  void checkIpAnswers_securityGroupOpensOnlyThatAddress() throws Exception {
    com.sun.net.httpserver.HttpServer server =
        com.sun.net.httpserver.HttpServer.create(
            new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        ex -> {
          byte[] body = "203.0.113.7\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
          ex.sendResponseHeaders(200, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    server.start();
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      rig.loopbackCidr = false;
      rig.home.env.put(
          BuildTuning.CHECKIP_ENV, "http://127.0.0.1:" + server.getAddress().getPort() + "/");
      rig.proxy.on("RunInstances").call(1).fail(400, "InvalidParameterValue", "stop here");
      rig.proxy
          .on("DeleteSecurityGroup")
          .always()
          .fail(403, "UnauthorizedOperation", "keep it to look at");
      TestHome.Result r = rig.build();
      assertEquals(3, r.code(), r.err());
      var groups =
          rig.ec2()
              .describeSecurityGroups(
                  q ->
                      q.filters(
                          software.amazon.awssdk.services.ec2.model.Filter.builder()
                              .name("group-name")
                              .values("ami-builder-*")
                              .build()))
              .securityGroups();
      assertEquals(1, groups.size());
      var permissions = groups.get(0).ipPermissions();
      assertEquals(1, permissions.size(), permissions.toString());
      assertEquals(22, permissions.get(0).fromPort());
      assertEquals(
          List.of("203.0.113.7/32"),
          permissions.get(0).ipRanges().stream().map(x -> x.cidrIp()).toList());
    } finally {
      server.stop(0);
    }
  }
}
