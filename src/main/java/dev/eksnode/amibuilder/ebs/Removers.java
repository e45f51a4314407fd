package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.aws.AwsErrors;
import dev.eksnode.amibuilder.aws.Poller;
import dev.eksnode.amibuilder.aws.Tags;
import dev.eksnode.amibuilder.pipeline.Resource;
import dev.eksnode.amibuilder.pipeline.ResourceKind;
import dev.eksnode.amibuilder.pipeline.Retry;
import dev.eksnode.amibuilder.pipeline.TimeSource;
import dev.eksnode.amibuilder.pipeline.UndoReport;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Image;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.VolumeState;
import software.amazon.awssdk.services.iam.IamClient;

/**
 * One remover per kind of resource a build creates, used by the step undos and by {@code cleanup}
 * alike. A removal is idempotent (already gone is success), retried with the undo policy and
 * reported, never thrown. Removing an image also deletes its snapshots, and whatever goes with a
 * resource stays when the resource does.
 */
final class Removers {

  /** How one kind of resource is deleted, checked and found. */
  interface Remover {
    /**
     * Deletes it; "not found" counts as done. {@code notFoundUntilNanos}: see {@link
     * Instances#terminateAndWait}.
     */
    void delete(Ec2Client ec2, String id, long notFoundUntilNanos) throws Exception;

    /** Resources that go after this one and only once it is gone (an image's snapshots). */
    default List<Resource> companions(Ec2Client ec2, Resource resource) {
      return List.of();
    }

    /** Whether it still exists and is not a finished build's artifact; "not found" means no. */
    boolean stillThere(Ec2Client ec2, String id);

    /**
     * Whether it still exists marked {@link TagStep#COMPLETE}: the artifact {@link #stillThere}
     * leaves out. Only images and snapshots carry the marker.
     */
    default boolean markedComplete(Ec2Client ec2, String id) {
      return false;
    }

    /**
     * The ids of this kind matching {@code filter} whose tags {@code ours} accepts, artifacts
     * excluded.
     */
    List<String> discover(Ec2Client ec2, Filter filter, Predicate<List<Tag>> ours);
  }

  /**
   * How one kind of IAM resource is deleted, checked and found. IAM is global: the client is the
   * one of the resource's partition, and a search covers the whole partition.
   */
  interface IamRemover {
    /** Deletes it and what keeps IAM from deleting it; "not found" counts as done. */
    void delete(IamClient iam, String name) throws Exception;

    /** Whether it still exists; "not found" means no. */
    boolean stillThere(IamClient iam, String name);

    /**
     * The names of this kind under {@link InstanceProfileStep#PATH} whose build-id tag {@code
     * buildIds} accepts.
     */
    List<String> discover(IamClient iam, Predicate<String> buildIds);
  }

  /**
   * Dependency order: the instance holds the key pair, group and instance profile; the profile
   * holds the role; images hold snapshots; volumes go last.
   */
  static final List<ResourceKind> ORDER =
      List.of(
          ResourceKind.INSTANCE,
          ResourceKind.KEY_PAIR,
          ResourceKind.SECURITY_GROUP,
          ResourceKind.INSTANCE_PROFILE,
          ResourceKind.IAM_ROLE,
          ResourceKind.IMAGE,
          ResourceKind.SNAPSHOT,
          ResourceKind.VOLUME);

  private final Function<String, Ec2Client> clients;
  private final Function<String, IamClient> iamClients;
  private final Retry retry;
  private final Supplier<Poller> poller;
  private final TimeSource time;
  private final Map<ResourceKind, Remover> byKind = new LinkedHashMap<>();
  private final Map<ResourceKind, IamRemover> iamByKind = new LinkedHashMap<>();

  /**
   * @param clients the EC2 client of a region
   * @param iamClients the IAM client of a region's partition
   * @param poller a poller for the termination wait, not tied to the build's cancellation
   */
  Removers(
      Function<String, Ec2Client> clients,
      Function<String, IamClient> iamClients,
      Retry retry,
      Supplier<Poller> poller,
      TimeSource time) {
    this.clients = Objects.requireNonNull(clients, "clients");
    this.iamClients = Objects.requireNonNull(iamClients, "iamClients");
    this.retry = Objects.requireNonNull(retry, "retry");
    this.poller = Objects.requireNonNull(poller, "poller");
    this.time = Objects.requireNonNull(time, "time");
    byKind.put(ResourceKind.INSTANCE, new InstanceRemover());
    byKind.put(ResourceKind.KEY_PAIR, new KeyPairRemover());
    byKind.put(ResourceKind.SECURITY_GROUP, new SecurityGroupRemover());
    byKind.put(ResourceKind.IMAGE, new ImageRemover());
    byKind.put(ResourceKind.SNAPSHOT, new SnapshotRemover());
    byKind.put(ResourceKind.VOLUME, new VolumeRemover());
    iamByKind.put(ResourceKind.INSTANCE_PROFILE, new InstanceProfileRemover());
    iamByKind.put(ResourceKind.IAM_ROLE, new RoleRemover());
  }

