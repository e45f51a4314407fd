package dev.eksnode.amibuilder.cli;

import dev.eksnode.amibuilder.aws.SdkWarmUp;
import dev.eksnode.amibuilder.config.Assignment;
import dev.eksnode.amibuilder.config.ConfigException;
import dev.eksnode.amibuilder.config.MatrixFile;
import dev.eksnode.amibuilder.config.Shortcut;
import dev.eksnode.amibuilder.ebs.BuildReport;
import dev.eksnode.amibuilder.ebs.BuildRequest;
import dev.eksnode.amibuilder.ebs.BuildService;
import dev.eksnode.amibuilder.ebs.BuildTuning;
import dev.eksnode.amibuilder.pipeline.OnError;
import dev.eksnode.amibuilder.template.BuildSpec;
import dev.eksnode.amibuilder.template.Template;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** Builds one AMI, a per-minor shortcut, all of them, or the entries of a matrix file. */
@Command(
    name = "k8s",
    aliases = "build",
    mixinStandardHelpOptions = true,
    abbreviateSynopsis = true,
    description = {
      "Build an EKS worker node AMI.",
      "  ami-builder k8s --kubernetes-version 1.23.16 --kubernetes-build-date 2023-01-30",
      "  ami-builder k8s 1.23          (pinned 1.23.16 / 2023-01-30, like 'make 1.23')",
      "  ami-builder k8s all --parallel 2",
      "  ami-builder k8s --matrix builds.yaml --parallel 4 --shard 1/3",
      "Everything is validated before AWS is contacted; every resource the build creates is tagged"
          + " with its build id and removed on failure or Ctrl-C."
    })
final class K8sCommand implements Callable<Integer> {
  @ParentCommand AmiBuilderCommand parent;
  @Mixin BuildOptions build;
  @Mixin AwsOptions aws;
  @Mixin OutputOptions output;

  @Option(
      names = {"--on-error", "-on-error"},
      paramLabel = "cleanup|abort|ask",
      defaultValue = "cleanup",
      converter = OnErrorConverter.class,
      description =
          "On failure remove what the build created (cleanup, default), keep it for debugging and print how"
              + " to enter the instance and the cleanup command (abort), or ask on the terminal: clean up,"
              + " abort or retry the failed step (ask; refused without a terminal). Packer's -on-error spelling works too.")
  OnError onError;

  @Option(
      names = "--debug-keep-key",
      description =
          "When a failed build keeps its instance (--on-error abort, or abort answered to ask), write the"
              + " temporary SSH private key to <output dir>/<build id>.pem (mode 0600) for the printed ssh"
              + " command. Without it the key never touches disk.")
  boolean debugKeepKey;

  @Option(
      names = "--check-permissions",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "Before anything is created, send each EC2 create call the build makes (ImportKeyPair,"
              + " CreateSecurityGroup, RunInstances, CreateImage, CopyImage, ModifyImageAttribute,"
              + " CreateTags) as a DryRun and stop with exit 2 naming every refused action"
              + " (default on; --no-check-permissions skips the dry runs).")
  boolean checkPermissions = true;

  @Option(
      names = "--reuse",
      description =
          "Before anything is created, look for an available AMI of ours baked from the same inputs"
              + " (tag ami-builder:inputs=<fingerprint>) and use it instead of baking again; only"
              + " missing copies are made.")
  boolean reuse;

  @Option(
      names = "--output-dir",
      paramLabel = "DIR",
      description =
          "Where manifest.json, <ami_name>-manifest.json and the version info go (default: current directory).")
  String outputDir;

  @Option(
      names = "--parallel",
      paramLabel = "N",
      defaultValue = "1",
      description =
          "With 'all' or --matrix: how many builds run at once, 1 to 16 (default ${DEFAULT-VALUE}).")
  int parallel;

  @Option(
      names = "--matrix",
      paramLabel = "FILE",
      description =
          "Build every entry of a matrix file (JSON or YAML): a list of entries, each a set of"
              + " variables (e.g. kubernetes_version, arch, aws_region) on top of the other layers,"
              + " with an optional name; or {\"reuse\": true, \"entries\": [...]}. One failed"
              + " entry does not stop the others; the exit code is the worst entry's. Not with a"
              + " shortcut.")
  String matrixFile;

