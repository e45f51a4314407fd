package dev.eksnode.amibuilder.pipeline;

/** What the runner does when a step fails or the build times out ({@code --on-error}). */
public enum OnError {
  /** Undo every step in reverse order (the default). */
  CLEANUP,
  /**
   * Keep everything for debugging and report what exists. A cancellation (Ctrl-C, SIGTERM) still
   * cleans up: the user asked to stop, not to keep a running instance.
   */
  ABORT,
  /**
   * Ask the runner's {@link ErrorPrompt} on each step failure: clean up (as {@link #CLEANUP}),
   * abort (as {@link #ABORT}) or retry the step. A timeout or a cancellation is not asked about: it
   * cleans up.
   */
  ASK
}
