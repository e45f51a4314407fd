package dev.eksnode.amibuilder.cli;

import dev.eksnode.amibuilder.config.ConfigException;
import dev.eksnode.amibuilder.ebs.BuildTuning;
import dev.eksnode.amibuilder.ebs.Cleaner;
import dev.eksnode.amibuilder.ebs.CleanupService;
import dev.eksnode.amibuilder.pipeline.BuildId;
import dev.eksnode.amibuilder.pipeline.Resource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** Removes what builds left behind, from the journal and the build-id tags. */
@Command(
    name = "cleanup",
    mixinStandardHelpOptions = true,
    description = {
      "Remove what a build left behind.",
      "Instances, key pairs, security groups, unfinished AMIs, snapshots and volumes tagged by the build. A "
          + "finished build's AMI (tagged ami-builder:complete=true) is never removed, unless the build's "
          + "journal on this machine says it did not succeed (killed, failed or interrupted after the tag). "
          + "A build whose process is still running on this machine is refused (exit 2).",
      "  ami-builder cleanup --build-id ab-20261125T1203-7f3k2q",
      "  ami-builder cleanup --older-than 6h --region us-west-2 --region us-east-1 --dry-run",
      "Exit 0 when nothing is left, 3 when something remains (or, with --dry-run, was found)."
    })
final class CleanupCommand implements Callable<Integer> {
  private static final Pattern DURATION = Pattern.compile("(\\d+)([smhd])");

  @ParentCommand AmiBuilderCommand parent;
  @Mixin AwsOptions aws;
  @Mixin OutputOptions output;

  @Option(
      names = "--build-id",
      paramLabel = "ID",
      description = "The build to finish (printed by k8s).")
  String buildId;

  @Option(
      names = "--older-than",
      paramLabel = "DURATION",
      description =
          "Sweep every ami-builder build started longer ago than this (e.g. 90m, 6h, 2d).")
  String olderThan;

  @Option(
      names = "--region",
      paramLabel = "REGION",
      description =
          "Region to sweep (repeatable); with --build-id added to the regions the journal names."
              + " Without it and without a journal: aws_region, AWS_REGION, AWS_DEFAULT_REGION or"
              + " the profile's region.")
  List<String> regions = new ArrayList<>();

  @Option(names = "--dry-run", description = "Only list what would be removed.")
  boolean dryRun;

  @Override
  public Integer call() {
    CliContext ctx = parent.context();
    Console console = new Console(ctx, output.json, output.quiet);
    if ((buildId == null) == (olderThan == null)) {
      throw new ConfigException("give exactly one of --build-id ID or --older-than DURATION");
    }
    for (String r : regions) {
      RegionRule.checkOption(r, aws.endpoint());
    }
    BuildId id = null;
    Duration age = null;
    if (buildId != null) {
      try {
        id = BuildId.parse(buildId);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(e.getMessage());
      }
    } else {
      age = parseDuration(olderThan);
    }
    CleanupService.Request request =
        new CleanupService.Request(
            id,
            age,
            regions,
            // Without --region (and, with --build-id, without a journal naming the regions): the
            // region rule, which has no template default here.
            regions.isEmpty()
                ? RegionRule.choose(ctx, null, aws.profile, aws.endpoint())
                    .map(RegionRule.Choice::region)
                    .orElse(null)
                : null,
            dryRun,
            ctx.stateDir(),
            BuildTuning.fromEnvironment(ctx.env()),
            (region, endpoint) -> aws.clients(ctx, region),
            ctx.clock());
    CleanupService.Result result = new CleanupService().run(request, console::warn);
    Cleaner.Report report = result.report();
    List<String> sweep = result.regions();
    if (dryRun) {
      report.found().forEach(r -> console.result("would remove " + r));
    } else {
      report.removed().forEach(r -> console.info("removed " + r));
      report.remaining().forEach(r -> ctx.err().println("left: " + r));
    }
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("dry_run", dryRun);
    fields.put("found", report.found().stream().map(Resource::toString).toList());
    fields.put("removed", report.removed().stream().map(Resource::toString).toList());
    fields.put("remaining", report.remaining().stream().map(Resource::toString).toList());
    console.event("cleanup", fields);
    if (report.clean()) {
      console.result(
          "Nothing left"
              + (id != null ? " of build " + id : "")
              + " in "
              + String.join(", ", sweep)
              + ".");
      return ExitCodes.OK;
    }
    if (!dryRun) {
      ctx.err()
          .println(
              "error: "
                  + report.remaining().size()
                  + " resource(s) could not be removed; run the same "
                  + "command again later (with -v for the reasons)");
    }
    ctx.err().flush();
    return ExitCodes.CLEANUP_INCOMPLETE;
  }

  static Duration parseDuration(String text) {
    Matcher m = DURATION.matcher(text.trim());
    if (!m.matches()) {
      throw new ConfigException(
          "--older-than '" + text + "' is not a duration; write e.g. 90m, 6h or 2d");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }
}
