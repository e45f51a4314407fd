package dev.eksnode.amibuilder.remote;

/** One provisioning action run over the build's shared SSH session. */
public interface Provisioner {
  /** Short label for progress output and error messages, e.g. {@code shell scripts/cleanup.sh}. */
  String description();

  /**
   * Runs the action, streaming remote output (already redacted) to the sink.
   *
   * @throws RemoteOperationException when the action fails; the message names it and is redacted
   */
  void provision(SshSession ssh, LineSink output) throws InterruptedException;
}
