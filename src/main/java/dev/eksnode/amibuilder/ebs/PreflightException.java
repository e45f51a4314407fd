package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.failure.Categorized;
import dev.eksnode.amibuilder.failure.FailureCategory;

/**
 * A check before anything is created failed because of the configuration or the account (no source
 * AMI, name taken, subnet missing...): the user must change something, nothing was created. A usage
 * failure.
 */
public final class PreflightException extends RuntimeException implements Categorized {
  private static final long serialVersionUID = 1L;

  public PreflightException(String message) {
    super(message);
  }

  @Override
  public FailureCategory category() {
    return FailureCategory.USAGE;
  }
}
