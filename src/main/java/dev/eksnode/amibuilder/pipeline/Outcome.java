package dev.eksnode.amibuilder.pipeline;

import java.util.Objects;

/** How a pipeline ended, with what its unwind did. */
public sealed interface Outcome permits Outcome.Succeeded, Outcome.Failed, Outcome.Cancelled {

  CleanupReport cleanup();

  /** Every step ran; temporaries were undone (see {@link Step#keepOnSuccess()}). */
  record Succeeded(CleanupReport cleanup) implements Outcome {
    public Succeeded {
      Objects.requireNonNull(cleanup, "cleanup");
    }
  }

  /**
   * A step failed, or the build timed out ({@code cause} is then a {@link BuildTimeoutException}).
   *
   * @param step the step that failed
   */
  record Failed(String step, Throwable cause, CleanupReport cleanup) implements Outcome {
    public Failed {
      Objects.requireNonNull(step, "step");
      Objects.requireNonNull(cause, "cause");
      Objects.requireNonNull(cleanup, "cleanup");
    }
  }

  /**
   * The build was cancelled (Ctrl-C, SIGTERM, a sibling build's request) and unwound.
   *
   * @param step the step that was running or about to run
   */
  record Cancelled(String step, String reason, CleanupReport cleanup) implements Outcome {
    public Cancelled {
      Objects.requireNonNull(step, "step");
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(cleanup, "cleanup");
    }
  }
}
