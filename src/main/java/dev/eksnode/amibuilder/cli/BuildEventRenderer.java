package dev.eksnode.amibuilder.cli;

import dev.eksnode.amibuilder.ebs.BuildEvent;
import dev.eksnode.amibuilder.ebs.BuildReport;
import dev.eksnode.amibuilder.ebs.BuildResult;
import dev.eksnode.amibuilder.ebs.KeptAccess;
import dev.eksnode.amibuilder.ebs.ReuseReport;
import dev.eksnode.amibuilder.pipeline.BuildId;
import dev.eksnode.amibuilder.pipeline.CleanupReport;
import dev.eksnode.amibuilder.pipeline.Resource;
import dev.eksnode.amibuilder.report.BuildSummary;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Shows the build core's events: lines for people on the console, one JSON object per event with
 * {@code --json}. Parallel builds call it from their own threads, so each event is printed whole
 * under one lock.
 */
final class BuildEventRenderer implements Consumer<BuildEvent> {
  private final CliContext ctx;
  private final Console console;

  /** Why a failed build keeps what it made, as its "Kept for debugging (…)" line says. */
  private final String keptBecause;

  /** Builds that already printed the "removing temporary resources" header. */
  private final Set<BuildId> unwinding = ConcurrentHashMap.newKeySet();

  /** When each build started, and how long each finished one took, for the summary. */
  private final Map<BuildId, Instant> startedAt = new ConcurrentHashMap<>();

  private final Map<BuildId, Duration> took = new ConcurrentHashMap<>();

  /** Snapshot progress bars on a terminal; null prints plain lines instead. */
  private final ProgressBars bars;

  private final String awsArguments;

  BuildEventRenderer(CliContext ctx, Console console) {
    this(ctx, console, "--on-error abort");
  }

  BuildEventRenderer(CliContext ctx, Console console, String keptBecause) {
    this(ctx, console, keptBecause, null);
  }

  /**
   * @param bars where snapshot progress is drawn as bars (stdout is a terminal, neither {@code
   *     --json} nor {@code -q}); null for plain lines
   */
  BuildEventRenderer(CliContext ctx, Console console, String keptBecause, ProgressBars bars) {
    this(ctx, console, keptBecause, bars, "");
  }

  /**
   * @param awsArguments the command's {@code --profile} and {@code --endpoint-url} as typed (see
   *     {@link AwsOptions#asArguments}), added to every cleanup command printed
   */
  BuildEventRenderer(
      CliContext ctx, Console console, String keptBecause, ProgressBars bars, String awsArguments) {
    this.ctx = ctx;
    this.console = console;
    this.keptBecause = keptBecause;
    this.bars = bars;
    this.awsArguments = awsArguments;
  }

  /** The command that removes what {@code result} left or kept, reaching the same AWS. */
  private String cleanupCommand(BuildResult result) {
    return result.cleanupCommand() + awsArguments;
  }

