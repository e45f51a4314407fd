package dev.eksnode.amibuilder.pipeline;

import dev.eksnode.amibuilder.failure.Categorized;
import dev.eksnode.amibuilder.failure.FailureCategory;

/** Thrown by wait loops and steps when the build's {@link Cancellation} fired. */
public class CancelledException extends RuntimeException implements Categorized {
  public CancelledException(String reason) {
    super(reason);
  }

  @Override
  public FailureCategory category() {
    return FailureCategory.INTERRUPTED;
  }
}
