package dev.eksnode.amibuilder.cli;

import dev.eksnode.amibuilder.aws.AwsClientFactory;
import dev.eksnode.amibuilder.aws.AwsErrors;
import dev.eksnode.amibuilder.ebs.BuildEvents;
import dev.eksnode.amibuilder.ebs.BuildTuning;
import dev.eksnode.amibuilder.ebs.Ec2Build;
import dev.eksnode.amibuilder.ebs.PreflightException;
import dev.eksnode.amibuilder.ebs.SshProvisioning;
import dev.eksnode.amibuilder.pipeline.BuildId;
import dev.eksnode.amibuilder.pipeline.BuildJournal;
import dev.eksnode.amibuilder.pipeline.BuildTimeoutException;
import dev.eksnode.amibuilder.pipeline.Cancellation;
import dev.eksnode.amibuilder.pipeline.CleanupReport;
import dev.eksnode.amibuilder.pipeline.InterruptGuard;
import dev.eksnode.amibuilder.pipeline.OnError;
import dev.eksnode.amibuilder.pipeline.Outcome;
import dev.eksnode.amibuilder.pipeline.PipelineListener;
import dev.eksnode.amibuilder.pipeline.Resource;
import dev.eksnode.amibuilder.remote.Redactor;
import dev.eksnode.amibuilder.report.BuildSummary;
import dev.eksnode.amibuilder.template.BuildSpec;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

/**
 * Runs the builds of one {@code k8s} command: AWS clients, journals, the interrupt guard, progress and JSON
 * events, and the mapping from each build's outcome to the exit code (0, 1, 2, 3 or 130).
 */
final class BuildLauncher {
  /** Overrides the journal directory ({@code ~/.ami-builder/builds}). */
  static final String STATE_DIR_ENV = "AMI_BUILDER_STATE_DIR";

  private final CliContext ctx;
  private final Console console;
  private final AwsOptions aws;
  private final Path outputDir;
  private final OnError onError;
  private final int parallel;
  private final String checkIpUrl;
  private final List<BuildJournal> journals = new java.util.concurrent.CopyOnWriteArrayList<>();
  /** More than one build in this command ({@code k8s all}): each prints its own prefixed error line. */
  private volatile boolean matrix;
  /** Each build's secrets, so its error line can be masked wherever it is printed. */
  private final Map<BuildId, Redactor> redactors = new java.util.concurrent.ConcurrentHashMap<>();

  BuildLauncher(CliContext ctx, Console console, AwsOptions aws, Path outputDir, OnError onError, int parallel,
      String checkIpUrl) {
    this.ctx = ctx;
    this.console = console;
    this.aws = aws;
    this.outputDir = outputDir;
    this.onError = onError;
    this.parallel = parallel;
    this.checkIpUrl = checkIpUrl;
  }

  static Path stateDir(CliContext ctx) {
    String dir = ctx.env().get(STATE_DIR_ENV);
    return dir != null && !dir.isBlank() ? ctx.resolve(dir) : BuildJournal.defaultDirectory();
  }

  static String createdBy() {
    String v = BuildLauncher.class.getPackage().getImplementationVersion();
    return "ami-builder/" + (v == null ? "development" : v);
  }

  int run(List<BuildSpec> specs) {
    matrix = specs.size() > 1;
    URI endpoint = aws.endpoint();
    String customEndpoint = specs.get(0).settings().customEndpointEc2();
    if (endpoint == null && customEndpoint != null && !customEndpoint.isBlank()) {
      endpoint = URI.create(customEndpoint);
    }
    BuildTuning tuning = BuildTuning.fromEnvironment(ctx.env());
    if (checkIpUrl != null && !checkIpUrl.isBlank()) {
      tuning = new BuildTuning(tuning.pollSchedule(), tuning.undoRetry(), URI.create(checkIpUrl));
    }
    Cancellation root = Cancellation.create();
    try (AwsClientFactory factory = aws.clients(ctx, specs.get(0).settings().region(), endpoint);
        InterruptGuard guard = new InterruptGuard(root, Duration.ofMinutes(15), this::leftoverSummary,
            LineStream.over(ctx.err())).install()) {
      Ec2Build builder = new Ec2Build(factory, tuning, stateDir(ctx), ctx.clock(), new SshProvisioning(), createdBy());
      List<Integer> codes = new ArrayList<>();
      if (specs.size() == 1) {
        codes.add(runOne(builder, specs.get(0), root.child()));
      } else {
        ExecutorService pool = Executors.newFixedThreadPool(parallel);
        try {
          List<Future<Integer>> futures = new ArrayList<>();
          for (BuildSpec spec : specs) {
            futures.add(pool.submit(() -> runOne(builder, spec, root.child())));
          }
          for (Future<Integer> f : futures) {
            codes.add(awaitResult(f, root));
          }
        } finally {
          pool.shutdown();
        }
      }
      guard.unwindFinished();
      int code = worst(codes);
      if (code != ExitCodes.OK && specs.size() > 1) {
        throw new CommandFailedException(code, (codes.stream().filter(c -> c != 0).count()) + " of " + specs.size()
            + " builds did not succeed (see above)");
      }
      return code;
    }
  }

