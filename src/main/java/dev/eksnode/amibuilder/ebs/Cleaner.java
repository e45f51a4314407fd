package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.aws.AwsClientFactory;
import dev.eksnode.amibuilder.aws.AwsErrors;
import dev.eksnode.amibuilder.aws.Poller;
import dev.eksnode.amibuilder.aws.Tags;
import dev.eksnode.amibuilder.pipeline.BuildId;
import dev.eksnode.amibuilder.pipeline.Cancellation;
import dev.eksnode.amibuilder.pipeline.Resource;
import dev.eksnode.amibuilder.pipeline.ResourceKind;
import dev.eksnode.amibuilder.pipeline.ResourceLedger;
import dev.eksnode.amibuilder.pipeline.Retry;
import dev.eksnode.amibuilder.pipeline.TimeSource;
import dev.eksnode.amibuilder.pipeline.UndoReport;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Image;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;
import software.amazon.awssdk.services.ec2.model.Tag;

/**
 * Finishes what builds left behind: finds their resources by the build-id tag and by the journal, removes them in
 * dependency order (instances, key pairs, security groups, unfinished images with their snapshots, snapshots,
 * volumes), then looks again and reports what is still there. An image tagged {@link TagStep#COMPLETE} belongs
 * to a finished build and is never touched.
 */
public final class Cleaner {
  private static final Logger log = LoggerFactory.getLogger(Cleaner.class);

  /** What a cleanup found, removed, and could not remove. */
  public record Report(List<Resource> found, List<Resource> removed, List<Resource> remaining) {
    public Report {
      found = List.copyOf(found);
      removed = List.copyOf(removed);
      remaining = List.copyOf(remaining);
    }

    public boolean clean() {
      return remaining.isEmpty();
    }
  }

  private final AwsClientFactory aws;
  private final BuildTuning tuning;

  public Cleaner(AwsClientFactory aws, BuildTuning tuning) {
    this.aws = Objects.requireNonNull(aws, "aws");
    this.tuning = Objects.requireNonNull(tuning, "tuning");
  }

  /**
   * Cleans one build in {@code regions}: everything tagged with its id, plus {@code journaled} resources the tags
   * miss. Removals are forwarded to {@code ledger} (the build's journal when there is one).
   */
  public Report cleanBuild(BuildId buildId, Collection<String> regions, Collection<Resource> journaled,
      boolean dryRun, ResourceLedger ledger) {
    Filter filter = Tags.buildIdFilter(buildId.value());
    return clean(regions, filter, id -> buildId.value().equals(id), journaled, dryRun, ledger);
  }

  /** Cleans every build older than {@code age} (by the start time in its id) in {@code regions}. */
  public Report cleanOlderThan(Duration age, Instant now, Collection<String> regions, boolean dryRun) {
    Instant cutoff = now.minus(age);
    Predicate<String> old = id -> {
      try {
        return BuildId.parse(id).startedAt().isBefore(cutoff);
      } catch (RuntimeException e) {
        return false;
      }
    };
    return clean(regions, Tags.createdByToolFilter(), old, List.of(), dryRun, ResourceLedger.none());
  }

  private Report clean(Collection<String> regions, Filter filter, Predicate<String> buildIds,
      Collection<Resource> journaled, boolean dryRun, ResourceLedger ledger) {
    Set<Resource> found = new LinkedHashSet<>();
    for (String region : regions) {
      found.addAll(discover(region, filter, buildIds, journaled));
    }
    if (dryRun) {
      return new Report(List.copyOf(found), List.of(), List.copyOf(found));
    }
    List<Resource> removed = new ArrayList<>();
    ResourceLedger recording = new ResourceLedger() {
      @Override
      public void created(Resource resource) {}

      @Override
      public synchronized void removed(Resource resource) {
        removed.add(resource);
        try {
          ledger.removed(resource);
        } catch (RuntimeException e) {
          log.warn("Could not update the journal for {}: {}", resource, e.getMessage());
        }
      }

      @Override
      public List<Resource> live() {
        return List.of();
      }
    };
    UndoReport report = new UndoReport(recording);
    Retry retry = tuning.undo();
    for (ResourceKind kind : List.of(ResourceKind.INSTANCE, ResourceKind.KEY_PAIR, ResourceKind.SECURITY_GROUP,
        ResourceKind.IMAGE, ResourceKind.SNAPSHOT, ResourceKind.VOLUME)) {
      for (Resource r : found) {
        if (r.kind().equals(kind) && !report.wasRemoved(r)) {
          remove(r, retry, report);
        }
      }
    }
    Set<Resource> remaining = new LinkedHashSet<>();
    for (String region : regions) {
      remaining.addAll(discover(region, filter, buildIds, journaled));
    }
    return new Report(List.copyOf(found), removed, List.copyOf(remaining));
  }

  private void remove(Resource r, Retry retry, UndoReport report) {
    Ec2Client ec2 = aws.ec2(r.region());
    String id = r.id();
    switch (r.kind().name()) {
      case "INSTANCE" -> report.remove(r, retry, () -> terminateAndWait(ec2, id));
      case "KEY_PAIR" -> report.remove(r, retry, AwsErrors.ignoringNotFound(
          () -> ec2.deleteKeyPair(q -> q.keyName(id))));
      case "SECURITY_GROUP" -> report.remove(r, retry, AwsErrors.ignoringNotFound(
          () -> ec2.deleteSecurityGroup(q -> q.groupId(id))));
      case "IMAGE" -> Images.remove(ec2, r.region(), id, List.of(), retry, report);
      case "SNAPSHOT" -> report.remove(r, retry, AwsErrors.ignoringNotFound(
          () -> ec2.deleteSnapshot(q -> q.snapshotId(id))));
      case "VOLUME" -> report.remove(r, retry, AwsErrors.ignoringNotFound(
          () -> ec2.deleteVolume(q -> q.volumeId(id))));
      default -> report.leftover(r, "ami-builder does not know how to remove a " + r.kind());
    }
  }