  @Option(
      names = "--shard",
      paramLabel = "I/N",
      description =
          "With 'all' or --matrix: build only the I-th of N slices (entry k, counted from 0 in"
              + " file order, is in slice (k mod N)+1), so N CI jobs cover the matrix once.")
  String shard;

  @Option(
      names = "--entry",
      paramLabel = "NAME",
      description = "With --matrix: build only the entry of this name (repeatable).")
  List<String> entryNames = new ArrayList<>();

  @Option(
      names = "--checkip-url",
      hidden = true,
      paramLabel = "URL",
      description =
          "Where to learn this machine's public address (default: AMI_BUILDER_CHECKIP_URL or checkip.amazonaws.com).")
  String checkIpUrl;

  @Parameters(
      paramLabel = "WORDS",
      arity = "0..*",
      description = "Optional shortcut (1.21 .. 1.25 or all) first, then NAME=VALUE assignments.")
  List<String> words = new ArrayList<>();

  @Override
  public Integer call() {
    // Main has started it already for a command line; this covers a K8sCommand run another way.
    SdkWarmUp.start(SdkWarmUp.speaksTls(aws.endpointUrl));
    CliContext ctx = parent.context();
    Console console = new Console(ctx, output.json, output.quiet);
    if (onError == OnError.ASK && ctx.terminal() == null) {
      throw new ConfigException(
          "--on-error ask needs a terminal to answer on, and this process has none (stdin or"
              + " stdout is not a terminal); use --on-error abort to keep a failed build or"
              + " --on-error cleanup");
    }
    if (debugKeepKey && onError == OnError.CLEANUP) {
      throw new ConfigException(
          "--debug-keep-key writes the key of a failed build that is kept, and --on-error cleanup"
              + " keeps nothing; add --on-error abort or --on-error ask");
    }
    if (parallel < 1 || parallel > 16) {
      throw new ConfigException("--parallel " + parallel + " is out of range; use 1 to 16");
    }
    Positionals pos = Positionals.parse(words, true);
    MatrixFile matrix = null;
    if (matrixFile != null) {
      if (!pos.shortcuts().isEmpty()) {
        throw new ConfigException(
            "--matrix "
                + matrixFile
                + " names the builds, and so does the shortcut '"
                + (pos.all() ? "all" : pos.shortcuts().get(0).minor())
                + "'; drop one of them");
      }
      matrix = MatrixFile.read(ctx.resolve(matrixFile));
    }
    boolean many = matrix != null || pos.all();
    if (!many && parallel != 1) {
      throw new ConfigException(
          "--parallel only applies to 'k8s all' and 'k8s --matrix FILE'; drop it or build several");
    }
    if (!many && shard != null) {
      throw new ConfigException(
          "--shard only applies to 'k8s all' and 'k8s --matrix FILE'; drop it or build several");
    }
    if (matrix == null && !entryNames.isEmpty()) {
      throw new ConfigException(
          "--entry picks entries of a matrix file; add --matrix FILE or drop --entry");
    }
    Shard slice = shard == null ? null : Shard.parse(shard);
    Path out = outputDir == null ? ctx.workingDir() : ctx.resolve(outputDir);
    if (Files.exists(out) && !Files.isDirectory(out)) {
      throw new ConfigException("--output-dir " + out + " is a file; name a directory");
    }
    URI endpoint = aws.endpoint();
    BuildTuning tuning = BuildTuning.fromEnvironment(ctx.env());
    if (checkIpUrl != null && !checkIpUrl.isBlank()) {
      tuning = new BuildTuning(tuning.pollSchedule(), tuning.undoRetry(), URI.create(checkIpUrl));
    }

    // Everything the user wrote is rendered and validated here, before the core is called: a bad
    // value is exit 2
    // with nothing contacted.
    SpecLoader loader = new SpecLoader(ctx, build, aws, pos.assignments());
    Template template = loader.template();
    List<Target> targets = targets(pos, matrix, slice);
    if (targets.isEmpty()) {
      console.result(
          "shard "
              + slice
              + " has no entries ("
              + (matrix == null ? pos.shortcuts().size() : matrix.entries().size())
              + " in all); nothing to build");
      Map<String, Object> none = new LinkedHashMap<>();
      none.put("exit_code", ExitCodes.OK);
      none.put("entries", List.of());
      console.event("summary", none);
      return ExitCodes.OK;
    }
    List<BuildRequest.Entry> entries = new ArrayList<>();
    Set<String> warnings = new LinkedHashSet<>();
    for (Target t : targets) {
      BuildSpec spec;
      try {
        spec = loader.spec(template, loader.variables(template, t.shortcut(), t.variables()));
      } catch (ConfigException e) {
        if (t.name() == null) {
          throw e;
        }
        throw new ConfigException(
            "matrix entry '" + t.name() + "' (" + matrixFile + "): " + e.getMessage(), e);
      }
      // The same warning of every entry (an unknown --var, say) is shown once.
      warnings.addAll(spec.variables().warnings());
      entries.add(
          new BuildRequest.Entry(
              t.name(),
              spec,
              resolved ->
                  loader.spec(
                      template, loader.variables(template, t.shortcut(), t.variables(), resolved)),
              t.reuse()));
    }
    warnings.forEach(console::warn);
    // Snapshot progress costs a DescribeSnapshots per image poll while an image is pending: asked
    // for only when someone shows it (bars on a terminal, events with --json), never for a log.
    boolean bars = output.progressBars(ctx);
    // What every printed cleanup command repeats, so that it reaches the same AWS.
    String cleanupArguments = aws.asArguments();
    BuildRequest request =
        new BuildRequest(
            entries,
            out,
            onError,
            parallel,
            tuning,
            ctx.stateDir(),
            endpoint,
            (region, url) -> aws.clients(ctx, region, url),
            ctx.clock(),
            LineStream.over(ctx.err()),
            ExitCodes.INTERRUPTED,
            onError == OnError.ASK ? new AskOnError(ctx.err(), ctx.terminal()) : null,
            debugKeepKey,
            checkPermissions,
            bars || output.json,
            cleanupArguments);
    BuildEventRenderer renderer =
        new BuildEventRenderer(
            ctx,
            console,
            onError == OnError.ASK ? "abort answered to --on-error ask" : "--on-error abort",
            bars ? ProgressBars.onTerminal(ctx.out(), output.color(ctx)) : null,
            cleanupArguments);
    BuildReport report = new BuildService().run(request, renderer);
    int code = renderer.close(report, many);
    if (code == ExitCodes.OK) {
      CdsRecording.buildSucceeded();
    }
    return code;
  }