  private static int awaitResult(Future<Integer> future, Cancellation root) {
    while (true) {
      try {
        return future.get();
      } catch (InterruptedException e) {
        root.cancel("interrupted");
      } catch (java.util.concurrent.ExecutionException e) {
        return ExitCodes.forFailure(e.getCause());
      }
    }
  }

  /** 130 beats 3 beats 4 beats 1 beats 2 beats 0: the most urgent news for the caller wins. */
  static int worst(List<Integer> codes) {
    List<Integer> order = List.of(ExitCodes.INTERRUPTED, ExitCodes.CLEANUP_INCOMPLETE, ExitCodes.INTERNAL,
        ExitCodes.BUILD_FAILED, ExitCodes.USAGE);
    for (int c : order) {
      if (codes.contains(c)) {
        return c;
      }
    }
    return ExitCodes.OK;
  }

  private int runOne(Ec2Build builder, BuildSpec spec, Cancellation cancellation) {
    BuildId id = BuildId.generate(ctx.clock());
    BuildJournal journal = builder.journal(id);
    redactors.put(id, Redactor.of(spec.secrets()));
    journals.add(journal);
    String prefix = matrix ? "[" + spec.settings().image().name() + "] " : "";
    console.info(prefix + "Build " + id + " (journal " + journal.file() + ")");
    console.event("build_started", Map.of("build_id", id.value(), "ami_name", spec.settings().image().name(),
        "region", spec.settings().region()));
    Ec2Build.Result result = builder.run(spec, id, journal, outputDir, onError, cancellation, events(id, prefix),
        listener(id, prefix));
    int code = report(spec, result, prefix);
    if (!matrix && code != ExitCodes.OK) {
      throw new CommandFailedException(code, failureLine(result));
    }
    if (code != ExitCodes.OK) {
      ctx.err().println("error: " + prefix + failureLine(result));
      ctx.err().flush();
    }
    return code;
  }

  private int report(BuildSpec spec, Ec2Build.Result result, String prefix) {
    Outcome outcome = result.outcome();
    CleanupReport cleanup = outcome.cleanup();
    // A failed check is 2, AWS or the network failing (in preflight too) is 1, a bug in a step is 4.
    int code = ExitCodes.forOutcome(outcome);
    String cleanupCommand = "ami-builder cleanup --build-id " + result.buildId();
    if (!cleanup.kept().isEmpty()) {
      ctx.err().println(prefix + "Kept for debugging (--on-error abort):");
      cleanup.kept().forEach(r -> ctx.err().println("  " + r));
      ctx.err().println(prefix + "Remove them with: " + cleanupCommand);
    }
    if (!cleanup.leftovers().isEmpty()) {
      ctx.err().println(prefix + "Cleanup incomplete; left over:");
      for (CleanupReport.Leftover l : cleanup.leftovers()) {
        ctx.err().println("  " + (l.resource() == null ? "(unknown)" : l.resource().kind() + " " + l.resource().id()
            + " in " + l.resource().region()) + ": " + l.lastError());
      }
      ctx.err().println(prefix + "Finish with: " + cleanupCommand);
    }
    ctx.err().flush();
    if (outcome instanceof Outcome.Succeeded) {
      BuildSummary.lines(spec.settings().image().name(), result.amis(), result.phases())
          .forEach(l -> console.result(prefix + l));
    }
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("build_id", result.buildId().value());
    fields.put("status", outcome instanceof Outcome.Succeeded ? "succeeded"
        : outcome instanceof Outcome.Failed ? "failed" : "cancelled");
    fields.put("exit_code", code);
    fields.put("amis", result.amis());
    fields.put("leftovers", cleanup.leftovers().stream().filter(l -> l.resource() != null)
        .map(l -> l.resource().toString()).toList());
    fields.put("kept", cleanup.kept().stream().map(Resource::toString).toList());
    if (code != ExitCodes.OK) {
      fields.put("error", failureLine(result));
      if (!cleanup.nothingLeft()) {
        fields.put("cleanup_command", cleanupCommand);
      }
    }
    console.event("result", fields);
    return code;
  }

  /** The build's one-line failure, with its secrets masked: an error may quote a command or a variable. */
  String failureLine(Ec2Build.Result result) {
    return failureLine(result, redactors.getOrDefault(result.buildId(), Redactor.none()));
  }

