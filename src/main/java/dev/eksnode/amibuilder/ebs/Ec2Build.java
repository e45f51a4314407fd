package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.aws.AwsClientFactory;
import dev.eksnode.amibuilder.aws.Tags;
import dev.eksnode.amibuilder.pipeline.BuildId;
import dev.eksnode.amibuilder.pipeline.BuildJournal;
import dev.eksnode.amibuilder.pipeline.Cancellation;
import dev.eksnode.amibuilder.pipeline.ErrorPrompt;
import dev.eksnode.amibuilder.pipeline.OnError;
import dev.eksnode.amibuilder.pipeline.Outcome;
import dev.eksnode.amibuilder.pipeline.PipelineListener;
import dev.eksnode.amibuilder.pipeline.PipelineRunner;
import dev.eksnode.amibuilder.pipeline.Resource;
import dev.eksnode.amibuilder.pipeline.ResourceKind;
import dev.eksnode.amibuilder.pipeline.ResourceLedger;
import dev.eksnode.amibuilder.pipeline.Step;
import dev.eksnode.amibuilder.pipeline.TimeSource;
import dev.eksnode.amibuilder.pipeline.UndoReport;
import dev.eksnode.amibuilder.remote.PrivateKeyFile;
import dev.eksnode.amibuilder.template.BuildSpec;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs one amazon-ebs build: the steps of SPEC §3 in order on a {@link PipelineRunner}, journaled,
 * with the undo contract. Thread safe: a build matrix runs several builds on one instance (one
 * client factory, one limiter).
 */
public final class Ec2Build {
  /**
   * The longest a build may run; its pipeline stops it after that. Also bounds how long the
   * pre-signed URLs of the binary bucket stay valid.
   */
  public static final Duration BUILD_TIMEOUT = Duration.ofHours(6);

  private final AwsClientFactory aws;
  private final BuildTuning tuning;
  private final Path journalDir;
  private final Clock clock;
  private final Provisioning provisioning;
  private final String createdBy;
  private final TimeSource time;
  private final URI s3Endpoint;
  private volatile boolean checkPermissions;
  private volatile boolean reuse;
  private volatile SharedLookups lookups = SharedLookups.unshared();

