package dev.eksnode.amibuilder.pipeline;

/**
 * Decides, for {@link OnError#ASK}, what happens after a step failed. The runner calls it on the
 * build's thread and interrupts that thread when the build is cancelled (Ctrl-C, timeout) while it
 * waits, so an implementation that waits for a person must give up on interruption by throwing
 * {@link InterruptedException}.
 */
@FunctionalInterface
public interface ErrorPrompt {

  /** The answers, as Packer's {@code -on-error=ask} offers them. */
  enum Choice {
    /** Undo everything the build created, then fail. */
    CLEANUP,
    /** Keep everything for debugging, then fail. */
    ABORT,
    /** Undo what the failed step itself made so far, then run it again. */
    RETRY
  }

  /**
   * @param step the name of the step that failed
   * @param failure what it threw
   */
  Choice choose(String step, Throwable failure) throws InterruptedException;
}