  @Override
  public synchronized void accept(BuildEvent event) {
    String p = event.label();
    if (event instanceof BuildEvent.Progress e) {
      progress(e);
      return;
    }
    if (event instanceof BuildEvent.Waiting && bars != null && !bars.isEmpty()) {
      // The bars show the state and the time; a line between them would break their layout.
      return;
    }
    if (bars != null) {
      bars.closeAll();
    }
    if (event instanceof BuildEvent.Planned e) {
      console.info(
          "Building AMI "
              + e.amiName()
              + " for Kubernetes "
              + e.kubernetesVersion()
              + " on "
              + e.arch()
              + ", region "
              + e.region()
              + " (from "
              + e.regionSource()
              + ")");

    } else if (event instanceof BuildEvent.Started e) {
      startedAt.put(e.buildId(), ctx.clock().instant());
      console.info(p + "Build " + e.buildId() + " (journal " + e.journal() + ")");
      event(
          e,
          "build_started",
          Map.of(
              "build_id",
              e.buildId().value(),
              "ami_name",
              e.amiName(),
              "region",
              e.region(),
              "region_source",
              e.regionSource()));
    } else if (event instanceof BuildEvent.StepStarted e) {
      console.info(p + "==> " + e.step());
      event(e, "step_started", Map.of("build_id", e.buildId().value(), "step", e.step()));
    } else if (event instanceof BuildEvent.StepFinished e) {
      Map<String, Object> fields = new LinkedHashMap<>();
      fields.put("build_id", e.buildId().value());
      fields.put("step", e.step());
      fields.put("seconds", e.took().toMillis() / 1000.0);
      fields.put("ok", e.ok());
      event(e, "step_finished", fields);
    } else if (event instanceof BuildEvent.UndoStarted e) {
      if (unwinding.add(e.buildId())) {
        console.info(p + "==> removing temporary resources");
      }
      event(e, "undo_started", Map.of("build_id", e.buildId().value(), "step", e.step()));
    } else if (event instanceof BuildEvent.ResourceCreated e) {
      console.info(p + "  created " + e.resource());
      event(e, "resource_created", resourceFields(e.buildId(), e.resource()));
    } else if (event instanceof BuildEvent.SshIngress e) {
      console.info(p + "  " + e.source().line());
      Map<String, Object> fields = new LinkedHashMap<>();
      fields.put("build_id", e.buildId().value());
      fields.put("cidrs", e.source().cidrs());
      fields.put("reason", e.source().reason());
      event(e, "ssh_ingress", fields);
    } else if (event instanceof BuildEvent.ResourceRemoved e) {
      console.info(p + "  removed " + e.resource());
      event(e, "resource_removed", resourceFields(e.buildId(), e.resource()));
    } else if (event instanceof BuildEvent.Waiting e) {
      console.info(
          p
              + "  waiting for "
              + e.what()
              + ": "
              + e.state()
              + " ("
              + e.elapsed().toSeconds()
              + " s)");
      event(
          e,
          "waiting",
          Map.of(
              "build_id",
              e.buildId().value(),
              "what",
              e.what(),
              "state",
              e.state(),
              "elapsed_seconds",
              e.elapsed().toSeconds()));
    } else if (event instanceof BuildEvent.OutputLine e) {
      console.info(p + "  [" + e.provisioner() + "] " + e.line());
      event(
          e,
          "output",
          Map.of(
              "build_id", e.buildId().value(), "provisioner", e.provisioner(), "line", e.line()));
    } else if (event instanceof BuildEvent.Provisioned e) {
      console.info(p + "  " + e.provisioner() + " done in " + e.took().toMillis() + " ms");
      event(
          e,
          "provisioned",
          Map.of(
              "build_id",
              e.buildId().value(),
              "provisioner",
              e.provisioner(),
              "millis",
              e.took().toMillis(),
              "ssh_channels",
              e.channels()));
    } else if (event instanceof BuildEvent.Finished e) {
      finished(e.result());
    }
  }

  /** A bar on a terminal, a plain line otherwise, and the {@code progress} JSON event. */
  private void progress(BuildEvent.Progress e) {
    if (bars != null) {
      bars.show(
          e.buildId().value() + " " + e.what(),
          e.label() + e.imageId() + " " + e.region(),
          e.percent(),
          e.state(),
          e.elapsed(),
          e.percent() >= 100 && "available".equals(e.state()));
    } else {
      console.info(
          e.label()
              + "  snapshots of "
              + e.imageId()
              + " in "
              + e.region()
              + ": "
              + e.percent()
              + "% ("
              + e.state()
              + ", "
              + e.elapsed().toSeconds()
              + " s)");
    }
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("build_id", e.buildId().value());
    fields.put("what", e.what());
    fields.put("region", e.region());
    fields.put("image_id", e.imageId());
    fields.put("state", e.state());
    fields.put("percent", e.percent());
    fields.put("elapsed_seconds", e.elapsed().toSeconds());
    event(e, "progress", fields);
  }

  /**
   * A JSON event of a build; in a matrix it also carries {@code entry}, the name in its label (the
   * matrix entry's name, or the AMI name for {@code all}).
   */
  private void event(BuildEvent e, String type, Map<String, ?> fields) {
    event(e.label(), type, fields);
  }

  private void event(String label, String type, Map<String, ?> fields) {
    String entry = entryOf(label);
    if (entry == null) {
      console.event(type, fields);
      return;
    }
    Map<String, Object> withEntry = new LinkedHashMap<>();
    withEntry.put("entry", entry);
    withEntry.putAll(fields);
    console.event(type, withEntry);
  }

  /** The name inside a label {@code "[name] "}; null for a lone build's {@code ""}. */
  static String entryOf(String label) {
    return label.startsWith("[") && label.endsWith("] ")
        ? label.substring(1, label.length() - 2)
        : null;
  }

  private static Map<String, Object> resourceFields(BuildId id, Resource resource) {
    return Map.of(
        "build_id",
        id.value(),
        "kind",
        resource.kind().name(),
        "id",
        resource.id(),
        "region",
        resource.region());
  }

