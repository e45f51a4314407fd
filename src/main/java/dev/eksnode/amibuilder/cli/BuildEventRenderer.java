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
import java.util.LinkedHashMap;
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

  /** Snapshot progress bars on a terminal; null prints plain lines instead. */
  private final ProgressBars bars;

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
    this.ctx = ctx;
    this.console = console;
    this.keptBecause = keptBecause;
    this.bars = bars;
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
      console.info(p + "Build " + e.buildId() + " (journal " + e.journal() + ")");
      console.event(
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
      console.event("step_started", Map.of("build_id", e.buildId().value(), "step", e.step()));
    } else if (event instanceof BuildEvent.StepFinished e) {
      Map<String, Object> fields = new LinkedHashMap<>();
      fields.put("build_id", e.buildId().value());
      fields.put("step", e.step());
      fields.put("seconds", e.took().toMillis() / 1000.0);
      fields.put("ok", e.ok());
      console.event("step_finished", fields);
    } else if (event instanceof BuildEvent.UndoStarted e) {
      if (unwinding.add(e.buildId())) {
        console.info(p + "==> removing temporary resources");
      }
      console.event("undo_started", Map.of("build_id", e.buildId().value(), "step", e.step()));
    } else if (event instanceof BuildEvent.ResourceCreated e) {
      console.info(p + "  created " + e.resource());
      console.event("resource_created", resourceFields(e.buildId(), e.resource()));
    } else if (event instanceof BuildEvent.SshIngress e) {
      console.info(p + "  " + e.source().line());
      Map<String, Object> fields = new LinkedHashMap<>();
      fields.put("build_id", e.buildId().value());
      fields.put("cidrs", e.source().cidrs());
      fields.put("reason", e.source().reason());
      console.event("ssh_ingress", fields);
    } else if (event instanceof BuildEvent.ResourceRemoved e) {
      console.info(p + "  removed " + e.resource());
      console.event("resource_removed", resourceFields(e.buildId(), e.resource()));
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
      console.event(
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
      console.event(
          "output",
          Map.of(
              "build_id", e.buildId().value(), "provisioner", e.provisioner(), "line", e.line()));
    } else if (event instanceof BuildEvent.Provisioned e) {
      console.info(p + "  " + e.provisioner() + " done in " + e.took().toMillis() + " ms");
      console.event(
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
    console.event("progress", fields);
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
      ctx.err().println(p + "Remove them with: " + result.cleanupCommand());
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
      ctx.err().println(p + "Finish with: " + result.cleanupCommand());
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
        fields.put("cleanup_command", result.cleanupCommand());
      }
    }
    console.event("result", fields);
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
    int code = ExitCodes.forReport(report);
    if (code == ExitCodes.OK) {
      return code;
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
}
