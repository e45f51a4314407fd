package dev.eksnode.amibuilder.cli;

import dev.eksnode.amibuilder.aws.AwsClientFactory;
import dev.eksnode.amibuilder.config.Assignment;
import dev.eksnode.amibuilder.config.ConfigException;
import dev.eksnode.amibuilder.config.KubernetesVersion;
import dev.eksnode.amibuilder.eks.BinaryBucket;
import dev.eksnode.amibuilder.config.Shortcut;
import dev.eksnode.amibuilder.pipeline.OnError;
import dev.eksnode.amibuilder.template.BuildSpec;
import dev.eksnode.amibuilder.template.Template;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** Builds one AMI, a per-minor shortcut, or all of them. */
@Command(name = "k8s", aliases = "build", mixinStandardHelpOptions = true,
    description = {"Build an EKS worker node AMI.",
        "  ami-builder k8s --kubernetes-version 1.23.16 --kubernetes-build-date 2023-01-30",
        "  ami-builder k8s 1.23          (pinned 1.23.16 / 2023-01-30, like 'make 1.23')",
        "  ami-builder k8s all --parallel 2",
        "Everything is validated before AWS is contacted; every resource the build creates is tagged with its build id",
        "and removed on failure or Ctrl-C."})
final class K8sCommand implements Callable<Integer> {
  @ParentCommand AmiBuilderCommand parent;
  @Mixin BuildOptions build;
  @Mixin AwsOptions aws;
  @Mixin OutputOptions output;

  @Option(names = "--on-error", paramLabel = "cleanup|abort", defaultValue = "cleanup",
      description = "On failure remove what the build created (cleanup, default) or keep it for debugging (abort).")
  String onError;

  @Option(names = "--output-dir", paramLabel = "DIR",
      description = "Where manifest.json, <ami_name>-manifest.json and the version info go (default: current directory).")
  String outputDir;

  @Option(names = "--parallel", paramLabel = "N", defaultValue = "1",
      description = "With 'all': how many builds run at once (default ${DEFAULT-VALUE}).")
  int parallel;


  @Option(names = "--checkip-url", hidden = true, paramLabel = "URL",
      description = "Where to learn this machine's public address (default: AMI_BUILDER_CHECKIP_URL or checkip.amazonaws.com).")
  String checkIpUrl;

  @Parameters(paramLabel = "WORDS", arity = "0..*",
      description = "Optional shortcut (1.21 .. 1.25 or all) first, then NAME=VALUE assignments.")
  List<String> words = new ArrayList<>();

  @Override
  public Integer call() {
    CliContext ctx = parent.context();
    Console console = new Console(ctx, output.json, output.quiet);
    if (!onError.equals("cleanup") && !onError.equals("abort")) {
      throw new ConfigException("--on-error '" + onError + "' is not known; use cleanup or abort");
    }
    if (parallel < 1 || parallel > 16) {
      throw new ConfigException("--parallel " + parallel + " is out of range; use 1 to 16");
    }
    Positionals pos = Positionals.parse(words, true);
    if (!pos.all() && parallel != 1) {
      throw new ConfigException("--parallel only applies to 'k8s all'; drop it or build all versions");
    }
    Path out = outputDir == null ? ctx.workingDir() : ctx.resolve(outputDir);
    if (Files.exists(out) && !Files.isDirectory(out)) {
      throw new ConfigException("--output-dir " + out + " is a file; name a directory");
    }
    aws.endpoint();

    SpecLoader loader = new SpecLoader(ctx, build, pos.assignments());
    Template template = loader.template();
    List<BuildSpec> specs = new ArrayList<>();
    List<Shortcut> targets = pos.shortcuts().isEmpty() ? java.util.Collections.singletonList(null) : pos.shortcuts();
    for (Shortcut s : targets) {
      BuildSpec spec = loader.spec(template, loader.variables(template, s));
      spec.variables().warnings().forEach(console::warn);
      specs.add(spec);
    }
    // Only once everything is known to be valid: complete a bare minor version or a missing build date from the
    // binary bucket (the one AWS call before the build itself).
    for (int i = 0; i < specs.size(); i++) {
      List<Assignment> resolved = resolveFromBucket(ctx, specs.get(i));
      if (!resolved.isEmpty()) {
        specs.set(i, loader.spec(template, loader.variables(template, targets.get(i), resolved)));
      }
    }
    for (BuildSpec spec : specs) {
      console.info("Building AMI " + spec.settings().image().name() + " for Kubernetes " + spec.kubernetesVersion() + " on "
          + spec.variables().value("arch") + " in " + spec.settings().region());
    }
    return new BuildLauncher(ctx, console, aws, out, onError.equals("abort") ? OnError.ABORT : OnError.CLEANUP,
        parallel, checkIpUrl).run(specs);
  }

  private List<Assignment> resolveFromBucket(CliContext ctx, BuildSpec spec) {
    String version = spec.kubernetesVersion();
    String date = spec.variables().value("kubernetes_build_date");
    boolean minorOnly = KubernetesVersion.parse(version).map(v -> !v.hasPatch()).orElse(false);
    if (!minorOnly && !date.isEmpty()) {
      return List.of();
    }
    String bucket = spec.variables().value("binary_bucket_name");
    String region = spec.variables().value("binary_bucket_region");
    try (AwsClientFactory clients = aws.clients(ctx, region)) {
      BinaryBucket.Build b;
      try {
        b = new BinaryBucket(clients.s3(region), bucket, region).resolve(version, date);
      } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
        throw new CommandFailedException(ExitCodes.USAGE, "cannot list s3://" + bucket + " in " + region + " ("
            + e.awsErrorDetails().errorCode() + ") to find the newest build of Kubernetes " + version
            + "; pass --kubernetes-build-date, or check binary_bucket_name/binary_bucket_region");
      }
      String from = "resolved from s3://" + bucket;
      List<Assignment> out = new ArrayList<>();
      if (minorOnly) {
        out.add(new Assignment("kubernetes_version", b.version(), from));
      }
      if (date.isEmpty()) {
        out.add(new Assignment("kubernetes_build_date", b.buildDate(), from));
      }
      return out;
    }
  }
}
