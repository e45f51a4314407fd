package dev.eksnode.amibuilder.aws;

import dev.eksnode.amibuilder.failure.Categorized;
import dev.eksnode.amibuilder.failure.FailureCategory;

/**
 * A wait loop saw a state from which the wanted one is unreachable (an AMI {@code failed}, an
 * instance terminated).
 */
public class WaitFailedException extends RuntimeException implements Categorized {
  private final String state;

  public WaitFailedException(String what, String state) {
    super(what + " reached state '" + state + "' instead");
    this.state = state;
  }

  public String state() {
    return state;
  }

  @Override
  public FailureCategory category() {
    return FailureCategory.ENVIRONMENT;
  }
}
