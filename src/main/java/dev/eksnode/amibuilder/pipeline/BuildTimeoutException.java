package dev.eksnode.amibuilder.pipeline;

import dev.eksnode.amibuilder.failure.Categorized;
import dev.eksnode.amibuilder.failure.FailureCategory;
import java.time.Duration;

/** The whole build ran longer than its time limit; the runner unwound it like a failure. */
public class BuildTimeoutException extends RuntimeException implements Categorized {
  private final Duration limit;

  public BuildTimeoutException(Duration limit, String step) {
    super("build exceeded its time limit of " + limit + " during step '" + step + "'");
    this.limit = limit;
  }

  public Duration limit() {
    return limit;
  }

  @Override
  public FailureCategory category() {
    return FailureCategory.ENVIRONMENT;
  }
}