  static String failureLine(Ec2Build.Result result, Redactor redactor) {
    return redactor.redact(unredactedFailureLine(result));
  }

  private static String unredactedFailureLine(Ec2Build.Result result) {
    Outcome outcome = result.outcome();
    if (outcome instanceof Outcome.Failed f) {
      if (f.cause() instanceof PreflightException || f.cause() instanceof BuildTimeoutException) {
        return f.cause().getMessage();
      }
      return "step " + f.step() + " failed: " + describe(f.cause())
          + (f.cleanup().nothingLeft() ? "; everything the build created was removed" : "");
    }
    if (outcome instanceof Outcome.Cancelled c) {
      return "build " + result.buildId() + " " + c.reason() + " during " + c.step()
          + (c.cleanup().nothingLeft() ? "; everything it created was removed" : "");
    }
    return "build " + result.buildId() + " succeeded but its temporary resources could not all be removed";
  }

  static String describe(Throwable t) {
    for (Throwable e = t; e != null; e = e.getCause()) {
      if (e instanceof AwsServiceException aws && aws.awsErrorDetails() != null) {
        return AwsErrors.errorCode(aws).orElse("error") + ": " + aws.awsErrorDetails().errorMessage()
            + (aws.awsErrorDetails().serviceName() == null ? "" : "");
      }
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  /** How often an unchanged state of a long wait is shown again. */
  private static final Duration WAIT_LINE_INTERVAL = Duration.ofSeconds(30);

  private record Shown(String state, Duration at) {}

  private BuildEvents events(BuildId id, String prefix) {
    return new BuildEvents() {
      /** Per wait: the state last shown and when, so a long wait shows a line per change or per half minute. */
      private final Map<String, Shown> shown = new java.util.concurrent.ConcurrentHashMap<>();

      @Override
      public void waiting(String what, String state, Duration elapsed) {
        Shown last = shown.get(what);
        if (last != null && last.state().equals(state)
            && elapsed.minus(last.at()).compareTo(WAIT_LINE_INTERVAL) < 0) {
          return;
        }
        shown.put(what, new Shown(state, elapsed));
        console.info(prefix + "  waiting for " + what + ": " + state + " (" + elapsed.toSeconds() + " s)");
        console.event("waiting", Map.of("build_id", id.value(), "what", what, "state", state,
            "elapsed_seconds", elapsed.toSeconds()));
      }

      @Override
      public void resourceCreated(Resource resource) {
        console.info(prefix + "  created " + resource);
        console.event("resource_created", Map.of("build_id", id.value(), "kind", resource.kind().name(),
            "id", resource.id(), "region", resource.region()));
      }

      @Override
      public void output(String label, String line) {
        console.info(prefix + "  [" + label + "] " + line);
        console.event("output", Map.of("build_id", id.value(), "provisioner", label, "line", line));
      }

      @Override
      public void provisioned(String label, Duration took, long channels) {
        console.info(prefix + "  " + label + " done in " + took.toMillis() + " ms");
        console.event("provisioned", Map.of("build_id", id.value(), "provisioner", label, "millis", took.toMillis(),
            "ssh_channels", channels));
      }
    };
  }

  private PipelineListener listener(BuildId id, String prefix) {
    return new PipelineListener() {
      @Override
      public void stepStarted(String step) {
        console.info(prefix + "==> " + step);
        console.event("step_started", Map.of("build_id", id.value(), "step", step));
      }

      @Override
      public void stepFinished(String step, Duration took, Throwable error) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("build_id", id.value());
        fields.put("step", step);
        fields.put("seconds", took.toMillis() / 1000.0);
        fields.put("ok", error == null);
        console.event("step_finished", fields);
      }

      private boolean cleaning;

      @Override
      public void undoStarted(String step) {
        if (!cleaning) {
          cleaning = true;
          console.info(prefix + "==> removing temporary resources");
        }
        console.event("undo_started", Map.of("build_id", id.value(), "step", step));
      }
    };
  }

  /** For the interrupt guard: what is still recorded as live, and the command to finish the job. */
  private String leftoverSummary() {
    StringBuilder text = new StringBuilder();
    for (BuildJournal journal : journals) {
      List<Resource> live = journal.live();
      if (live.isEmpty()) {
        continue;
      }
      text.append("Build ").append(journal.buildId()).append(" left:\n");
      live.forEach(r -> text.append("  ").append(r).append('\n'));
      text.append("Finish with: ami-builder cleanup --build-id ").append(journal.buildId()).append('\n');
    }
    return text.length() == 0 ? "Nothing recorded as left over." : text.toString().stripTrailing();
  }
}