  /**
   * What is left or kept, the summary, the JSON result and, in a matrix, the build's own error
   * line.
   */
  private void finished(BuildResult result) {
    String p = result.label();
    CleanupReport cleanup = result.cleanup();
    int code = ExitCodes.forOutcome(result.outcome());
    if (!cleanup.kept().isEmpty()) {
      ctx.err().println(p + "Kept for debugging (" + keptBecause + "):");
      cleanup.kept().forEach(r -> ctx.err().println("  " + r));
      entry(p, result.kept());
      ctx.err().println(p + "Remove them with: " + cleanupCommand(result));
    }
    if (!cleanup.leftovers().isEmpty()) {
      ctx.err().println(p + "Cleanup incomplete; left over:");
      for (CleanupReport.Leftover l : cleanup.leftovers()) {
        ctx.err()
            .println(
                "  "
                    + (l.resource() == null
                        ? "(unknown)"
                        : l.resource().kind()
                            + " "
                            + l.resource().id()
                            + " in "
                            + l.resource().region())
                    + ": "
                    + l.lastError());
      }
      ctx.err().println(p + "Finish with: " + cleanupCommand(result));
    }
    ctx.err().flush();
    ReuseReport reuse = result.reuse();
    if (reuse != null && reuse.missLine() != null) {
      console.info(p + "reuse: " + reuse.missLine());
    }
    if (result.succeeded()) {
      boolean reusedAll = reuse != null && reuse.fullyReused(result.amis());
      String name =
          reuse != null && reuse.reusedName() != null ? reuse.reusedName() : result.amiName();
      if (reusedAll) {
        console.info(
            p + "reuse: every AMI is an earlier bake of the same inputs; nothing was launched");
      } else if (reuse != null && !reuse.reused().isEmpty()) {
        console.info(
            p
                + "reuse: the AMI in "
                + String.join(", ", reuse.reused().keySet())
                + " is an earlier bake of the same inputs; only the missing copies were made");
      }
      BuildSummary.lines(
              name,
              result.amis(),
              result.phases(),
              reuse == null ? java.util.Set.of() : reuse.reused().keySet())
          .forEach(l -> console.result(p + l));
    }
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("build_id", result.buildId().value());
    fields.put("status", result.status());
    fields.put("exit_code", code);
    fields.put("amis", result.amis());
    if (reuse != null) {
      fields.put("inputs", reuse.fingerprint());
      fields.put("reused", reuse.reused());
      if (reuse.missLine() != null) {
        Map<String, Object> miss = new LinkedHashMap<>();
        miss.put("last_build", reuse.lastMatchName());
        miss.put("last_image_id", reuse.lastMatchImageId());
        miss.put("changed", reuse.changed());
        fields.put("reuse_miss", miss);
      }
    }
    fields.put(
        "leftovers",
        cleanup.leftovers().stream()
            .filter(l -> l.resource() != null)
            .map(l -> l.resource().toString())
            .toList());
    fields.put("kept", cleanup.kept().stream().map(Resource::toString).toList());
    KeptAccess access = result.kept();
    if (access != null && access.sshCommand() != null) {
      fields.put("ssh_command", access.sshCommand());
    }
    if (access != null && access.keyFile() != null) {
      fields.put("key_file", access.keyFile().toString());
    }
    if (result.failureLine() != null) {
      fields.put("error", result.failureLine());
      if (!cleanup.nothingLeft()) {
        fields.put("cleanup_command", cleanupCommand(result));
      }
    }
    Instant start = startedAt.get(result.buildId());
    if (start != null) {
      took.put(result.buildId(), Duration.between(start, ctx.clock().instant()));
    }
    event(result.label(), "result", fields);
    if (!p.isEmpty() && result.failureLine() != null) {
      ctx.err().println("error: " + p + result.failureLine());
      ctx.err().flush();
    }
  }

  /** How to enter a kept instance: the written key, the exact ssh command, or why there is none. */
  private void entry(String p, KeptAccess access) {
    if (access == null) {
      return;
    }
    if (access.keyFile() != null) {
      ctx.err()
          .println(
              p
                  + "SSH key written to "
                  + access.keyFile()
                  + " (mode 0600; delete it once the build is cleaned up)");
    } else if (access.keyProblem() != null) {
      ctx.err().println(p + "warning: " + access.keyProblem());
    }
    String ssh = access.sshCommand();
    if (ssh == null) {
      ctx.err()
          .println(
              p
                  + "Instance "
                  + access.instanceId()
                  + " has no address SSH could use (see ssh_interface and ssh_host)");
      return;
    }
    ctx.err().println(p + "Enter the instance with: " + ssh);
    if (access.keyFile() == null && access.keyProblem() == null) {
      ctx.err()
          .println(
              p
                  + "  (the build's temporary key was never written to disk; run with"
                  + " --debug-keep-key to have it written)");
    }
  }

