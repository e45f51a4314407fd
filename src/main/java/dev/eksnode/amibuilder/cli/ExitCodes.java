package dev.eksnode.amibuilder.cli;

import dev.eksnode.amibuilder.failure.Categorized;
import dev.eksnode.amibuilder.failure.FailureCategory;
import dev.eksnode.amibuilder.pipeline.Outcome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * The one place that decides which code a failure ends with: {@link #forFailure} for an exception,
 * {@link #forOutcome} for a finished build. Our exceptions say their {@link FailureCategory}; the
 * few library types we do not own are classified by {@link #FOREIGN}. The codes themselves are the
 * table {@link ExitCode}.
 */
public final class ExitCodes {
  /** Shorthands for the commands' {@code return}s; the values live in {@link ExitCode}. */
  public static final int OK = ExitCode.OK.code();

  public static final int BUILD_FAILED = ExitCode.BUILD_FAILED.code();
  public static final int USAGE = ExitCode.USAGE.code();
  public static final int CLEANUP_INCOMPLETE = ExitCode.CLEANUP_INCOMPLETE.code();
  public static final int INTERNAL = ExitCode.INTERNAL.code();
  public static final int INTERRUPTED = ExitCode.INTERRUPTED.code();

  /**
   * Library exceptions by category, matched with their subclasses. Only what the user must change
   * is usage (picocli rejecting the command line); AWS, the network or the local disk failing is
   * the environment.
   */
  private static final Map<Class<? extends Throwable>, FailureCategory> FOREIGN =
      Map.of(
          CommandLine.ParameterException.class, FailureCategory.USAGE,
          SdkException.class, FailureCategory.ENVIRONMENT,
          IOException.class, FailureCategory.ENVIRONMENT,
          UncheckedIOException.class, FailureCategory.ENVIRONMENT,
          InterruptedException.class, FailureCategory.INTERRUPTED);

  /**
   * Wrappers that only carry a failure from another thread, a future or a picocli command: their
   * cause decides.
   */
  private static final Set<Class<? extends Throwable>> WRAPPERS =
      Set.of(
          ExecutionException.class,
          CompletionException.class,
          CommandLine.ExecutionException.class);

  private ExitCodes() {}

  /**
   * The code a category ends with; the switch fails to compile if a category is added without one.
   */
  public static ExitCode forCategory(FailureCategory category) {
    return switch (category) {
      case USAGE -> ExitCode.USAGE;
      case ENVIRONMENT -> ExitCode.BUILD_FAILED;
      case INTERRUPTED -> ExitCode.INTERRUPTED;
      case BUG -> ExitCode.INTERNAL;
    };
  }

  /** The code for a failure: the one a command already chose, else the code of its category. */
  public static int forFailure(Throwable failure) {
    Throwable t = unwrap(failure);
    // A command that printed its own line may also have chosen a code no category has (3: something
    // remains).
    if (t instanceof CommandFailedException decided) {
      return decided.exitCode();
    }
    return forCategory(categoryOf(t)).code();
  }

  /**
   * The category of a failure: its own if it is ours, else the library table's; anything unknown is
   * a bug of ours.
   */
  public static FailureCategory categoryOf(Throwable failure) {
    Throwable t = unwrap(failure);
    if (t instanceof Categorized categorized) {
      return categorized.category();
    }
    return FOREIGN.entrySet().stream()
        .filter(e -> e.getKey().isInstance(t))
        .map(Map.Entry::getValue)
        .findFirst()
        .orElse(FailureCategory.BUG);
  }

  /**
   * The code for a finished build: leftovers outrank the failure that caused them (the caller must
   * act on them), an interrupt outranks both, and a failure whose unwind completed takes the code
   * of its cause.
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
    for (int c :
        java.util.List.of(INTERRUPTED, CLEANUP_INCOMPLETE, INTERNAL, BUILD_FAILED, USAGE)) {
      if (codes.contains(c)) {
        return c;
      }
    }
    return OK;
  }

  private static Throwable unwrap(Throwable t) {
    Throwable current = t;
    while (current.getCause() != null && isWrapper(current)) {
      current = current.getCause();
    }
    return current;
  }

  private static boolean isWrapper(Throwable t) {
    return WRAPPERS.stream().anyMatch(w -> w.isInstance(t));
  }
}
