package dev.eksnode.amibuilder.pipeline;

import java.time.Duration;

/**
 * Observes a pipeline for progress output, JSON events and per-phase timing. All methods default to
 * no-ops.
 */
public interface PipelineListener {

  default void stepStarted(String step) {}

  /**
   * @param error {@code null} when the step succeeded
   */
  default void stepFinished(String step, Duration took, Throwable error) {}

  default void undoStarted(String step) {}

  default void undoFinished(String step, Duration took) {}

  static PipelineListener none() {
    return new PipelineListener() {};
  }
}