  /**
   * The command's exit code for {@code report}, after its closing error line: a lone build's
   * failure line, or for a matrix how many builds did not succeed (each already printed its own).
   */
  int close(BuildReport report) {
    return close(report, false);
  }

  /**
   * As {@link #close(BuildReport)}; with {@code summary} (a matrix file or {@code all}) a table of
   * every entry comes first: its name, regions, AMI ids or failure line, outcome and time, and with
   * {@code --json} a {@code summary} event. The code is the worst of the entries'.
   */
  int close(BuildReport report, boolean summary) {
    int code = ExitCodes.forReport(report);
    if (summary) {
      summary(report, code);
    }
    if (code == ExitCodes.OK) {
      return code;
    }
    if (!report.matrix() && !report.builds().get(0).label().isEmpty()) {
      return code; // a lone named entry already printed its "error: [name] …" line
    }
    String line =
        report.matrix()
            ? report.unsuccessful().size()
                + " of "
                + report.builds().size()
                + " builds did not succeed (see above)"
            : report.builds().get(0).failureLine();
    ctx.err().println("error: " + Main.oneLine(line));
    ctx.err().flush();
    return code;
  }

  private void summary(BuildReport report, int code) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"ENTRY", "REGIONS", "OUTCOME", "TIME", "AMI / ERROR"});
    List<Map<String, Object>> entries = new ArrayList<>();
    for (BuildResult r : report.builds()) {
      String name = entryOf(r.label()) == null ? r.amiName() : entryOf(r.label());
      List<String> regions =
          r.amis().isEmpty() ? (r.region() == null ? List.of() : List.of(r.region())) : regions(r);
      int entryCode = ExitCodes.forOutcome(r.outcome());
      Duration d = took.get(r.buildId());
      Map<String, String> reused = r.reuse() == null ? Map.of() : r.reuse().reused();
      // An AMI taken from an earlier bake of the same inputs says so, here and in the JSON row.
      String amis =
          String.join(
              ", ",
              regions.stream()
                  .filter(r.amis()::containsKey)
                  .map(
                      region ->
                          r.amis().get(region) + (reused.containsKey(region) ? " (reused)" : ""))
                  .toList());
      boolean allReused = r.reuse() != null && r.reuse().fullyReused(r.amis());
      String detail = r.failureLine() != null ? Main.oneLine(r.failureLine()) : amis;
      rows.add(
          new String[] {
            name,
            String.join(",", regions),
            (allReused ? "reused" : r.status()) + " (" + entryCode + ")",
            d == null ? "-" : seconds(d),
            detail
          });
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("entry", name);
      row.put("build_id", r.buildId().value());
      row.put("status", r.status());
      row.put("exit_code", entryCode);
      row.put("regions", regions);
      row.put("amis", r.amis());
      row.put("reused", reused);
      row.put("seconds", d == null ? null : d.toMillis() / 1000.0);
      if (r.failureLine() != null) {
        row.put("error", r.failureLine());
      }
      entries.add(row);
    }
    int[] width = new int[4];
    for (String[] row : rows) {
      for (int i = 0; i < width.length; i++) {
        width[i] = Math.max(width[i], row[i].length());
      }
    }
    console.result(
        "Summary: "
            + (report.builds().size() - report.unsuccessful().size())
            + " of "
            + report.builds().size()
            + " succeeded, exit code "
            + code);
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder("  ");
      for (int i = 0; i < width.length; i++) {
        line.append(String.format("%-" + width[i] + "s  ", row[i]));
      }
      console.result(line.append(row[4]).toString().stripTrailing());
    }
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("exit_code", code);
    fields.put("entries", entries);
    console.event("summary", fields);
  }

  /** The build region first, then the other regions with an AMI, sorted. */
  private static List<String> regions(BuildResult r) {
    List<String> out = new ArrayList<>();
    if (r.region() != null && r.amis().containsKey(r.region())) {
      out.add(r.region());
    }
    r.amis().keySet().stream().sorted().filter(x -> !out.contains(x)).forEach(out::add);
    return out;
  }

  /** {@code 42 s} or {@code 3 m 05 s}. */
  static String seconds(Duration d) {
    long s = Math.round(d.toMillis() / 1000.0);
    return s < 60 ? s + " s" : String.format("%d m %02d s", s / 60, s % 60);
  }
}
