package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.aws.AwsClientFactory;
import dev.eksnode.amibuilder.config.Assignment;
import dev.eksnode.amibuilder.pipeline.BuildId;
import dev.eksnode.amibuilder.pipeline.BuildJournal;
import dev.eksnode.amibuilder.pipeline.Cancellation;
import dev.eksnode.amibuilder.pipeline.CancelledException;
import dev.eksnode.amibuilder.pipeline.ErrorPrompt;
import dev.eksnode.amibuilder.pipeline.InterruptGuard;
import dev.eksnode.amibuilder.pipeline.OnError;
import dev.eksnode.amibuilder.pipeline.Outcome;
import dev.eksnode.amibuilder.pipeline.PipelineListener;
import dev.eksnode.amibuilder.pipeline.Resource;
import dev.eksnode.amibuilder.remote.Redactor;
import dev.eksnode.amibuilder.template.BuildSpec;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * The one entry point of the build core: completes versions from the binary bucket, then runs one
 * build or a matrix of them (one client factory and rate limiter per endpoint, a journal per build,
 * an interrupt guard over all of them), tells the caller what happens through {@link BuildEvent}s,
 * and returns a typed {@link BuildReport}. It never decides exit codes and never prints: that is
 * the command's job.
 */
public final class BuildService {
  /** How often an unchanged state of a long wait is reported again. */
  public static final Duration WAIT_REPEAT = Duration.ofSeconds(30);

  /** How long a second Ctrl-C waits for the unwind before the guard gives up on it. */
  private static final Duration UNWIND_LIMIT = Duration.ofMinutes(15);

  private final Provisioning provisioning;

  public BuildService() {
    this(new SshProvisioning());
  }

  public BuildService(Provisioning provisioning) {
    this.provisioning = Objects.requireNonNull(provisioning, "provisioning");
  }

  /** Value of the {@code ami-builder:created-by} tag, e.g. {@code ami-builder/0.1.0}. */
  public static String createdBy() {
    String v = BuildService.class.getPackage().getImplementationVersion();
    return "ami-builder/" + (v == null ? "development" : v);
  }

  /**
   * Runs {@code request}. For a lone build, problems found before anything is created (a bucket
   * that cannot be listed, no build of the version) are thrown; in a matrix, and for an entry of a
   * matrix file (one with a name), they become that entry's failed result and the other entries go
   * on. Once builds start, every failure ends up in the report instead.
   */
  public BuildReport run(BuildRequest request, Consumer<BuildEvent> events) {
    boolean matrix = request.entries().size() > 1;
    List<Resolved> resolved = resolve(request, matrix, events);
    for (Resolved r : resolved) {
      if (r.failed() != null) {
        continue;
      }
      BuildSpec spec = r.spec();
      events.accept(
          new BuildEvent.Planned(
              r.label(),
              spec.settings().image().name(),
              spec.kubernetesVersion(),
              spec.variables().value("arch"),
              spec.settings().region(),
              spec.regionSource()));
    }
    Run run = new Run(request, events);
    // One factory per endpoint; the null key is AWS's own endpoint.
    Map<URI, AwsClientFactory> factories = new LinkedHashMap<>();
    Cancellation root = Cancellation.create();
    try (InterruptGuard guard =
        new InterruptGuard(
                root,
                UNWIND_LIMIT,
                run::leftoverSummary,
                request.notices(),
                request.interruptedStatus())
            .install()) {
      List<Ec2Build> builders = new ArrayList<>();
      // Entries that start from the same image look it up once, and with --reuse list the earlier
      // bakes of a region once.
      SharedLookups lookups = matrix ? SharedLookups.shared() : SharedLookups.unshared();
      for (Resolved r : resolved) {
        if (r.failed() != null) {
          builders.add(null);
          continue;
        }
        BuildSpec spec = r.spec();
        URI endpoint = endpoint(request, spec);
        AwsClientFactory factory =
            factories.computeIfAbsent(
                endpoint, e -> request.clients().open(spec.settings().region(), endpoint));
        builders.add(
            new Ec2Build(
                    factory,
                    request.tuning(),
                    request.journalDir(),
                    request.clock(),
                    provisioning,
                    createdBy())
                .withS3Endpoint(request.endpointOverride())
                .checkPermissions(request.checkPermissions())
                .reuse(r.entry().reuse())
                .sharedLookups(lookups));
      }
      List<BuildResult> results = new ArrayList<>();
      if (!matrix) {
        Resolved r = resolved.get(0);
        results.add(
            r.failed() != null
                ? r.failed()
                : run.one(builders.get(0), r.spec(), r.label(), root.child()));
      } else {
        ExecutorService pool = Executors.newFixedThreadPool(request.parallel());
        try {
          List<Future<BuildResult>> futures = new ArrayList<>();
          for (int i = 0; i < resolved.size(); i++) {
            Resolved r = resolved.get(i);
            if (r.failed() != null) {
              futures.add(CompletableFuture.completedFuture(r.failed()));
              continue;
            }
            Ec2Build builder = builders.get(i);
            futures.add(
                pool.submit(() -> run.oneOfMany(builder, r.spec(), r.label(), root.child())));
          }
          for (Future<BuildResult> f : futures) {
            results.add(await(f, root));
          }
        } finally {
          pool.shutdown();
        }
      }
      guard.unwindFinished();
      return new BuildReport(results);
    } finally {
      factories.values().forEach(AwsClientFactory::close);
    }
  }

