package dev.eksnode.amibuilder.remote;

/** The SSH connection dropped while a command ran and no disconnect was expected. */
public class ConnectionLostException extends RemoteOperationException {
  public ConnectionLostException(String message) {
    super(message);
  }

  public ConnectionLostException(String message, Throwable cause) {
    super(message, cause);
  }
}
