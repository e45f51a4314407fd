package dev.eksnode.amibuilder.ebs;

/**
 * A check before anything is created failed because of the configuration or the account (no source AMI, name
 * taken, subnet missing...): the user must change something, nothing was created. The CLI maps it to exit 2.
 */
public final class PreflightException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public PreflightException(String message) {
    super(message);
  }
}