  /**
   * An entry after {@link #resolve}: its completed spec and label, or, in a matrix, the failed
   * result of an entry that could not be resolved.
   */
  private record Resolved(
      BuildRequest.Entry entry, BuildSpec spec, String label, BuildResult failed) {}

  /**
   * {@code --endpoint-url} for everything when given; else the build's own {@code
   * custom_endpoint_ec2}. Each build keeps its own: a matrix may mix them.
   */
  static URI endpoint(BuildRequest request, BuildSpec spec) {
    if (request.endpointOverride() != null) {
      return request.endpointOverride();
    }
    String custom = spec.settings().customEndpointEc2();
    return custom == null || custom.isBlank() ? null : URI.create(custom);
  }

  /**
   * The specs with versions and dates completed from the bucket, the binaries of each checked in
   * it, and the image-cache inputs from EKS, all before any build starts. In a matrix (or for a
   * named entry) an entry that fails here gets a failed result, sent as its {@link
   * BuildEvent.Finished} at once, and the others go on; a lone unnamed build throws.
   */
  private static List<Resolved> resolve(
      BuildRequest request, boolean matrix, Consumer<BuildEvent> events) {
    List<Resolved> out = new ArrayList<>();
    for (BuildRequest.Entry entry : request.entries()) {
      String label = label(entry, matrix);
      if (!matrix && entry.name() == null) {
        out.add(new Resolved(entry, resolve(request, entry), label, null));
        continue;
      }
      try {
        out.add(new Resolved(entry, resolve(request, entry), label, null));
      } catch (CancelledException e) {
        throw e; // Ctrl-C stops the whole request, as for a lone build
      } catch (RuntimeException e) {
        BuildResult failed = unresolved(request, entry, label, e);
        events.accept(new BuildEvent.Finished(failed));
        out.add(new Resolved(entry, entry.spec(), label, failed));
      }
    }
    return out;
  }

  private static BuildSpec resolve(BuildRequest request, BuildRequest.Entry entry) {
    // A build whose instance could not reach AWS stops here, before the bucket and EKS calls.
    InstanceAwsAccess.check(entry.spec());
    List<Assignment> resolved =
        new ArrayList<>(
            BucketVersions.resolve(entry.spec(), request.clients(), request.endpointOverride()));
    BuildSpec spec = resolved.isEmpty() ? entry.spec() : entry.rerender().with(resolved);
    BucketVersions.requireBinaries(spec, request.clients(), request.endpointOverride());
    // Image caching needs the completed version; its inputs go on top of the bucket's.
    List<Assignment> cache =
        ImageCacheInputs.resolve(spec, request.clients(), request.endpointOverride());
    if (!cache.isEmpty()) {
      resolved.addAll(cache);
      spec = entry.rerender().with(resolved);
    }
    return spec;
  }

