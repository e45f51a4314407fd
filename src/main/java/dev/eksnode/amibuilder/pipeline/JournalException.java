package dev.eksnode.amibuilder.pipeline;

import dev.eksnode.amibuilder.failure.Categorized;
import dev.eksnode.amibuilder.failure.FailureCategory;

/** The build journal could not be written or read. */
public class JournalException extends RuntimeException implements Categorized {
  public JournalException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public FailureCategory category() {
    return FailureCategory.ENVIRONMENT;
  }
}