  /** Whether {@code kind} lives in IAM, once per partition rather than per region. */
  static boolean global(ResourceKind kind) {
    return kind.equals(ResourceKind.IAM_ROLE) || kind.equals(ResourceKind.INSTANCE_PROFILE);
  }

  Retry retry() {
    return retry;
  }

  /**
   * Removes {@code resource} and what goes with it, reporting each; {@code true} if the resource is
   * gone.
   */
  boolean remove(Resource resource, UndoReport report) {
    return remove(resource, List.of(), time.nanoTime(), report);
  }

  /**
   * As {@link #remove(Resource, UndoReport)}, with companions the caller knows of (an instance's
   * volumes, an image's snapshots it recorded) and when the resource was created or last seen (a
   * {@link TimeSource#nanoTime} value): for a while after that, EC2 may answer "not found" for a
   * resource that exists.
   */
  boolean remove(
      Resource resource, Collection<Resource> known, long seenAtNanos, UndoReport report) {
    IamRemover iamRemover = iamByKind.get(resource.kind());
    if (iamRemover != null) {
      return report.remove(
          resource,
          retry,
          () -> iamRemover.delete(iamClients.apply(resource.region()), resource.id()));
    }
    Remover remover = byKind.get(resource.kind());
    if (remover == null) {
      report.leftover(resource, "ami-builder does not know how to remove a " + resource.kind());
      return false;
    }
    Ec2Client ec2 = clients.apply(resource.region());
    Set<Resource> companions = new LinkedHashSet<>(known);
    try {
      companions.addAll(
          retry.call("list what goes with " + resource, () -> remover.companions(ec2, resource)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      // The removal works without the list; the journal and the tags still name the companions for
      // cleanup.
    }
    long notFoundUntil = seenAtNanos + Instances.NOT_FOUND_GRACE.toNanos();
    AtomicBoolean unconfirmed = new AtomicBoolean();
    boolean gone =
        report.remove(
            resource,
            retry,
            () -> {
              try {
                remover.delete(ec2, resource.id(), notFoundUntil);
              } catch (TerminationUnconfirmedException e) {
                unconfirmed.set(true);
                throw e;
              }
            });
    for (Resource companion : companions) {
      if (report.wasRemoved(companion)) {
        continue;
      }
      if (!gone) {
        report.leftover(
            companion,
            "its "
                + resource.kind()
                + " "
                + resource.id()
                + (unconfirmed.get()
                    ? " is not confirmed removed, so neither is this"
                    : " could not be removed"));
        continue;
      }
      remove(companion, report);
    }
    return gone;
  }

  /**
   * Whether a journaled resource still exists (and is not a finished artifact); unknown kinds count
   * as there.
   */
  /** See {@link Remover#markedComplete}; false for kinds without the marker. */
  boolean markedComplete(Resource resource) {
    Remover remover = byKind.get(resource.kind());
    return remover != null
        && remover.markedComplete(clients.apply(resource.region()), resource.id());
  }

  boolean stillThere(Resource resource) {
    IamRemover iamRemover = iamByKind.get(resource.kind());
    if (iamRemover != null) {
      return iamRemover.stillThere(iamClients.apply(resource.region()), resource.id());
    }
    Remover remover = byKind.get(resource.kind());
    return remover == null || remover.stillThere(clients.apply(resource.region()), resource.id());
  }

  /**
   * Everything in {@code region} matching {@code filter} and tagged with an accepted build id,
   * artifacts excluded.
   */
  List<Resource> discover(String region, Filter filter, Predicate<String> buildIds) {
    Ec2Client ec2 = clients.apply(region);
    Predicate<List<Tag>> ours =
        tags ->
            tags.stream().anyMatch(t -> Tags.BUILD_ID.equals(t.key()) && buildIds.test(t.value()));
    Set<Resource> result = new LinkedHashSet<>();
    byKind.forEach(
        (kind, remover) ->
            remover
                .discover(ec2, filter, ours)
                .forEach(id -> result.add(new Resource(kind, id, region))));
    return List.copyOf(result);
  }

  /**
   * The IAM roles and instance profiles of the accepted builds in {@code region}'s partition, as
   * resources of {@code region}.
   */
  List<Resource> discoverIam(String region, Predicate<String> buildIds) {
    IamClient iam = iamClients.apply(region);
    Set<Resource> result = new LinkedHashSet<>();
    iamByKind.forEach(
        (kind, remover) ->
            remover
                .discover(iam, buildIds)
                .forEach(name -> result.add(new Resource(kind, name, region))));
    return List.copyOf(result);
  }

  static boolean complete(List<Tag> tags) {
    return tags.stream()
        .anyMatch(t -> TagStep.COMPLETE.equals(t.key()) && "true".equals(t.value()));
  }

  private static boolean present(Supplier<Boolean> check) {
    try {
      return check.get();
    } catch (RuntimeException e) {
      if (AwsErrors.isNotFound(e)) {
        return false;
      }
      throw e;
    }
  }

  private final class InstanceRemover implements Remover {
    @Override
    public void delete(Ec2Client ec2, String id, long notFoundUntilNanos)
        throws InterruptedException {
      Instances.terminateAndWait(ec2, id, poller.get(), time, notFoundUntilNanos);
    }

    @Override
    public boolean stillThere(Ec2Client ec2, String id) {
      var instance = Instances.describe(ec2, id);
      return instance != null && instance.state().name() != InstanceStateName.TERMINATED;
    }

    @Override
    public List<String> discover(Ec2Client ec2, Filter filter, Predicate<List<Tag>> ours) {
      return ec2.describeInstancesPaginator(q -> q.filters(filter)).reservations().stream()
          .flatMap(r -> r.instances().stream())
          .filter(i -> i.state().name() != InstanceStateName.TERMINATED && ours.test(i.tags()))
          .map(i -> i.instanceId())
          .toList();
    }
  }

  private static final class KeyPairRemover implements Remover {
    @Override
    public void delete(Ec2Client ec2, String name, long notFoundUntilNanos) throws Exception {
      AwsErrors.ignoringNotFound(() -> ec2.deleteKeyPair(q -> q.keyName(name))).run();
    }

    @Override
    public boolean stillThere(Ec2Client ec2, String name) {
      return present(() -> !ec2.describeKeyPairs(q -> q.keyNames(name)).keyPairs().isEmpty());
    }

    @Override
    public List<String> discover(Ec2Client ec2, Filter filter, Predicate<List<Tag>> ours) {
      return ec2.describeKeyPairs(q -> q.filters(filter)).keyPairs().stream()
          .filter(k -> ours.test(k.tags()))
          .map(k -> k.keyName())
          .toList();
    }
  }

  private static final class SecurityGroupRemover implements Remover {
    @Override
    public void delete(Ec2Client ec2, String id, long notFoundUntilNanos) throws Exception {
      // DependencyViolation while the instance still shuts down is retried by the undo policy.
      AwsErrors.ignoringNotFound(() -> ec2.deleteSecurityGroup(q -> q.groupId(id))).run();
    }

    @Override
    public boolean stillThere(Ec2Client ec2, String id) {
      return present(
          () -> !ec2.describeSecurityGroups(q -> q.groupIds(id)).securityGroups().isEmpty());
    }

    @Override
    public List<String> discover(Ec2Client ec2, Filter filter, Predicate<List<Tag>> ours) {
      return ec2.describeSecurityGroups(q -> q.filters(filter)).securityGroups().stream()
          .filter(g -> ours.test(g.tags()))
          .map(g -> g.groupId())
          .toList();
    }
  }

  private static final class ImageRemover implements Remover {
    @Override
    public void delete(Ec2Client ec2, String id, long notFoundUntilNanos) throws Exception {
      try {
        AwsErrors.ignoringNotFound(() -> ec2.deregisterImage(q -> q.imageId(id))).run();
      } catch (RuntimeException e) {
        // EC2 answers a DeregisterImage of an image already deregistered (an SDK retry after a lost
        // answer, a second undo) with "no longer available": gone, once DescribeImages agrees.
        if (!"InvalidAMIID.Unavailable".equals(AwsErrors.errorCode(e).orElse(""))) {
          throw e;
        }
        Image image = Images.describe(ec2, id);
        if (image != null && !"deregistered".equals(image.stateAsString())) {
          throw e;
        }
      }
    }

    @Override
    public List<Resource> companions(Ec2Client ec2, Resource image) {
      return Images.snapshotsOf(Images.describe(ec2, image.id())).stream()
          .map(s -> new Resource(ResourceKind.SNAPSHOT, s, image.region()))
          .toList();
    }

    @Override
    public boolean stillThere(Ec2Client ec2, String id) {
      Image image = live(ec2, id);
      return image != null && !complete(image.tags());
    }

    @Override
    public boolean markedComplete(Ec2Client ec2, String id) {
      Image image = live(ec2, id);
      return image != null && complete(image.tags());
    }

    /** The image, or null when it is gone (or on its way out: deregistered). */
    private static Image live(Ec2Client ec2, String id) {
      Image image = Images.describe(ec2, id);
      return image == null || "deregistered".equals(image.stateAsString()) ? null : image;
    }

    @Override
    public List<String> discover(Ec2Client ec2, Filter filter, Predicate<List<Tag>> ours) {
      return ec2.describeImages(q -> q.owners("self").filters(filter)).images().stream()
          .filter(i -> ours.test(i.tags()) && !complete(i.tags()))
          .map(i -> i.imageId())
          .toList();
    }
  }

  private static final class SnapshotRemover implements Remover {
    @Override
    public void delete(Ec2Client ec2, String id, long notFoundUntilNanos) throws Exception {
      AwsErrors.ignoringNotFound(() -> ec2.deleteSnapshot(q -> q.snapshotId(id))).run();
    }

    @Override
    public boolean stillThere(Ec2Client ec2, String id) {
      return exists(ec2, id, tags -> !complete(tags));
    }

    @Override
    public boolean markedComplete(Ec2Client ec2, String id) {
      return exists(ec2, id, Removers::complete);
    }

    /** Whether the snapshot exists with tags {@code accepted} accepts; "not found" means no. */
    private static boolean exists(Ec2Client ec2, String id, Predicate<List<Tag>> accepted) {
      return present(
          () ->
              ec2.describeSnapshots(q -> q.snapshotIds(id)).snapshots().stream()
                  .anyMatch(s -> accepted.test(s.tags())));
    }

    @Override
    public List<String> discover(Ec2Client ec2, Filter filter, Predicate<List<Tag>> ours) {
      return ec2.describeSnapshots(q -> q.ownerIds("self").filters(filter)).snapshots().stream()
          .filter(s -> ours.test(s.tags()) && !complete(s.tags()))
          .map(s -> s.snapshotId())
          .toList();
    }
  }

  private static final class VolumeRemover implements Remover {
    @Override
    public void delete(Ec2Client ec2, String id, long notFoundUntilNanos) throws Exception {
      // delete_on_termination volumes go with their instance: only one still there is deleted, so a
      // policy without ec2:DeleteVolume does not turn a clean build into "cleanup incomplete".
      AwsErrors.ignoringNotFound(
              () -> {
                if (mayBeThere(ec2, id)) {
                  ec2.deleteVolume(q -> q.volumeId(id));
                }
              })
          .run();
    }

    /**
     * Whether the volume may still be there. A refused DescribeVolumes leaves that open; then the
     * DeleteVolume itself settles it (NotFound: gone with its instance) instead of the volume being
     * reported as left over when it most likely is not.
     */
    private static boolean mayBeThere(Ec2Client ec2, String id) {
      try {
        return ec2.describeVolumes(q -> q.volumeIds(id)).volumes().stream()
            .anyMatch(v -> v.state() != VolumeState.DELETING && v.state() != VolumeState.DELETED);
      } catch (RuntimeException e) {
        if (AwsErrors.isNotFound(e) || AwsErrors.isRetryableForUndo(e)) {
          throw e;
        }
        return true;
      }
    }

    @Override
    public boolean stillThere(Ec2Client ec2, String id) {
      return present(() -> !ec2.describeVolumes(q -> q.volumeIds(id)).volumes().isEmpty());
    }

    @Override
    public List<String> discover(Ec2Client ec2, Filter filter, Predicate<List<Tag>> ours) {
      return ec2.describeVolumes(q -> q.filters(filter)).volumes().stream()
          .filter(v -> ours.test(v.tags()))
          .map(v -> v.volumeId())
          .toList();
    }
  }

  private static boolean ours(
      List<software.amazon.awssdk.services.iam.model.Tag> tags, Predicate<String> buildIds) {
    return tags.stream().anyMatch(t -> Tags.BUILD_ID.equals(t.key()) && buildIds.test(t.value()));
  }

  /** Only what carries the tool's name under its path is looked at further. */
  private static boolean candidate(String path, String name) {
    return path != null
        && path.startsWith(InstanceProfileStep.PATH)
        && name.startsWith(InstanceProfileStep.NAME_PREFIX);
  }

  private static final class RoleRemover implements IamRemover {
    @Override
    public void delete(IamClient iam, String name) throws Exception {
      // IAM deletes a role only without policies and outside every instance profile; the build
      // puts one inline policy on it, and its profile may not be gone yet.
      AwsErrors.ignoringNotFound(
              () -> {
                for (String policy :
                    iam.listRolePoliciesPaginator(q -> q.roleName(name)).policyNames()) {
                  AwsErrors.ignoringNotFound(
                          () -> iam.deleteRolePolicy(q -> q.roleName(name).policyName(policy)))
                      .run();
                }
                for (var attached :
                    iam.listAttachedRolePoliciesPaginator(q -> q.roleName(name))
                        .attachedPolicies()) {
                  AwsErrors.ignoringNotFound(
                          () ->
                              iam.detachRolePolicy(
                                  q -> q.roleName(name).policyArn(attached.policyArn())))
                      .run();
                }
                for (var profile :
                    iam.listInstanceProfilesForRolePaginator(q -> q.roleName(name))
                        .instanceProfiles()) {
                  AwsErrors.ignoringNotFound(
                          () ->
                              iam.removeRoleFromInstanceProfile(
                                  q ->
                                      q.instanceProfileName(profile.instanceProfileName())
                                          .roleName(name)))
                      .run();
                }
                iam.deleteRole(q -> q.roleName(name));
              })
          .run();
    }

    @Override
    public boolean stillThere(IamClient iam, String name) {
      return present(() -> iam.getRole(q -> q.roleName(name)).role() != null);
    }

    @Override
    public List<String> discover(IamClient iam, Predicate<String> buildIds) {
      // ListRoles leaves the tags out; GetRole has them.
      return iam.listRolesPaginator(q -> q.pathPrefix(InstanceProfileStep.PATH)).roles().stream()
          .filter(r -> candidate(r.path(), r.roleName()))
          .map(r -> r.roleName())
          .filter(
              name ->
                  present(() -> ours(iam.getRole(q -> q.roleName(name)).role().tags(), buildIds)))
          .toList();
    }
  }

  private static final class InstanceProfileRemover implements IamRemover {
    @Override
    public void delete(IamClient iam, String name) throws Exception {
      // IAM deletes a profile only once it holds no role.
      AwsErrors.ignoringNotFound(
              () -> {
                var profile =
                    iam.getInstanceProfile(q -> q.instanceProfileName(name)).instanceProfile();
                for (var role : profile.roles()) {
                  AwsErrors.ignoringNotFound(
                          () ->
                              iam.removeRoleFromInstanceProfile(
                                  q -> q.instanceProfileName(name).roleName(role.roleName())))
                      .run();
                }
                iam.deleteInstanceProfile(q -> q.instanceProfileName(name));
              })
          .run();
    }

    @Override
    public boolean stillThere(IamClient iam, String name) {
      return present(
          () -> iam.getInstanceProfile(q -> q.instanceProfileName(name)).instanceProfile() != null);
    }

    @Override
    public List<String> discover(IamClient iam, Predicate<String> buildIds) {
      // ListInstanceProfiles leaves the tags out; GetInstanceProfile has them.
      return iam
          .listInstanceProfilesPaginator(q -> q.pathPrefix(InstanceProfileStep.PATH))
          .instanceProfiles()
          .stream()
          .filter(p -> candidate(p.path(), p.instanceProfileName()))
          .map(p -> p.instanceProfileName())
          .filter(
              name ->
                  present(
                      () ->
                          ours(
                              iam.getInstanceProfile(q -> q.instanceProfileName(name))
                                  .instanceProfile()
                                  .tags(),
                              buildIds)))
          .toList();
    }
  }
}
