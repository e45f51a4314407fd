package dev.eksnode.amibuilder.remote;

/** Base of every failure talking to the build instance; messages are already redacted. */
public class RemoteOperationException extends RuntimeException {
  public RemoteOperationException(String message) {
    super(message);
  }

  public RemoteOperationException(String message, Throwable cause) {
    super(message, cause);
  }
}
