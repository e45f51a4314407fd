package dev.eksnode.amibuilder.cli;

import dev.eksnode.amibuilder.config.ConfigException;
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
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** Builds one AMI, a per-minor shortcut, or all of them. */
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
      "Everything is validated before AWS is contacted; every resource the build creates is tagged with its build id",
      "and removed on failure or Ctrl-C."
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
      description = "With 'all': how many builds run at once (default ${DEFAULT-VALUE}).")
  int parallel;

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
    if (!pos.all() && parallel != 1) {
      throw new ConfigException(
          "--parallel only applies to 'k8s all'; drop it or build all versions");
    }
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
    List<BuildRequest.Entry> entries = new ArrayList<>();
    List<Shortcut> targets =
        pos.shortcuts().isEmpty() ? Collections.singletonList(null) : pos.shortcuts();
    for (Shortcut s : targets) {
      BuildSpec spec = loader.spec(template, loader.variables(template, s));
      spec.variables().warnings().forEach(console::warn);
      entries.add(
          new BuildRequest.Entry(
              null,
              spec,
              resolved -> loader.spec(template, loader.variables(template, s, resolved)),
              reuse));
    }
    // Snapshot progress costs a DescribeSnapshots per image poll while an image is pending: asked
    // for only when someone shows it (bars on a terminal, events with --json), never for a log.
    boolean bars = output.progressBars(ctx);
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
            bars || output.json);
    BuildEventRenderer renderer =
        new BuildEventRenderer(
            ctx,
            console,
            onError == OnError.ASK ? "abort answered to --on-error ask" : "--on-error abort",
            bars ? ProgressBars.onTerminal(ctx.out(), output.color(ctx)) : null);
    BuildReport report = new BuildService().run(request, renderer);
    return renderer.close(report);
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
