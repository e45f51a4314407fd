package dev.eksnode.amibuilder.cli;

import dev.eksnode.amibuilder.aws.WaitFailedException;
import dev.eksnode.amibuilder.aws.WaitTimeoutException;
import dev.eksnode.amibuilder.ebs.PreflightException;
import dev.eksnode.amibuilder.config.ConfigException;
import dev.eksnode.amibuilder.pipeline.BuildTimeoutException;
import dev.eksnode.amibuilder.pipeline.CancelledException;
import dev.eksnode.amibuilder.pipeline.JournalException;
import dev.eksnode.amibuilder.pipeline.Outcome;
import dev.eksnode.amibuilder.remote.RemoteOperationException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * The one exit-code table (README "Exit codes") and the one place that decides which code a failure ends with:
 * {@link #forFailure} for an exception, {@link #forOutcome} for a finished build.
 */
public final class ExitCodes {
  /** The build or command succeeded. */
  public static final int OK = 0;
  /** The build failed and everything it created was removed; also AWS or the network failing a command. */
  public static final int BUILD_FAILED = 1;
  /** Invalid usage or configuration, or a failed preflight check; nothing was created. */
  public static final int USAGE = 2;
  /** The build failed and cleanup is incomplete; left-over ids and the cleanup command are printed. */
  public static final int CLEANUP_INCOMPLETE = 3;
  /** An internal error (a bug): please report it with the output of -vv. */
  public static final int INTERNAL = 4;
  /** Interrupted (Ctrl-C or SIGTERM), after cleanup. */
  public static final int INTERRUPTED = 130;

  private ExitCodes() {}

  /**
   * The code for a failure by its type. Only what the user must change (usage, configuration, a preflight check)
   * is 2; AWS, the network, the instance or the local disk failing is 1; anything else is a bug of ours, 4.
   */
  public static int forFailure(Throwable failure) {
    Throwable t = unwrap(failure);
    if (t instanceof CommandFailedException f) {
      return f.exitCode();
    }
    if (t instanceof ConfigException || t instanceof PreflightException || t instanceof CommandLine.ParameterException) {
      return USAGE;
    }
    if (t instanceof CancelledException || t instanceof InterruptedException) {
      return INTERRUPTED;
    }
    if (isEnvironmentFailure(t)) {
      return BUILD_FAILED;
    }
    return INTERNAL;
  }

  /**
   * The code for a finished build: leftovers outrank the failure that caused them (the caller must act on them),
   * an interrupt outranks both, and a failure whose unwind completed takes the code of its cause.
   */
  public static int forOutcome(Outcome outcome) {
    if (outcome instanceof Outcome.Succeeded) {
      return outcome.cleanup().complete() ? OK : CLEANUP_INCOMPLETE;
    }
    if (outcome instanceof Outcome.Cancelled) {
      return INTERRUPTED;
    }
    if (!outcome.cleanup().nothingLeft()) {
      return CLEANUP_INCOMPLETE;
    }
    return forFailure(((Outcome.Failed) outcome).cause());
  }

  /** The code of a whole request: the most urgent code among its builds ({@link #worst}). */
  public static int forReport(dev.eksnode.amibuilder.ebs.BuildReport report) {
    return worst(report.builds().stream().map(b -> forOutcome(b.outcome())).toList());
  }

  /** 130 beats 3 beats 4 beats 1 beats 2 beats 0: the most urgent news for the caller wins. */
  public static int worst(java.util.List<Integer> codes) {
    for (int c : java.util.List.of(INTERRUPTED, CLEANUP_INCOMPLETE, INTERNAL, BUILD_FAILED, USAGE)) {
      if (codes.contains(c)) {
        return c;
      }
    }
    return OK;
  }

  /** Failures of the world we depend on, not of our code or the user's input. */
  static boolean isEnvironmentFailure(Throwable t) {
    return t instanceof SdkException
        || t instanceof IOException
        || t instanceof UncheckedIOException
        || t instanceof RemoteOperationException
        || t instanceof WaitTimeoutException
        || t instanceof WaitFailedException
        || t instanceof BuildTimeoutException
        || t instanceof JournalException;
  }

  /** Wrappers that only carry a failure from another thread or future. */
  private static Throwable unwrap(Throwable t) {
    Throwable current = t;
    while ((current instanceof ExecutionException || current instanceof CompletionException
        || current instanceof CommandLine.ExecutionException) && current.getCause() != null) {
      current = current.getCause();
    }
    return current;
  }
}
