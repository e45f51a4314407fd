package dev.eksnode.amibuilder.ebs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.cli.TestHome;
import dev.eksnode.amibuilder.rig.FaultProxy;
import dev.eksnode.amibuilder.rig.MotoExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Image;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.Snapshot;

/**
 * Template settings that only show in what the build sends to EC2: each one asserted on the request
 * the fault proxy recorded and, where moto keeps it, on moto's state afterwards.
 */
class BuildParametersIT {
  @RegisterExtension static final MotoExtension MOTO = new MotoExtension();
  static final String EAST = "us-east-1";
  static final String WEST_KEY =
      "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
  static final String EAST_KEY =
      "arn:aws:kms:us-east-1:111122223333:key/9876fedc-12ab-34cd-56ef-1234567890ab";
  @TempDir Path tmp;

  /** The tags of the TagSpecification for {@code resourceType} in a recorded create call. */
  static Map<String, String> tagSpecification(FaultProxy.Request request, String resourceType) {
    for (int i = 1; request.param("TagSpecification." + i + ".ResourceType") != null; i++) {
      if (!resourceType.equals(request.param("TagSpecification." + i + ".ResourceType"))) {
        continue;
      }
      Map<String, String> tags = new TreeMap<>();
      String prefix = "TagSpecification." + i + ".Tag.";
      for (int t = 1; request.param(prefix + t + ".Key") != null; t++) {
        tags.put(request.param(prefix + t + ".Key"), request.param(prefix + t + ".Value"));
      }
      return tags;
    }
    return Map.of();
  }