  private void terminateAndWait(Ec2Client ec2, String id) throws InterruptedException {
    Poller poller = new Poller(tuning.pollSchedule() != null ? tuning.pollSchedule() : Poller.Schedule.responsive(),
        TimeSource.system(), Cancellation.create());
    // The sweep has just seen the instance, so a NotFound now is a stale read for a while.
    Instances.terminateAndWait(ec2, id, poller, System.nanoTime() + Instances.NOT_FOUND_GRACE.toNanos());
  }

  private static InstanceStateName instanceState(Ec2Client ec2, String id) {
    Instance instance = Instances.describe(ec2, id);
    return instance == null ? null : instance.state().name();
  }

  /** Everything of the selected builds in one region that still exists and is not a finished artifact. */
  private List<Resource> discover(String region, Filter filter, Predicate<String> buildIds,
      Collection<Resource> journaled) {
    Ec2Client ec2 = aws.ec2(region);
    Set<Resource> result = new LinkedHashSet<>();
    ec2.describeInstancesPaginator(q -> q.filters(filter)).reservations().stream()
        .flatMap(res -> res.instances().stream())
        .filter(i -> i.state().name() != InstanceStateName.TERMINATED && ours(i.tags(), buildIds))
        .forEach(i -> result.add(new Resource(ResourceKind.INSTANCE, i.instanceId(), region)));
    ec2.describeKeyPairs(q -> q.filters(filter)).keyPairs().stream().filter(k -> ours(k.tags(), buildIds))
        .forEach(k -> result.add(new Resource(ResourceKind.KEY_PAIR, k.keyName(), region)));
    ec2.describeSecurityGroups(q -> q.filters(filter)).securityGroups().stream()
        .filter(g -> ours(g.tags(), buildIds))
        .forEach(g -> result.add(new Resource(ResourceKind.SECURITY_GROUP, g.groupId(), region)));
    ec2.describeImages(q -> q.owners("self").filters(filter)).images().stream()
        .filter(i -> ours(i.tags(), buildIds) && !complete(i.tags()))
        .forEach(i -> result.add(new Resource(ResourceKind.IMAGE, i.imageId(), region)));
    ec2.describeSnapshots(q -> q.ownerIds("self").filters(filter)).snapshots().stream()
        .filter(s -> ours(s.tags(), buildIds) && !complete(s.tags()))
        .forEach(s -> result.add(new Resource(ResourceKind.SNAPSHOT, s.snapshotId(), region)));
    ec2.describeVolumes(q -> q.filters(filter)).volumes().stream().filter(v -> ours(v.tags(), buildIds))
        .forEach(v -> result.add(new Resource(ResourceKind.VOLUME, v.volumeId(), region)));
    for (Resource r : journaled) {
      if (r.region().equals(region) && !result.contains(r) && stillThere(ec2, r)) {
        result.add(r);
      }
    }
    return new ArrayList<>(result);
  }

  /** Whether a journaled resource the tag sweep did not see still exists (and is not a finished artifact). */
  private static boolean stillThere(Ec2Client ec2, Resource r) {
    String id = r.id();
    Boolean there = switch (r.kind().name()) {
      case "INSTANCE" -> orNullWhenGone(() -> {
        InstanceStateName s = instanceState(ec2, id);
        return s != null && s != InstanceStateName.TERMINATED;
      });
      case "KEY_PAIR" -> orNullWhenGone(() -> !ec2.describeKeyPairs(q -> q.keyNames(id)).keyPairs().isEmpty());
      case "SECURITY_GROUP" -> orNullWhenGone(
          () -> !ec2.describeSecurityGroups(q -> q.groupIds(id)).securityGroups().isEmpty());
      case "IMAGE" -> {
        Image image = Images.describe(ec2, id);
        yield image != null && !"deregistered".equals(image.stateAsString()) && !complete(image.tags());
      }
      case "SNAPSHOT" -> orNullWhenGone(() -> ec2.describeSnapshots(q -> q.snapshotIds(id)).snapshots().stream()
          .anyMatch(s -> !complete(s.tags())));
      case "VOLUME" -> orNullWhenGone(() -> !ec2.describeVolumes(q -> q.volumeIds(id)).volumes().isEmpty());
      default -> true;
    };
    return Boolean.TRUE.equals(there);
  }

  private static <T> T orNullWhenGone(Supplier<T> call) {
    try {
      return call.get();
    } catch (RuntimeException e) {
      if (AwsErrors.isNotFound(e)) {
        return null;
      }
      throw e;
    }
  }

  private static boolean ours(List<Tag> tags, Predicate<String> buildIds) {
    return tags.stream().anyMatch(t -> Tags.BUILD_ID.equals(t.key()) && buildIds.test(t.value()));
  }

  private static boolean complete(List<Tag> tags) {
    return tags.stream().anyMatch(t -> TagStep.COMPLETE.equals(t.key()) && "true".equals(t.value()));
  }
}
