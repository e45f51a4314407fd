package dev.eksnode.amibuilder.cli;

import dev.eksnode.amibuilder.aws.AwsClientFactory;
import dev.eksnode.amibuilder.config.Assignment;
import dev.eksnode.amibuilder.config.ConfigException;
import dev.eksnode.amibuilder.config.KubernetesVersion;
import dev.eksnode.amibuilder.config.VariableValidator;
import dev.eksnode.amibuilder.config.Variables;
import dev.eksnode.amibuilder.eks.PublishedBuilds;
import dev.eksnode.amibuilder.eks.PublishedBuilds.Build;
import dev.eksnode.amibuilder.eks.PublishedBuilds.Release;
import dev.eksnode.amibuilder.template.Template;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** Lists what the binary bucket publishes: the {@code aws s3 ls} recipe of the upstream guide. */
@Command(
    name = "versions",
    mixinStandardHelpOptions = true,
    description = {
      "List the Kubernetes versions in the binary bucket, newest first, with their build dates,"
          + " platforms and architectures.",
      "Reads <version>/<build date>/bin/<platform>/<arch>/ folder names with S3 ListObjectsV2 (needs"
          + " s3:ListBucket); downloads nothing. The bucket is --bucket, else binary_bucket_name from the"
          + " variable layers (default amazon-eks in us-west-2).",
      "  ami-builder versions --kubernetes-version 1.23",
      "  ami-builder versions --bucket my-eks-binaries --bucket-region eu-west-1 --json"
    })
final class VersionsCommand implements Callable<Integer> {
  @ParentCommand AmiBuilderCommand parent;
  @Mixin AwsOptions aws;
  @Mixin OutputOptions output;

  @Option(
      names = "--kubernetes-version",
      paramLabel = "VERSION",
      description = "Only this version (1.23.9) or minor (1.23: all its patches).")
  String kubernetesVersion;

  @Option(
      names = "--bucket",
      paramLabel = "NAME",
      description = "The binary bucket; wins over binary_bucket_name from any layer.")
  String bucket;

  @Option(
      names = "--bucket-region",
      paramLabel = "REGION",
      description = "The bucket's region; wins over binary_bucket_region from any layer.")
  String bucketRegion;

  @Option(
      names = "--var-file",
      paramLabel = "FILE",
      description =
          "A JSON variable file, as for k8s (binary_bucket_name/region are read from it).")
  List<String> varFiles = new ArrayList<>();

  @Option(names = "--var", paramLabel = "NAME=VALUE", description = "Set one variable, as for k8s.")
  List<String> vars = new ArrayList<>();

  @Option(
      names = "--template",
      paramLabel = "FILE",
      description = "Template whose default variable files to read, as for k8s.")
  String template;

  @Option(
      names = "--template-dir",
      paramLabel = "DIR",
      description = "An amazon-eks-ami checkout whose variables to read, as for k8s.")
  String templateDir;

  @Parameters(
      paramLabel = "NAME=VALUE",
      arity = "0..*",
      description = "Variable assignments, as make accepts them.")
  List<String> words = new ArrayList<>();

  @Override
  public Integer call() {
    CliContext ctx = parent.context();
    Console console = new Console(ctx, output.json, output.quiet);
    KubernetesVersion filter = filter(kubernetesVersion);
    Variables variables = variables(ctx, console);
    String name = variables.value("binary_bucket_name");
    String region = variables.value("binary_bucket_region");
    List<Release> releases;
    try (AwsClientFactory clients = aws.clients(ctx, region)) {
      releases = new PublishedBuilds(clients.s3(region), name, region).list(filter);
    }
    if (console.json()) {
      Map<String, Object> event = new LinkedHashMap<>();
      event.put("bucket", name);
      event.put("region", region);
      event.put("kubernetes_version", kubernetesVersion);
      event.put("versions", json(releases));
      console.event("versions", event);
    } else {
      printTable(ctx, releases);
      console.info(summary(releases, name, region));
    }
    return ExitCodes.OK;
  }

