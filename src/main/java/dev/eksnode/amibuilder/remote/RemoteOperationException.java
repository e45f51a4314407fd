package dev.eksnode.amibuilder.remote;

import dev.eksnode.amibuilder.failure.Categorized;
import dev.eksnode.amibuilder.failure.FailureCategory;

/** Base of every failure talking to the build instance; messages are already redacted. */
public class RemoteOperationException extends RuntimeException implements Categorized {
  public RemoteOperationException(String message) {
    super(message);
  }

  public RemoteOperationException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public FailureCategory category() {
    return FailureCategory.ENVIRONMENT;
  }
}