  /**
   * Moto checks that an instance profile exists; the SDK has no IAM client here, so ask moto's
   * query API.
   */
  static void createInstanceProfile(String name) throws Exception {
    java.net.http.HttpRequest request =
        java.net.http.HttpRequest.newBuilder(MOTO.endpoint())
            .header("Content-Type", "application/x-www-form-urlencoded")
            // Moto routes by the service in the credential scope and does not check the signature.
            .header(
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=testing/20261125/us-east-1/iam/aws4_request, "
                    + "SignedHeaders=host, Signature=0")
            .POST(
                java.net.http.HttpRequest.BodyPublishers.ofString(
                    "Action=CreateInstanceProfile&Version=2010-05-08&InstanceProfileName=" + name))
            .build();
    var response =
        java.net.http.HttpClient.newHttpClient()
            .send(request, java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), response.body());
  }

  @Test
  void build_launchAndShareSettings_reachEc2AsWritten() throws Exception {
    createInstanceProfile("eks-node-builder");
    try (BuildRig rig = new BuildRig(MOTO, tmp, EAST);
        Ec2Client east = MOTO.ec2(Region.of(EAST))) {
      Ec2Client west = rig.ec2();
      String subnet = west.describeSubnets().subnets().get(0).subnetId();
      // The newest image the template's filter would pick, named explicitly.
      String source =
          west
              .describeImages(
                  q ->
                      q.owners("137112412989")
                          .filters(
                              Filter.builder()
                                  .name("name")
                                  .values("amzn2-ami-minimal-hvm-*")
                                  .build(),
                              Filter.builder().name("architecture").values("x86_64").build()))
              .images()
              .stream()
              .max(Comparator.comparing(Image::creationDate))
              .orElseThrow()
              .imageId();
      rig.builder(
          Map.of(
              "user_data", "#!/bin/sh\necho built-by-ami-builder\n",
              "run_volume_tags", Map.of("team", "nodes"),
              "snapshot_tags", Map.of("backup", "weekly"),
              "ami_groups", List.of("all")));
      TestHome.Result r =
          rig.build(
              "ami_regions=" + EAST,
              "iam_instance_profile=eks-node-builder",
              "associate_public_ip_address=true",
              "subnet_id=" + subnet,
              "creator=alice",
              "source_ami_id=" + source);
      assertEquals(0, r.code(), r.out() + r.err());

      // Preflight runs its lookups in parallel, so the source lookup is found by its form (the
      // first that names an image id; the later ones wait for the new AMI and its copies), not
      // by its position among the DescribeImages calls.
      assertEquals(
          source,
          rig.proxy.requests("DescribeImages").stream()
              .map(q -> q.param("ImageId.1"))
              .filter(java.util.Objects::nonNull)
              .findFirst()
              .orElse(null),
          "explicit source_ami_id");
      assertEquals(1, rig.proxy.count("DescribeSubnets"), "subnet_id is checked in preflight");
      assertEquals(
          0, rig.proxy.count("DescribeVpcs"), "with subnet_id the default VPC is not needed");
      FaultProxy.Request run = rig.proxy.requests("RunInstances").get(0);
      assertEquals(source, run.param("ImageId"));
      assertEquals("required", run.param("MetadataOptions.HttpTokens"), "IMDSv2 required");
      assertEquals("eks-node-builder", run.param("IamInstanceProfile.Name"));
      assertEquals("true", run.param("NetworkInterface.1.AssociatePublicIpAddress"));
      assertEquals(subnet, run.param("NetworkInterface.1.SubnetId"));
      assertTrue(
          run.param("NetworkInterface.1.SecurityGroupId.1").startsWith("sg-"),
          run.params().toString());
      assertNull(run.param("SubnetId"), "the subnet goes with the network interface");
      assertEquals(
          "#!/bin/sh\necho built-by-ami-builder\n",
          new String(Base64.getDecoder().decode(run.param("UserData")), StandardCharsets.UTF_8));
      assertEquals(
          "alice", tagSpecification(run, "instance").get("creator"), run.params().toString());
      assertTrue(tagSpecification(run, "instance").containsKey("ami-builder:build-id"));
      assertEquals("nodes", tagSpecification(run, "volume").get("team"), run.params().toString());
      assertTrue(tagSpecification(run, "volume").containsKey("ami-builder:build-id"));

      // What moto made of it.
      Instance instance =
          west.describeInstances(
                  q ->
                      q.filters(
                          Filter.builder()
                              .name("tag:ami-builder:build-id")
                              .values(tagSpecification(run, "instance").get("ami-builder:build-id"))
                              .build()))
              .reservations()
              .get(0)
              .instances()
              .get(0);
      assertEquals(subnet, instance.subnetId());
      assertEquals("required", instance.metadataOptions().httpTokensAsString());

      List<FaultProxy.Request> shares = rig.proxy.requests("ModifyImageAttribute");
      assertEquals(
          List.of("us-east-1", "us-west-2"),
          shares.stream().map(FaultProxy.Request::region).sorted().toList());
      for (FaultProxy.Request share : shares) {
        assertEquals("all", share.param("LaunchPermission.Add.1.Group"), share.params().toString());
      }
      Image copy = Ec2BuildIT.onlyImage(east);
      List<String> snapshots = Images.snapshotsOf(copy);
      assertEquals(1, snapshots.size());
      for (Snapshot s : east.describeSnapshots(q -> q.snapshotIds(snapshots)).snapshots()) {
        Map<String, String> tags = Ec2BuildIT.tags(s.tags());
        assertEquals("weekly", tags.get("backup"), "snapshot tags in the copy region: " + tags);
        assertEquals("true", tags.get("ami-builder:complete"), tags.toString());
      }
    }
  }

  @Test
  void build_encryptedWithBuildRegionKey_copiesUseTheirRegionsDefaultKey() {
    try (BuildRig rig = new BuildRig(MOTO, tmp, EAST)) {
      TestHome.Result r =
          rig.build("ami_regions=" + EAST, "encrypted=true", "kms_key_id=" + WEST_KEY);
      assertEquals(0, r.code(), r.out() + r.err());
      Map<String, FaultProxy.Request> copies = new TreeMap<>();
      rig.proxy.requests("CopyImage").forEach(c -> copies.put(c.region(), c));
      assertEquals(List.of(EAST, BuildRig.REGION), List.copyOf(copies.keySet()));
      FaultProxy.Request inBuildRegion = copies.get(BuildRig.REGION);
      assertEquals("true", inBuildRegion.param("Encrypted"));
      assertEquals(WEST_KEY, inBuildRegion.param("KmsKeyId"));
      FaultProxy.Request inEast = copies.get(EAST);
      assertEquals("true", inEast.param("Encrypted"), inEast.params().toString());
      assertNull(
          inEast.param("KmsKeyId"),
          "a us-west-2 key must not be sent to us-east-1: " + inEast.params());
    }
  }

  /** A region's key may be named by id or by alias; either reaches that region's CopyImage. */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {EAST_KEY, "alias/team-ebs"})
  void build_encryptedWithRegionKeys_eachCopyGetsItsRegionsKey(String eastKey) {
    try (BuildRig rig = new BuildRig(MOTO, tmp, EAST)) {
      rig.builder(Map.of("region_kms_key_ids", Map.of(EAST, eastKey)));
      TestHome.Result r =
          rig.build("ami_regions=" + EAST, "encrypted=true", "kms_key_id=" + WEST_KEY);
      assertEquals(0, r.code(), r.out() + r.err());
      FaultProxy.Request inEast =
          rig.proxy.requests("CopyImage").stream()
              .filter(c -> c.region().equals(EAST))
              .findFirst()
              .orElseThrow();
      assertEquals("true", inEast.param("Encrypted"));
      assertEquals(eastKey, inEast.param("KmsKeyId"));
    }
  }
}
