package dev.eksnode.amibuilder.rig;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eksnode.amibuilder.rig.MotoState.Kind;
import dev.eksnode.amibuilder.rig.MotoState.Resource;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.InstanceType;
import software.amazon.awssdk.services.iam.IamClient;

class MotoStateIT {

  @RegisterExtension static final MotoExtension MOTO = new MotoExtension();

  @Test
  void diff_listsResourcesCreatedSinceBefore_andNothingOnceTheyAreRemoved() {
    try (Ec2Client east = MOTO.ec2(Region.US_EAST_1);
        Ec2Client west = MOTO.ec2(Region.US_WEST_2)) {
      MotoState before = MotoState.capture(east, west);

      String groupId =
          east.createSecurityGroup(r -> r.groupName("build-sg").description("d")).groupId();
      east.importKeyPair(
          r ->
              r.keyName("build-key")
                  .publicKeyMaterial(
                      software.amazon.awssdk.core.SdkBytes.fromUtf8String(
                          MotoRigIT.ed25519OpenSshPublicKey())));
      String volumeId = west.createVolume(r -> r.availabilityZone("us-west-2a").size(8)).volumeId();

      Set<Resource> leftovers = MotoState.capture(east, west).diff(before);
      assertEquals(
          Set.of(
              "us-east-1 SECURITY_GROUP " + groupId,
              "us-east-1 KEY_PAIR",
              "us-west-2 VOLUME " + volumeId),
          leftovers.stream().map(MotoStateIT::brief).collect(Collectors.toSet()));

      east.deleteSecurityGroup(r -> r.groupId(groupId));
      east.deleteKeyPair(r -> r.keyName("build-key"));
      west.deleteVolume(r -> r.volumeId(volumeId));
      assertEquals(Set.of(), MotoState.capture(east, west).diff(before));
    }
  }

  @Test
  void diff_listsIamRolesAndInstanceProfilesOnceWhateverTheRegions() {
    try (Ec2Client east = MOTO.ec2(Region.US_EAST_1);
        Ec2Client west = MOTO.ec2(Region.US_WEST_2);
        IamClient iam = MOTO.iam()) {
      MotoState before = MotoState.capture(east, west);

      iam.createRole(r -> r.roleName("build-role").path("/x/").assumeRolePolicyDocument("{}"));
      iam.createInstanceProfile(r -> r.instanceProfileName("build-profile"));

      assertEquals(
          Set.of(
              new Resource(MotoState.GLOBAL, Kind.IAM_ROLE, "build-role", "/x/"),
              new Resource(MotoState.GLOBAL, Kind.INSTANCE_PROFILE, "build-profile", "/")),
          MotoState.capture(east, west).diff(before));

      iam.deleteRole(r -> r.roleName("build-role"));
      iam.deleteInstanceProfile(r -> r.instanceProfileName("build-profile"));
      assertEquals(Set.of(), MotoState.capture(east, west).diff(before));
    }
  }

  @Test
  void diff_countsARunningInstanceButNotATerminatedOne() {
    try (Ec2Client ec2 = MOTO.ec2()) {
      String imageId = ec2.describeImages(r -> r.owners("amazon")).images().get(0).imageId();
      MotoState before = MotoState.capture(ec2);

      String instanceId =
          ec2.runInstances(
                  r ->
                      r.imageId(imageId)
                          .instanceType(InstanceType.T3_MICRO)
                          .minCount(1)
                          .maxCount(1))
              .instances()
              .get(0)
              .instanceId();

      List<Kind> kinds =
          MotoState.capture(ec2).diff(before).stream()
              .filter(resource -> resource.kind() == Kind.INSTANCE)
              .map(Resource::kind)
              .toList();
      assertEquals(List.of(Kind.INSTANCE), kinds);
      assertEquals(
          instanceId,
          MotoState.capture(ec2).diff(before).stream()
              .filter(resource -> resource.kind() == Kind.INSTANCE)
              .findFirst()
              .orElseThrow()
              .id());

      ec2.terminateInstances(r -> r.instanceIds(instanceId));
      assertEquals(Set.of(), MotoState.capture(ec2).diff(before));
    }
  }

  @Test
  void diff_seesAnImageAndItsSnapshotOwnedBySelf() {
    try (Ec2Client ec2 = MOTO.ec2()) {
      String imageId = ec2.describeImages(r -> r.owners("amazon")).images().get(0).imageId();
      String instanceId =
          ec2.runInstances(
                  r ->
                      r.imageId(imageId)
                          .instanceType(InstanceType.T3_MICRO)
                          .minCount(1)
                          .maxCount(1))
              .instances()
              .get(0)
              .instanceId();
      MotoState before = MotoState.capture(ec2);

      String amiId = ec2.createImage(r -> r.instanceId(instanceId).name("built")).imageId();

      Set<Kind> kinds =
          MotoState.capture(ec2).diff(before).stream()
              .map(Resource::kind)
              .collect(Collectors.toSet());
      assertEquals(true, kinds.contains(Kind.IMAGE), "kinds " + kinds);
      ec2.deregisterImage(r -> r.imageId(amiId));
      assertEquals(
          false,
          MotoState.capture(ec2).diff(before).stream()
              .anyMatch(resource -> resource.kind() == Kind.IMAGE));
    }
  }

  private static String brief(Resource resource) {
    return resource.kind() == Kind.KEY_PAIR
        ? resource.region() + " " + resource.kind()
        : resource.region() + " " + resource.kind() + " " + resource.id();
  }
}