  /**
   * The result of a matrix entry that failed before it started: no build ran, nothing was created,
   * no journal was written; its line is the failure's own message (as a lone build prints it).
   */
  private static BuildResult unresolved(
      BuildRequest request, BuildRequest.Entry entry, String label, RuntimeException e) {
    BuildId id = BuildId.generate(request.clock());
    Outcome.Failed failed =
        new Outcome.Failed("resolve", e, dev.eksnode.amibuilder.pipeline.CleanupReport.empty());
    BuildSpec spec = entry.spec();
    return BuildResult.notRun(
        id,
        label,
        spec,
        failed,
        Redactor.of(spec.secrets()).redact(BuildResult.describe(e).strip().replace('\n', ' ')));
  }

  /**
   * {@code ""} for a lone build without a name; otherwise {@code "[name] "}, the entry's name from
   * a matrix file or else its AMI name.
   */
  private static String label(BuildRequest.Entry entry, boolean matrix) {
    if (entry.name() != null) {
      return "[" + entry.name() + "] ";
    }
    return matrix ? "[" + entry.spec().settings().image().name() + "] " : "";
  }

  private static BuildResult await(Future<BuildResult> future, Cancellation root) {
    while (true) {
      try {
        return future.get();
      } catch (InterruptedException e) {
        // Ctrl-C reaches the builds through the cancellation; keep waiting for their unwind.
        root.cancel("interrupted");
      } catch (ExecutionException e) {
        throw new IllegalStateException(
            "a build of the matrix failed outside its pipeline", e.getCause());
      }
    }
  }

  /**
   * The state of one request while it runs: its journals (for the interrupt guard) and how to
   * report.
   */
  private static final class Run {
    private final BuildRequest request;
    private final Consumer<BuildEvent> events;
    private final List<BuildJournal> journals = new CopyOnWriteArrayList<>();

    Run(BuildRequest request, Consumer<BuildEvent> events) {
      this.request = request;
      this.events = events;
    }

    /**
     * One build of a matrix: a failure outside its pipeline (the journal cannot be written) becomes
     * its result, so the other builds go on and the report still names it.
     */
    BuildResult oneOfMany(
        Ec2Build builder, BuildSpec spec, String label, Cancellation cancellation) {
      try {
        return one(builder, spec, label, cancellation);
      } catch (RuntimeException e) {
        BuildId id = BuildId.generate(request.clock());
        Outcome.Failed failed =
            new Outcome.Failed("start", e, dev.eksnode.amibuilder.pipeline.CleanupReport.empty());
        BuildResult result =
            BuildResult.notRun(
                id,
                label,
                spec,
                failed,
                BuildResult.failureLine(id, failed, Redactor.of(spec.secrets())));
        events.accept(new BuildEvent.Finished(result));
        return result;
      }
    }

    BuildResult one(Ec2Build builder, BuildSpec spec, String label, Cancellation cancellation) {
      BuildId id = BuildId.generate(request.clock());
      BuildJournal journal = builder.journal(id);
      journals.add(journal);
      events.accept(
          new BuildEvent.Started(
              id,
              label,
              spec.settings().image().name(),
              spec.settings().region(),
              journal.file(),
              spec.regionSource()));
      Redactor redactor = Redactor.of(spec.secrets());
      ErrorPrompt prompt =
          request.prompt() == null
              ? null
              : (step, failure) ->
                  request
                      .prompt()
                      .ask(id, label, step, BuildResult.stepFailure(step, failure, redactor));
      Ec2Build.Result done =
          builder.run(
              spec,
              id,
              journal,
              request.outputDir(),
              request.onError(),
              request.onError() == OnError.ASK ? prompt : null,
              request.keepKey(),
              cancellation,
              new Forwarder(id, label, events, request.snapshotProgress()),
              listener(id, label));
      Outcome outcome = done.outcome();
      BuildResult result =
          new BuildResult(
              id,
              label,
              spec.settings().image().name(),
              spec.settings().region(),
              outcome,
              done.amis(),
              done.phases(),
              done.manifests(),
              done.journal(),
              BuildResult.failureLine(id, outcome, redactor),
              done.kept(),
              done.reuse());
      events.accept(new BuildEvent.Finished(result));
      return result;
    }

