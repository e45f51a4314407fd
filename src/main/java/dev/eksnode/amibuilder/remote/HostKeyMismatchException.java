package dev.eksnode.amibuilder.remote;

/** The server presented a host key that is not the pinned or first-seen one; never retried. */
public class HostKeyMismatchException extends RemoteOperationException {
  public HostKeyMismatchException(String message) {
    super(message);
  }
}
