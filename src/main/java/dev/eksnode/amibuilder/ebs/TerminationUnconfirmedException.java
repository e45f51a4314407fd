package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.failure.Categorized;
import dev.eksnode.amibuilder.failure.FailureCategory;

/**
 * EC2 accepted the termination of an instance, but the calls that would show it terminated were
 * refused: it is most likely gone or going, and cannot be called removed. The report says so, so a
 * reader (and {@code cleanup}, which finishes the job) knows the instance may already be gone.
 */
final class TerminationUnconfirmedException extends RuntimeException implements Categorized {
  TerminationUnconfirmedException(Throwable cause) {
    super(
        "its termination was accepted but could not be confirmed ("
            + (cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage())
            + ")",
        cause);
  }

  @Override
  public FailureCategory category() {
    return FailureCategory.ENVIRONMENT;
  }
}
