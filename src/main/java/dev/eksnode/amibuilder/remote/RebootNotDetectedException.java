package dev.eksnode.amibuilder.remote;

/** A provisioner expected the host to reboot, but it never came back with a new boot id. */
public class RebootNotDetectedException extends RemoteOperationException {
  public RebootNotDetectedException(String message) {
    super(message);
  }
}