  /**
   * One build to render: a shortcut of {@code all} (or the lone build), or an entry of the matrix
   * file with its name and variables.
   */
  private record Target(
      String name, Shortcut shortcut, List<Assignment> variables, boolean reuse) {}

  /** The builds this command runs: its shard or chosen entries of the matrix or of {@code all}. */
  private List<Target> targets(Positionals pos, MatrixFile matrix, Shard slice) {
    if (matrix != null) {
      return MatrixCommand.select(matrix, slice, entryNames).stream()
          .map(
              e -> new Target(e.name(), null, e.assignments(matrix.file()), e.reuse(matrix, reuse)))
          .toList();
    }
    if (pos.shortcuts().isEmpty()) {
      return List.of(new Target(null, null, List.of(), reuse));
    }
    List<Shortcut> shortcuts = slice == null ? pos.shortcuts() : slice.of(pos.shortcuts());
    return shortcuts.stream().map(s -> new Target(null, s, List.of(), reuse)).toList();
  }

  /** {@code cleanup}, {@code abort} or {@code ask}, in any case. */
  static final class OnErrorConverter implements CommandLine.ITypeConverter<OnError> {
    @Override
    public OnError convert(String value) {
      for (OnError e : OnError.values()) {
        if (e.name().equalsIgnoreCase(value.trim())) {
          return e;
        }
      }
      throw new CommandLine.TypeConversionException(
          "'" + value + "' is not known; use cleanup, abort or ask");
    }
  }
}