  /** The --kubernetes-version filter, or null. */
  static KubernetesVersion filter(String text) {
    if (text == null) {
      return null;
    }
    return KubernetesVersion.parse(text)
        .filter(v -> !text.strip().startsWith("v"))
        .orElseThrow(
            () ->
                new ConfigException(
                    "--kubernetes-version '"
                        + ConfigException.oneLine(text)
                        + "' is not a Kubernetes version; use MAJOR.MINOR such as 1.23, or"
                        + " MAJOR.MINOR.PATCH such as 1.23.16"));
  }

  /**
   * The bucket and its region through the usual layers (template defaults, variable files,
   * environment, --var and words), with --bucket and --bucket-region on top.
   */
  private Variables variables(CliContext ctx, Console console) {
    BuildOptions options = new BuildOptions();
    options.varFiles = varFiles;
    options.vars = vars;
    options.template = template;
    options.templateDir = templateDir;
    for (String w : words) {
      if (!w.contains("=")) {
        throw new ConfigException(
            "unexpected argument '"
                + ConfigException.oneLine(w)
                + "'; 'versions' takes NAME=VALUE words only (narrow with --kubernetes-version "
                + w
                + ")");
      }
    }
    SpecLoader loader = new SpecLoader(ctx, options, words);
    Template t = loader.template();
    List<Assignment> top = new ArrayList<>();
    if (bucket != null) {
      top.add(new Assignment("binary_bucket_name", bucket, "--bucket"));
    }
    if (bucketRegion != null) {
      top.add(new Assignment("binary_bucket_region", bucketRegion, "--bucket-region"));
    }
    Variables resolved = loader.renderer().resolveVariables(t, loader.variables(t, null, top));
    new VariableValidator().validate(resolved, VariableValidator.Purpose.LIST);
    resolved.warnings().forEach(console::warn);
    for (String required : List.of("binary_bucket_name", "binary_bucket_region")) {
      if (resolved.value(required).isEmpty()) {
        String option = required.equals("binary_bucket_name") ? "--bucket" : "--bucket-region";
        throw new ConfigException(
            required
                + " is not set; pass "
                + option
                + " or set "
                + required
                + " in a variable file");
      }
    }
    return resolved;
  }

  private static List<Map<String, Object>> json(List<Release> releases) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Release r : releases) {
      List<Map<String, Object>> builds = new ArrayList<>();
      for (Build b : r.builds()) {
        Map<String, Object> build = new LinkedHashMap<>();
        build.put("build_date", b.date());
        build.put("platforms", b.platforms());
        builds.add(build);
      }
      Map<String, Object> release = new LinkedHashMap<>();
      release.put("version", r.version().toString());
      release.put("builds", builds);
      out.add(release);
    }
    return out;
  }

  /** One row per build: version, date, and every platform/arch folder. */
  static List<String> table(List<Release> releases) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"VERSION", "BUILD DATE", "PLATFORMS"});
    for (Release r : releases) {
      for (Build b : r.builds()) {
        rows.add(
            new String[] {r.version().toString(), b.date(), String.join(" ", b.platformArches())});
      }
    }
    int w0 = rows.stream().mapToInt(row -> row[0].length()).max().orElse(0);
    int w1 = rows.stream().mapToInt(row -> row[1].length()).max().orElse(0);
    String fmt = "%-" + w0 + "s  %-" + w1 + "s  %s";
    return rows.stream().map(row -> String.format(fmt, row[0], row[1], row[2])).toList();
  }

  private static void printTable(CliContext ctx, List<Release> releases) {
    table(releases).forEach(ctx.out()::println);
    ctx.out().flush();
  }

  private static String summary(List<Release> releases, String bucket, String region) {
    int builds = releases.stream().mapToInt(r -> r.builds().size()).sum();
    return releases.size()
        + (releases.size() == 1 ? " version, " : " versions, ")
        + builds
        + (builds == 1 ? " build" : " builds")
        + " in s3://"
        + bucket
        + " ("
        + region
        + ")";
  }
}
