package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.aws.AwsClientFactory;
import dev.eksnode.amibuilder.config.ConfigException;
import dev.eksnode.amibuilder.pipeline.BuildId;
import dev.eksnode.amibuilder.pipeline.BuildJournal;
import dev.eksnode.amibuilder.pipeline.Resource;
import dev.eksnode.amibuilder.pipeline.ResourceLedger;
import dev.eksnode.amibuilder.pipeline.TimeSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The core of {@code cleanup}: decides where to look (the regions the build's journal names, those
 * the user gave, else the environment's region), removes what is left with {@link Cleaner}, and
 * closes the journal once nothing remains.
 */
public final class CleanupService {

  /**
   * Exactly one of {@code buildId} and {@code olderThan} is set.
   *
   * @param regions regions the user named; with a build id, added to those its journal names
   * @param fallbackRegion where to look when nothing else names a region (AWS_REGION); may be null
   */
  public record Request(
      BuildId buildId,
      Duration olderThan,
      List<String> regions,
      String fallbackRegion,
      boolean dryRun,
      Path journalDir,
      BuildTuning tuning,
      BuildRequest.ClientSource clients,
      Clock clock) {
    public Request {
      if ((buildId == null) == (olderThan == null)) {
        throw new IllegalArgumentException("exactly one of buildId and olderThan");
      }
      regions = List.copyOf(regions);
      Objects.requireNonNull(journalDir, "journalDir");
      Objects.requireNonNull(tuning, "tuning");
      Objects.requireNonNull(clients, "clients");
      Objects.requireNonNull(clock, "clock");
    }
  }

  /** What the sweep did, and where it looked. */
  public record Result(Cleaner.Report report, List<String> regions) {
    public Result {
      regions = List.copyOf(regions);
    }
  }

  /**
   * Runs the sweep; {@code warnings} hears about what the user may want to know (no journal, so
   * tags only).
   */
  public Result run(Request request, Consumer<String> warnings) {
    Set<String> sweep = new LinkedHashSet<>(request.regions());
    BuildJournal journal = null;
    List<Resource> journaled = List.of();
    boolean succeeded = false;
    boolean didNotSucceed = false;
    if (request.buildId() != null) {
      Path dir = request.journalDir();
      if (Files.exists(BuildJournal.fileOf(dir, request.buildId()))) {
        journal = BuildJournal.open(dir, request.buildId(), request.clock());
        BuildJournal.Contents contents = journal.snapshot();
        if (contents.runningHere() && !request.dryRun()) {
          // Its undo is still to come, and removing its resources now would fail it mid-step.
          throw new ConfigException(
              "build "
                  + request.buildId()
                  + " is still running (process "
                  + contents.pid()
                  + " on this machine); stop it with Ctrl-C, which removes what it made, or let it"
                  + " end, then run cleanup again if something is left");
        }
        Set<String> all = new LinkedHashSet<>(contents.regions());
        all.addAll(sweep);
        sweep = all;
        journaled = contents.live();
        succeeded = contents.succeeded();
        didNotSucceed = contents.didNotSucceed();
      } else {
        warnings.accept(
            "no journal for " + request.buildId() + " in " + dir + "; searching by tag only");
      }
    }
    if (sweep.isEmpty()) {
      String fallback = request.fallbackRegion();
      if (fallback == null || fallback.isBlank()) {
        throw new ConfigException("no region to search; pass --region");
      }
      sweep.add(fallback);
    }
    Cleaner.Report report;
    try (AwsClientFactory aws = request.clients().open(sweep.iterator().next(), null)) {
      Cleaner cleaner = new Cleaner(aws, request.tuning(), TimeSource.system(), warnings);
      if (request.buildId() != null) {
        report =
            cleaner.cleanBuild(
                request.buildId(),
                sweep,
                journaled,
                didNotSucceed,
                request.dryRun(),
                journal == null ? ResourceLedger.none() : journal);
      } else {
        report =
            cleaner.cleanOlderThan(
                request.olderThan(), request.clock().instant(), sweep, request.dryRun());
      }
    }
    if (journal != null && !request.dryRun() && report.clean()) {
      // Still says whether the build succeeded: a later cleanup must keep a finished build's AMIs.
      journal.finish(succeeded ? BuildJournal.SUCCEEDED + "-cleaned" : "cleaned");
    }
    return new Result(report, List.copyOf(sweep));
  }
}
