package dev.eksnode.amibuilder.rig;

import java.net.URI;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;
import software.amazon.awssdk.services.iam.IamClient;

/**
 * The EC2 and IAM resources a build may create, as moto holds them at one moment in one or more
 * regions. Tests capture it before a build and assert that nothing is left afterwards:
 *
 * <pre>
 * MotoState before = MotoState.capture(ec2);
 * ... run the build ...
 * assertEquals(Set.of(), MotoState.capture(ec2).diff(before));
 * </pre>
 */
public record MotoState(SortedSet<Resource> resources) {

  /**
   * Kinds of resource compared; instances count unless terminated, images and snapshots if owned by
   * self. IAM roles and instance profiles are global: their region reads {@value #GLOBAL}.
   */
  public enum Kind {
    INSTANCE,
    KEY_PAIR,
    SECURITY_GROUP,
    VOLUME,
    IMAGE,
    SNAPSHOT,
    IAM_ROLE,
    INSTANCE_PROFILE
  }

  /**
   * One resource; its text form reads like {@code us-east-1 KEY_PAIR key-0a1b (ami-builder-123)}.
   */
  public record Resource(String region, Kind kind, String id, String name)
      implements Comparable<Resource> {
    private static final Comparator<Resource> ORDER =
        Comparator.comparing(Resource::region)
            .thenComparing(Resource::kind)
            .thenComparing(Resource::id);

    @Override
    public int compareTo(Resource other) {
      return ORDER.compare(this, other);
    }

    @Override
    public String toString() {
      return region
          + " "
          + kind
          + " "
          + id
          + (name == null || name.isEmpty() ? "" : " (" + name + ")");
    }
  }

  /** The region of IAM resources in a capture. */
  public static final String GLOBAL = "global";

  public MotoState {
    resources = Collections.unmodifiableSortedSet(new TreeSet<>(resources));
  }

  /** Reads the resources from each client's region. */
  public static MotoState capture(Ec2Client... clients) {
    return capture(List.of(clients));
  }

  public static MotoState capture(List<Ec2Client> clients) {
    SortedSet<Resource> found = new TreeSet<>();
    for (Ec2Client ec2 : clients) {
      String region = ec2.serviceClientConfiguration().region().id();
      ec2.describeInstancesPaginator().reservations().stream()
          .flatMap(reservation -> reservation.instances().stream())
          .filter(instance -> instance.state().name() != InstanceStateName.TERMINATED)
          .forEach(
              instance ->
                  found.add(new Resource(region, Kind.INSTANCE, instance.instanceId(), "")));
      ec2.describeKeyPairs()
          .keyPairs()
          .forEach(
              key ->
                  found.add(new Resource(region, Kind.KEY_PAIR, key.keyPairId(), key.keyName())));
      // Every VPC comes with a "default" group that nobody creates or deletes.
      ec2.describeSecurityGroupsPaginator().securityGroups().stream()
          .filter(group -> !"default".equals(group.groupName()))
          .forEach(
              group ->
                  found.add(
                      new Resource(
                          region, Kind.SECURITY_GROUP, group.groupId(), group.groupName())));
      ec2.describeVolumesPaginator()
          .volumes()
          .forEach(volume -> found.add(new Resource(region, Kind.VOLUME, volume.volumeId(), "")));
      ec2.describeImages(request -> request.owners("self"))
          .images()
          .forEach(
              image -> found.add(new Resource(region, Kind.IMAGE, image.imageId(), image.name())));
      ec2.describeSnapshotsPaginator(request -> request.ownerIds("self"))
          .snapshots()
          .forEach(
              snapshot ->
                  found.add(new Resource(region, Kind.SNAPSHOT, snapshot.snapshotId(), "")));
    }
    if (!clients.isEmpty()) {
      captureIam(clients.get(0), found);
    }
    return new MotoState(found);
  }

  /** IAM is one per account, whatever the region: read it once, at the first client's endpoint. */
  private static void captureIam(Ec2Client ec2, SortedSet<Resource> found) {
    URI endpoint = ec2.serviceClientConfiguration().endpointOverride().orElse(null);
    if (endpoint == null) {
      return;
    }
    try (IamClient iam =
        MotoExtension.configure(IamClient.builder(), endpoint, Region.AWS_GLOBAL)) {
      iam.listRolesPaginator()
          .roles()
          .forEach(
              role -> found.add(new Resource(GLOBAL, Kind.IAM_ROLE, role.roleName(), role.path())));
      iam.listInstanceProfilesPaginator()
          .instanceProfiles()
          .forEach(
              profile ->
                  found.add(
                      new Resource(
                          GLOBAL,
                          Kind.INSTANCE_PROFILE,
                          profile.instanceProfileName(),
                          profile.path())));
    }
  }

  /**
   * What exists now and did not exist in {@code before}: the leftovers of whatever ran in between.
   */
  public SortedSet<Resource> diff(MotoState before) {
    SortedSet<Resource> added = new TreeSet<>(resources);
    added.removeAll(before.resources());
    return Collections.unmodifiableSortedSet(added);
  }
}
