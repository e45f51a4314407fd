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
import dev.eksnode.amibuilder.pipeline.TimeSource;
import dev.eksnode.amibuilder.pipeline.UndoReport;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.ec2.model.Filter;

/**
 * Finishes what builds left behind: finds their resources by the build-id tag and by the journal,
 * removes them in dependency order (instances, key pairs, security groups, instance profiles, IAM
 * roles, unfinished images with their snapshots, snapshots, volumes) with the same {@link Removers}
 * the step undos use, then looks again and reports what is still there. An image tagged {@link
 * TagStep#COMPLETE} belongs to a finished build and is never touched, unless the build's own
 * journal says it did not succeed (see {@link #cleanBuild(BuildId, Collection, Collection, boolean,
 * boolean, ResourceLedger)}).
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

  private final TimeSource time;
  private final Consumer<String> warnings;

  /** Whether the user has heard that IAM refused the search (once is enough). */
  private boolean iamSearchRefused;

  public Cleaner(AwsClientFactory aws, BuildTuning tuning) {
    this(aws, tuning, TimeSource.system());
  }

  public Cleaner(AwsClientFactory aws, BuildTuning tuning, TimeSource time) {
    this(aws, tuning, time, message -> log.warn("{}", message));
  }

  /**
   * @param warnings hears what the user should know about the search (an IAM search refused)
   */
  public Cleaner(
      AwsClientFactory aws, BuildTuning tuning, TimeSource time, Consumer<String> warnings) {
    this.aws = Objects.requireNonNull(aws, "aws");
    this.tuning = Objects.requireNonNull(tuning, "tuning");
    this.time = Objects.requireNonNull(time, "time");
    this.warnings = Objects.requireNonNull(warnings, "warnings");
  }

  /**
   * Cleans one build in {@code regions}: everything tagged with its id, plus {@code journaled}
   * resources the tags miss. Removals are forwarded to {@code ledger} (the build's journal when
   * there is one).
   */
  public Report cleanBuild(
      BuildId buildId,
      Collection<String> regions,
      Collection<Resource> journaled,
      boolean dryRun,
      ResourceLedger ledger) {
    return cleanBuild(buildId, regions, journaled, false, dryRun, ledger);
  }

  /**
   * As above; with {@code unfinished} (its journal says the build never succeeded: it was killed,
   * failed or was cancelled), the journaled images and snapshots are no finished artifacts even if
   * they carry {@value TagStep#COMPLETE}: a build stopped during its tag step leaves the marker on
   * some regions' AMIs only, and one whose undo could not take the marker back leaves it on all.
   * The marker is taken off them first, so they are removed like any other image.
   */
  public Report cleanBuild(
      BuildId buildId,
      Collection<String> regions,
      Collection<Resource> journaled,
      boolean unfinished,
      boolean dryRun,
      ResourceLedger ledger) {
    List<Resource> marked = List.of();
    if (unfinished) {
      marked = stillMarked(journaled);
      if (!dryRun) {
        marked = unmark(buildId, marked);
      }
    }
    Filter filter = Tags.buildIdFilter(buildId.value());
    Report report =
        clean(regions, filter, id -> buildId.value().equals(id), journaled, dryRun, ledger);
    if (marked.isEmpty()) {
      return report;
    }
    // A dry run lists them as what a cleanup would remove; a marker that could not be taken off
    // keeps its image, which is then reported as remaining.
    Set<Resource> found = new LinkedHashSet<>(report.found());
    found.addAll(marked);
    Set<Resource> remaining = new LinkedHashSet<>(report.remaining());
    remaining.addAll(marked);
    return new Report(List.copyOf(found), report.removed(), List.copyOf(remaining));
  }

  /** The journaled images and snapshots that still exist with {@value TagStep#COMPLETE}=true. */
  private List<Resource> stillMarked(Collection<Resource> journaled) {
    Removers removers = removers();
    return journaled.stream().filter(removers::markedComplete).toList();
  }

  /** Takes the marker off each of {@code marked}; returns those it could not take it off. */
  private List<Resource> unmark(BuildId buildId, List<Resource> marked) {
    List<Resource> failed = new ArrayList<>();
    for (Resource r : marked) {
      warnings.accept(
          "build "
              + buildId
              + " did not succeed, so "
              + r.id()
              + " ("
              + r.region()
              + ") is no finished artifact despite its "
              + TagStep.COMPLETE
              + " tag; removing it");
      try {
        TagStep.unmark(aws.ec2(r.region()), tuning.undo(), List.of(r.id()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        failed.add(r);
      } catch (Exception e) {
        log.warn("Could not remove the {} tag from {}: {}", TagStep.COMPLETE, r, e.getMessage());
        failed.add(r);
      }
    }
    return failed;
  }

  /** Cleans every build older than {@code age} (by the start time in its id) in {@code regions}. */
  public Report cleanOlderThan(
      Duration age, Instant now, Collection<String> regions, boolean dryRun) {
    Instant cutoff = now.minus(age);
    Predicate<String> old =
        id -> {
          try {
            return BuildId.parse(id).startedAt().isBefore(cutoff);
          } catch (RuntimeException e) {
            return false;
          }
        };
    return clean(
        regions, Tags.createdByToolFilter(), old, List.of(), dryRun, ResourceLedger.none());
  }

  private Report clean(
      Collection<String> regions,
      Filter filter,
      Predicate<String> buildIds,
      Collection<Resource> journaled,
      boolean dryRun,
      ResourceLedger ledger) {
    Removers removers = removers();
    Set<Resource> found =
        new LinkedHashSet<>(discover(removers, regions, filter, buildIds, journaled));
    if (dryRun) {
      return new Report(List.copyOf(found), List.of(), List.copyOf(found));
    }
    List<Resource> removed = new ArrayList<>();
    ResourceLedger recording =
        new ResourceLedger() {
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
    for (ResourceKind kind : Removers.ORDER) {
      for (Resource r : found) {
        if (r.kind().equals(kind) && !report.wasRemoved(r)) {
          // The sweep has just seen it, so a "not found" now is a stale read for a while.
          removers.remove(r, report);
        }
      }
    }
    List<Resource> remaining = discover(removers, regions, filter, buildIds, journaled);
    return new Report(List.copyOf(found), removed, remaining);
  }

  private Removers removers() {
    return new Removers(
        aws::ec2,
        aws::iam,
        tuning.undo(),
        () ->
            new Poller(
                tuning.pollSchedule() != null
                    ? tuning.pollSchedule()
                    : Poller.Schedule.responsive(),
                time,
                Cancellation.create()),
        time);
  }

  /**
   * Everything of the selected builds in {@code regions} that still exists and is not a finished
   * artifact. IAM is global, so its roles and instance profiles are searched once per partition,
   * under the first region of that partition, and a journaled one is not counted twice.
   */
  private List<Resource> discover(
      Removers removers,
      Collection<String> regions,
      Filter filter,
      Predicate<String> buildIds,
      Collection<Resource> journaled) {
    Set<Resource> result = new LinkedHashSet<>();
    Set<String> partitions = new HashSet<>();
    for (String region : regions) {
      result.addAll(removers.discover(region, filter, buildIds));
      if (partitions.add(AwsClientFactory.iamRegion(region))) {
        result.addAll(discoverIam(removers, region, buildIds));
      }
      for (Resource r : journaled) {
        boolean seen =
            result.contains(r)
                || (Removers.global(r.kind())
                    && result.stream()
                        .anyMatch(x -> x.kind().equals(r.kind()) && x.id().equals(r.id())));
        if (r.region().equals(region) && !seen && removers.stillThere(r)) {
          result.add(r);
        }
      }
    }
    return List.copyOf(result);
  }

  /**
   * The IAM search by tag. Refused (no IAM permissions: a user who never used {@code
   * temporary_iam_instance_profile_policy_document} need not have them), it is skipped with a
   * warning instead of failing the cleanup; a journaled role or profile is still checked by name.
   */
  private List<Resource> discoverIam(Removers removers, String region, Predicate<String> buildIds) {
    try {
      return removers.discoverIam(region, buildIds);
    } catch (RuntimeException e) {
      if (AwsErrors.statusCode(e) != 403) {
        throw e;
      }
      if (iamSearchRefused) {
        return List.of();
      }
      iamSearchRefused = true;
      warnings.accept(
          "IAM roles and instance profiles were not searched ("
              + AwsErrors.errorCode(e).orElse("403")
              + "); to find those of temporary_iam_instance_profile_policy_document builds, allow "
              + "iam:ListRoles, iam:GetRole, iam:ListInstanceProfiles and iam:GetInstanceProfile");
      return List.of();
    }
  }
}
