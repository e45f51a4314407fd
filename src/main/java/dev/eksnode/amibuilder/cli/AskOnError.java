package dev.eksnode.amibuilder.cli;

import dev.eksnode.amibuilder.ebs.BuildRequest;
import dev.eksnode.amibuilder.pipeline.BuildId;
import dev.eksnode.amibuilder.pipeline.ErrorPrompt.Choice;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@code --on-error ask}: after a failed step, asks on the terminal whether to clean up (the
 * default, also for an empty answer or the end of input), abort (keep everything) or retry the
 * step, as Packer's {@code -on-error=ask} does. Questions go to stderr; the builds of a matrix ask
 * one at a time.
 *
 * <p>The answer is read on a helper thread so that Ctrl-C (which interrupts the waiting build) is
 * not held up by a blocked read; a read cut short that way answers the next question.
 */
final class AskOnError implements BuildRequest.FailurePrompt {
  static final String QUESTION =
      "[c] clean up (remove what the build created, the default), [a] abort (keep it all to"
          + " debug), [r] retry the step? ";

  private final PrintWriter err;
  private final Terminal terminal;
  private final ReentrantLock asking = new ReentrantLock();

  /** A read that was started and not yet taken; guarded by {@link #asking}. */
  private CompletableFuture<String> pending;

  AskOnError(PrintWriter err, Terminal terminal) {
    this.err = err;
    this.terminal = terminal;
  }

  @Override
  public Choice ask(BuildId buildId, String label, String step, String failureLine)
      throws InterruptedException {
    asking.lockInterruptibly();
    try {
      err.println(label + "Build " + buildId + ": " + failureLine);
      while (true) {
        err.print(label + QUESTION);
        err.flush();
        String line = next();
        if (line == null) {
          err.println();
          err.println(label + "No answer (end of input): cleaning up");
          err.flush();
          return Choice.CLEANUP;
        }
        Choice choice = parse(line);
        if (choice != null) {
          err.println(label + said(choice, step));
          err.flush();
          return choice;
        }
        err.println(label + "Answer c, a or r, not '" + line.strip() + "'");
      }
    } finally {
      asking.unlock();
    }
  }

  /**
   * Packer's reading: the first letter decides, so {@code retry} and {@code r} both retry; an empty
   * answer is the default, clean up. Null for anything else.
   */
  static Choice parse(String line) {
    String answer = line.strip().toLowerCase(Locale.ROOT);
    if (answer.isEmpty()) {
      return Choice.CLEANUP;
    }
    return switch (answer.charAt(0)) {
      case 'c' -> Choice.CLEANUP;
      case 'a' -> Choice.ABORT;
      case 'r' -> Choice.RETRY;
      default -> null;
    };
  }

  private static String said(Choice choice, String step) {
    return switch (choice) {
      case CLEANUP -> "Cleaning up";
      case ABORT -> "Aborting: everything the build created is kept";
      case RETRY -> "Retrying step " + step;
    };
  }

  /** The next line from the terminal; null at its end or when it cannot be read. */
  private String next() throws InterruptedException {
    if (pending == null) {
      CompletableFuture<String> read = new CompletableFuture<>();
      Thread reader =
          new Thread(
              () -> {
                try {
                  read.complete(terminal.readLine());
                } catch (Throwable t) {
                  read.completeExceptionally(t);
                }
              },
              "on-error-ask");
      reader.setDaemon(true);
      reader.start();
      pending = read;
    }
    try {
      return pending.get();
    } catch (ExecutionException e) {
      err.println();
      err.println("warning: cannot read the answer: " + e.getCause().getMessage());
      return null;
    } finally {
      if (pending.isDone()) {
        pending = null;
      }
    }
  }
}
