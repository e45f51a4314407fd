package dev.eksnode.amibuilder.remote;

/**
 * SSH did not become usable within the connect timeout; the message carries the last error seen.
 */
public class SshConnectException extends RemoteOperationException {
  private final int attempts;

  public SshConnectException(String message, int attempts, Throwable lastError) {
    super(message, lastError);
    this.attempts = attempts;
  }

  public int attempts() {
    return attempts;
  }
}
