package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.aws.AwsClientFactory;
import dev.eksnode.amibuilder.config.Assignment;
import dev.eksnode.amibuilder.pipeline.BuildId;
import dev.eksnode.amibuilder.pipeline.ErrorPrompt;
import dev.eksnode.amibuilder.pipeline.OnError;
import dev.eksnode.amibuilder.template.BuildSpec;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Objects;

/**
 * Everything {@link BuildService#run} needs, decided by the caller: the rendered builds and the
 * options that apply to all of them. Nothing in here has touched AWS yet.
 *
 * @param entries the builds, in order; more than one makes a matrix
 * @param parallel how many builds of a matrix run at once
 * @param journalDir where each build's journal goes
 * @param endpointOverride every AWS call goes here when set ({@code --endpoint-url}); otherwise a
 *     build's own {@code custom_endpoint_ec2} applies to its EC2 calls
 * @param clients opens the AWS clients for a region and endpoint (credentials are the caller's
 *     business)
 * @param notices where the interrupt guard writes what it is doing after Ctrl-C
 * @param interruptedStatus the process exit status when a second Ctrl-C stops waiting for the
 *     unwind (the caller's exit-code table owns the number)
 * @param prompt asks what to do after a failed step; required for {@link OnError#ASK}, else null
 * @param keepKey {@code --debug-keep-key}: a build whose instance is kept writes the temporary
 *     private key into {@code outputDir}
 * @param checkPermissions each build's preflight ends with EC2 dry runs of its create calls ({@code
 *     --check-permissions})
 * @param snapshotProgress image waits also ask DescribeSnapshots for the progress of the image's
 *     snapshots and send {@link BuildEvent.Progress} events (for a progress bar or {@code --json});
 *     false makes no such call
 * @param cleanupArguments the command's own options that a printed {@code cleanup} command must
 *     repeat to reach the same AWS ({@code --profile}, {@code --endpoint-url}), each after a space;
 *     "" for none
 */
public record BuildRequest(
    List<Entry> entries,
    Path outputDir,
    OnError onError,
    int parallel,
    BuildTuning tuning,
    Path journalDir,
    URI endpointOverride,
    ClientSource clients,
    Clock clock,
    PrintStream notices,
    int interruptedStatus,
    FailurePrompt prompt,
    boolean keepKey,
    boolean checkPermissions,
    boolean snapshotProgress,
    String cleanupArguments) {

  /**
   * Asks the person at the terminal what to do after a step of a build failed ({@code --on-error
   * ask}). Called on the build's thread, which is interrupted if the build is cancelled meanwhile.
   */
  @FunctionalInterface
  public interface FailurePrompt {
    /**
     * @param label the build's label ({@code ""} outside a matrix)
     * @param failureLine what failed, one line, the build's secrets masked
     */
    ErrorPrompt.Choice ask(BuildId buildId, String label, String step, String failureLine)
        throws InterruptedException;
  }

  /** A request that never asks, never writes the key, and makes no dry runs or progress calls. */
  public BuildRequest(
      List<Entry> entries,
      Path outputDir,
      OnError onError,
      int parallel,
      BuildTuning tuning,
      Path journalDir,
      URI endpointOverride,
      ClientSource clients,
      Clock clock,
      PrintStream notices,
      int interruptedStatus) {
    this(
        entries,
        outputDir,
        onError,
        parallel,
        tuning,
        journalDir,
        endpointOverride,
        clients,
        clock,
        notices,
        interruptedStatus,
        null,
        false,
        false,
        false,
        "");
  }

  /**
   * One build: its spec as rendered from the user's words, and how to render it again once the
   * binary bucket has completed its version or build date.
   *
   * @param name the entry's name in a matrix file, or null
   * @param reuse look for an available AMI baked from the same inputs before creating anything
   *     ({@code --reuse}, or {@code reuse} in a matrix file)
   */
  public record Entry(String name, BuildSpec spec, Rerender rerender, boolean reuse) {
    public Entry {
      Objects.requireNonNull(spec, "spec");
      Objects.requireNonNull(rerender, "rerender");
    }

    /** An unnamed entry (not from a matrix file) that always bakes. */
    public Entry(BuildSpec spec, Rerender rerender) {
      this(null, spec, rerender, false);
    }
  }

  /** Renders the entry again with values resolved from the bucket added as the top layer. */
  @FunctionalInterface
  public interface Rerender {
    BuildSpec with(List<Assignment> resolved);
  }

  /** Opens the clients of one command; the build core never reads credentials itself. */
  @FunctionalInterface
  public interface ClientSource {
    AwsClientFactory open(String region, URI endpoint);
  }

  public BuildRequest {
    cleanupArguments = cleanupArguments == null ? "" : cleanupArguments;
    entries = List.copyOf(entries);
    if (entries.isEmpty()) {
      throw new IllegalArgumentException("a request needs at least one build");
    }
    if (parallel < 1) {
      throw new IllegalArgumentException("parallel must be at least 1, got " + parallel);
    }
    Objects.requireNonNull(outputDir, "outputDir");
    Objects.requireNonNull(onError, "onError");
    Objects.requireNonNull(tuning, "tuning");
    Objects.requireNonNull(journalDir, "journalDir");
    Objects.requireNonNull(clients, "clients");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(notices, "notices");
    if (onError == OnError.ASK && prompt == null) {
      throw new IllegalArgumentException("on-error ask needs a prompt");
    }
  }
}
