package dev.eksnode.amibuilder.aws;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an AWS create call, and the journaling of what it created, to the end even when the calling
 * thread is interrupted meanwhile; the interrupt is honoured right after.
 *
 * <p>Why: the SDK checks the interrupt flag after the HTTP response arrives and then throws {@code
 * AbortedException}, discarding a response that says AWS has already created the instance, image or
 * group. The step would never learn the id and its undo would have nothing to remove. On a thread
 * the cancellation does not know, the call cannot be aborted half-way; the SDK's own {@code
 * apiCallTimeout} still bounds it.
 */
public final class ShieldedCall {
  private static final Logger log = LoggerFactory.getLogger(ShieldedCall.class);

  private ShieldedCall() {}

  /**
   * Runs {@code work} (the create call plus recording its result) on a thread of its own and waits
   * for it, ignoring interrupts while it runs.
   *
   * @param what the call, for logs and the exception message, e.g. {@code "RunInstances"}
   * @return what {@code work} returned
   * @throws InterruptedException if the caller was interrupted before the call started (it then
   *     never starts) or while it ran (it then finished and recorded its result first)
   */
  public static <T> T run(String what, Supplier<T> work) throws InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException("cancelled before " + what);
    }
    CompletableFuture<T> result = new CompletableFuture<>();
    Thread worker =
        new Thread(
            () -> {
              try {
                result.complete(work.get());
              } catch (Throwable t) {
                result.completeExceptionally(t);
              }
            },
            "aws-" + what);
    worker.setDaemon(true);
    worker.start();
    boolean interrupted = false;
    while (true) {
      T value;
      try {
        value = result.get();
      } catch (InterruptedException e) {
        if (!interrupted) {
          log.debug(
              "Cancelled during {}: letting it finish so the undo knows what it created", what);
        }
        interrupted = true;
        continue;
      } catch (ExecutionException e) {
        if (interrupted) {
          // The call failed on its own; keep the cancellation visible to the caller.
          Thread.currentThread().interrupt();
        }
        Throwable cause = e.getCause();
        if (cause instanceof RuntimeException r) {
          throw r;
        }
        if (cause instanceof Error err) {
          throw err;
        }
        throw new IllegalStateException(what + " failed", cause);
      }
      if (interrupted) {
        throw new InterruptedException(
            "cancelled during " + what + "; what it created is recorded for the undo");
      }
      return value;
    }
  }
}