    private PipelineListener listener(BuildId id, String label) {
      return new PipelineListener() {
        @Override
        public void stepStarted(String step) {
          events.accept(new BuildEvent.StepStarted(id, label, step));
        }

        @Override
        public void stepFinished(String step, Duration took, Throwable error) {
          events.accept(new BuildEvent.StepFinished(id, label, step, took, error == null));
        }

        @Override
        public void undoStarted(String step) {
          events.accept(new BuildEvent.UndoStarted(id, label, step));
        }
      };
    }

    /**
     * For the interrupt guard: what is still recorded as live, and the command to finish the job.
     */
    String leftoverSummary() {
      return BuildService.leftoverSummary(journals, request.cleanupArguments());
    }
  }

  /**
   * What {@code journals} still list as live, each build with the command that removes it: its
   * regions and {@code cleanupArguments} (the command's own {@code --profile} and {@code
   * --endpoint-url}), so that it reaches the same AWS.
   */
  static String leftoverSummary(List<BuildJournal> journals, String cleanupArguments) {
    StringBuilder text = new StringBuilder();
    for (BuildJournal journal : journals) {
      BuildJournal.Contents contents = journal.snapshot();
      List<Resource> live = contents.live();
      if (live.isEmpty()) {
        continue;
      }
      text.append("Build ").append(journal.buildId()).append(" left:\n");
      live.forEach(r -> text.append("  ").append(r).append('\n'));
      text.append("Finish with: ")
          .append(BuildResult.cleanupCommand(journal.buildId(), contents.regions()))
          .append(cleanupArguments)
          .append('\n');
    }
    return text.length() == 0 ? "Nothing recorded as left over." : text.toString().stripTrailing();
  }

  /**
   * Turns the steps' callbacks into events. Waits poll often; a wait is reported when its state
   * changes and every {@link #WAIT_REPEAT} while it lasts, not on every poll.
   */
  private static final class Forwarder implements BuildEvents {
    private record Shown(String state, Duration at) {}

    private final BuildId id;
    private final String label;
    private final Consumer<BuildEvent> events;
    private final Map<String, Shown> shown = new ConcurrentHashMap<>();
    private final boolean snapshotProgress;

    /** The last snapshot progress sent per wait, as "percent state". */
    private final Map<String, String> progressShown = new ConcurrentHashMap<>();

    Forwarder(BuildId id, String label, Consumer<BuildEvent> events, boolean snapshotProgress) {
      this.id = id;
      this.label = label;
      this.events = events;
      this.snapshotProgress = snapshotProgress;
    }

    @Override
    public boolean wantsSnapshotProgress() {
      return snapshotProgress;
    }

    /** One event per change of percentage or state, not one per poll. */
    @Override
    public void snapshotProgress(
        String what, String region, String imageId, String state, int percent, Duration elapsed) {
      String now = percent + " " + state;
      if (now.equals(progressShown.put(what, now))) {
        return;
      }
      events.accept(
          new BuildEvent.Progress(id, label, what, region, imageId, state, percent, elapsed));
    }

    @Override
    public void waiting(String what, String state, Duration elapsed) {
      Shown last = shown.get(what);
      if (last != null
          && last.state().equals(state)
          && elapsed.minus(last.at()).compareTo(WAIT_REPEAT) < 0) {
        return;
      }
      shown.put(what, new Shown(state, elapsed));
      events.accept(new BuildEvent.Waiting(id, label, what, state, elapsed));
    }

    @Override
    public void resourceCreated(Resource resource) {
      events.accept(new BuildEvent.ResourceCreated(id, label, resource));
    }

    @Override
    public void resourceRemoved(Resource resource) {
      events.accept(new BuildEvent.ResourceRemoved(id, label, resource));
    }

    @Override
    public void sshSource(SshSource source) {
      events.accept(new BuildEvent.SshIngress(id, label, source));
    }

    @Override
    public void output(String provisioner, String line) {
      events.accept(new BuildEvent.OutputLine(id, label, provisioner, line));
    }

    @Override
    public void provisioned(String provisioner, Duration took, long channels) {
      events.accept(new BuildEvent.Provisioned(id, label, provisioner, took, channels));
    }
  }
}