  /**
   * What one build did.
   *
   * @param kept how to enter the instance of a failed build that was kept; null otherwise
   */
  public record Result(
      BuildId buildId,
      Outcome outcome,
      Map<String, String> amis,
      Map<String, Duration> phases,
      List<Path> manifests,
      Path journal,
      KeptAccess kept,
      ReuseReport reuse) {
    public Result {
      amis = Map.copyOf(amis);
      phases = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(phases));
      manifests = List.copyOf(manifests);
    }
  }

  /**
   * @param createdBy value of the {@code ami-builder:created-by} tag, e.g. {@code
   *     ami-builder/0.1.0}
   */
  public Ec2Build(
      AwsClientFactory aws,
      BuildTuning tuning,
      Path journalDir,
      Clock clock,
      Provisioning provisioning,
      String createdBy) {
    this(aws, tuning, journalDir, clock, provisioning, createdBy, TimeSource.system());
  }

  /** As above, with the time source every wait, retry and step timing of the build runs on. */
  public Ec2Build(
      AwsClientFactory aws,
      BuildTuning tuning,
      Path journalDir,
      Clock clock,
      Provisioning provisioning,
      String createdBy,
      TimeSource time) {
    this(
        aws,
        tuning,
        journalDir,
        clock,
        provisioning,
        createdBy,
        time,
        aws.settings().endpointOverride());
  }

  private Ec2Build(
      AwsClientFactory aws,
      BuildTuning tuning,
      Path journalDir,
      Clock clock,
      Provisioning provisioning,
      String createdBy,
      TimeSource time,
      URI s3Endpoint) {
    this.s3Endpoint = s3Endpoint;
    this.time = Objects.requireNonNull(time, "time");
    this.aws = Objects.requireNonNull(aws, "aws");
    this.tuning = Objects.requireNonNull(tuning, "tuning");
    this.journalDir = Objects.requireNonNull(journalDir, "journalDir");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.provisioning = Objects.requireNonNull(provisioning, "provisioning");
    this.createdBy = Objects.requireNonNull(createdBy, "createdBy");
  }

  /**
   * The same build with the binary bucket's S3 URLs pointing at {@code endpoint} ({@code
   * --endpoint-url}; null: S3's own endpoint), whatever endpoint the EC2 clients use.
   */
  public Ec2Build withS3Endpoint(URI endpoint) {
    return new Ec2Build(aws, tuning, journalDir, clock, provisioning, createdBy, time, endpoint);
  }

  /**
   * The steps in SPEC §3's order; a fresh list per build because steps remember what they created.
   *
   * @param temporaryProfile whether the template has {@code
   *     temporary_iam_instance_profile_policy_document}: a role and instance profile are made
   *     before the launch
   */
  public static List<Step<BuildContext>> steps(
      Provisioning provisioning, boolean encryptBoot, boolean temporaryProfile) {
    return steps(provisioning, encryptBoot, temporaryProfile, false);
  }

  /** As above; {@code checkPermissions} ends the preflight with the EC2 dry runs. */
  public static List<Step<BuildContext>> steps(
      Provisioning provisioning,
      boolean encryptBoot,
      boolean temporaryProfile,
      boolean checkPermissions) {
    return steps(provisioning, encryptBoot, temporaryProfile, checkPermissions, false);
  }

  /**
   * As above; with {@code reuse} the preflight looks for an earlier bake of the same inputs, and
   * when the build region has one every step up to the image is skipped (nothing is launched).
   */
  public static List<Step<BuildContext>> steps(
      Provisioning provisioning,
      boolean encryptBoot,
      boolean temporaryProfile,
      boolean checkPermissions,
      boolean reuse) {
    return steps(
        provisioning,
        encryptBoot,
        temporaryProfile,
        checkPermissions,
        reuse,
        SharedLookups.unshared());
  }

  private static List<Step<BuildContext>> steps(
      Provisioning provisioning,
      boolean encryptBoot,
      boolean temporaryProfile,
      boolean checkPermissions,
      boolean reuse,
      SharedLookups lookups) {
    List<Step<BuildContext>> bake =
        new ArrayList<>(List.of(new KeyPairStep(), new SecurityGroupStep()));
    if (temporaryProfile) {
      bake.add(new InstanceProfileStep());
    }
    bake.addAll(
        List.of(
            new LaunchStep(),
            new ProvisionStep(provisioning),
            new StopStep(),
            new CreateImageStep()));
    if (encryptBoot) {
      bake.add(new EncryptImageStep());
    }
    List<Step<BuildContext>> steps = new ArrayList<>();
    steps.add(new PreflightStep(checkPermissions, reuse, lookups));
    bake.forEach(step -> steps.add(new UnlessReused(step)));
    steps.addAll(List.of(new CopyImagesStep(), new ShareStep(), new TagStep(), new ManifestStep()));
    return List.copyOf(steps);
  }

  /** A step of the bake itself, skipped when an earlier bake of the same inputs is reused. */
  static final class UnlessReused implements Step<BuildContext> {
    private final Step<BuildContext> step;

    UnlessReused(Step<BuildContext> step) {
      this.step = step;
    }

    @Override
    public String name() {
      return step.name();
    }

    @Override
    public boolean keepOnSuccess() {
      return step.keepOnSuccess();
    }

    @Override
    public boolean skipped(BuildContext ctx) {
      return ctx.state().isReused(ctx.region()) || step.skipped(ctx);
    }

    @Override
    public void run(BuildContext ctx) throws Exception {
      step.run(ctx);
    }

    @Override
    public void undo(BuildContext ctx, UndoReport report) {
      step.undo(ctx, report);
    }
  }

  /**
   * The journal as the runner's ledger, telling {@code events} of each removal as the undo makes it
   * (once per resource, though an idempotent undo may report a resource twice).
   */
  private static ResourceLedger announcingRemovals(BuildJournal journal, BuildEvents events) {
    Set<Resource> announced = ConcurrentHashMap.newKeySet();
    return new ResourceLedger() {
      @Override
      public void created(Resource resource) {
        journal.created(resource);
      }

      @Override
      public void removed(Resource resource) {
        journal.removed(resource);
        if (announced.add(resource)) {
          events.resourceRemoved(resource);
        }
      }

      @Override
      public List<Resource> live() {
        return journal.live();
      }
    };
  }

  /**
   * Whether each build's preflight ends with the EC2 dry runs of the create calls ({@code
   * --check-permissions}); off unless set. Set before the first {@link #run}.
   */
  public Ec2Build checkPermissions(boolean on) {
    this.checkPermissions = on;
    return this;
  }

  /**
   * Whether each build first looks for an available AMI of ours baked from the same inputs and
   * reuses it ({@code --reuse}); off unless set. Set before the first {@link #run}.
   */
  public Ec2Build reuse(boolean on) {
    this.reuse = on;
    return this;
  }

  /**
   * Shares the preflight's look-ups ({@link SharedLookups}) with the other builds given the same
   * {@code lookups} (the entries of one matrix); each build asks on its own unless set. Set before
   * the first {@link #run}.
   */
  Ec2Build sharedLookups(SharedLookups lookups) {
    this.lookups = java.util.Objects.requireNonNull(lookups, "lookups");
    return this;
  }

  /**
   * Starts the journal of {@code buildId}; call before {@link #run} so an interrupt handler can
   * name it.
   */
  public BuildJournal journal(BuildId buildId) {
    return BuildJournal.create(journalDir, buildId, clock);
  }

  public Result run(
      BuildSpec spec,
      BuildId buildId,
      BuildJournal journal,
      Path outputDir,
      OnError onError,
      Cancellation cancellation,
      BuildEvents events,
      PipelineListener listener) {
    return run(
        spec, buildId, journal, outputDir, onError, null, false, cancellation, events, listener);
  }

  /**
   * Runs one build.
   *
   * @param prompt who decides after a failed step with {@link OnError#ASK}; null otherwise
   * @param keepKey whether a kept build writes its temporary private key to {@code
   *     <outputDir>/<build id>.pem} ({@code --debug-keep-key}); without it the key never touches
   *     disk
   */
  public Result run(
      BuildSpec spec,
      BuildId buildId,
      BuildJournal journal,
      Path outputDir,
      OnError onError,
      ErrorPrompt prompt,
      boolean keepKey,
      Cancellation cancellation,
      BuildEvents events,
      PipelineListener listener) {
    Map<String, Duration> phases = new LinkedHashMap<>();
    PipelineListener timing =
        new PipelineListener() {
          @Override
          public void stepStarted(String step) {
            listener.stepStarted(step);
          }

          @Override
          public void stepFinished(String step, Duration took, Throwable error) {
            synchronized (phases) {
              phases.put(step, took);
            }
            listener.stepFinished(step, took, error);
          }

          @Override
          public void undoStarted(String step) {
            listener.undoStarted(step);
          }

          @Override
          public void undoFinished(String step, Duration took) {
            synchronized (phases) {
              phases.merge("cleanup", took, Duration::plus);
            }
            listener.undoFinished(step, took);
          }
        };
    BuildContext ctx =
        new BuildContext(
            new BuildInputs(
                spec, buildId, new Tags(buildId.value(), createdBy), outputDir, s3Endpoint),
            aws,
            journal,
            cancellation,
            tuning,
            events,
            clock,
            time);
    // Exit 0 must mean that only the AMIs and their snapshots remain: a success is checked against
    // the journal.
    PipelineRunner<BuildContext> runner =
        new PipelineRunner<BuildContext>(
                new PipelineRunner.Options(onError, BUILD_TIMEOUT, prompt),
                announcingRemovals(journal, events),
                timing,
                time)
            .auditingSuccessAgainst(BuildContext::artifacts);
    Outcome outcome =
        runner.run(
            steps(
                provisioning,
                spec.settings().image().encryptBoot(),
                spec.settings().launch().temporaryIamInstanceProfilePolicyDocument() != null,
                checkPermissions,
                reuse,
                lookups),
            ctx,
            cancellation);
    String status =
        outcome instanceof Outcome.Succeeded
            ? BuildJournal.SUCCEEDED
            : outcome instanceof Outcome.Failed ? "failed" : "cancelled";
    if (!outcome.cleanup().nothingLeft()) {
      status += "-cleanup-incomplete";
    }
    journal.finish(status);
    Map<String, String> amis =
        outcome instanceof Outcome.Succeeded ? ctx.state().amiIds() : Map.of();
    Map<String, Duration> copy;
    synchronized (phases) {
      copy = new LinkedHashMap<>(phases);
    }
    return new Result(
        buildId,
        outcome,
        amis,
        copy,
        ctx.state().manifests(),
        journal.file(),
        keptAccess(ctx, outcome, keepKey),
        ReuseReport.of(ctx.state(), reuse));
  }

  /**
   * For a failed build that kept its instance: the address and login the build used, and, with
   * {@code keepKey}, the temporary private key written as {@code <output dir>/<build id>.pem} (mode
   * 0600). Null when no running instance was kept.
   */
  static KeptAccess keptAccess(BuildContext ctx, Outcome outcome, boolean keepKey) {
    BuildState.LaunchedInstance instance = ctx.state().instance();
    if (!(outcome instanceof Outcome.Failed) || instance == null) {
      return null;
    }
    boolean instanceKept =
        outcome.cleanup().kept().stream()
            .anyMatch(r -> r.kind() == ResourceKind.INSTANCE && r.id().equals(instance.id()));
    if (!instanceKept) {
      return null;
    }
    String host;
    try {
      host =
          ProvisionStep.host(
              ctx.settings().ssh().host(), ctx.settings().ssh().interfaceName(), instance);
    } catch (RuntimeException e) {
      host = null;
    }
    int port = ctx.settings().ssh().port() > 0 ? ctx.settings().ssh().port() : 22;
    Path keyFile = null;
    String keyProblem = null;
    BuildState.TemporaryKey key = ctx.state().key();
    if (keepKey && key != null) {
      Path file = ctx.outputDir().resolve(ctx.buildId().value() + ".pem");
      try {
        Files.createDirectories(ctx.outputDir());
        PrivateKeyFile.write(file, key.keyPair(), key.name());
        keyFile = file;
      } catch (IOException e) {
        keyProblem = "could not write the SSH key to " + file + ": " + e.getMessage();
      }
    }
    return new KeptAccess(
        instance.id(), host, port, ctx.settings().ssh().username(), keyFile, keyProblem);
  }
}
