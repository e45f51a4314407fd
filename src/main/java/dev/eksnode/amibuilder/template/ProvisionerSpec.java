package dev.eksnode.amibuilder.template;

/**
 * A rendered provisioner, in template order; {@code index} is its position for messages and log
 * prefixes.
 */
public sealed interface ProvisionerSpec permits ShellProvisionerSpec, FileProvisionerSpec {
  int index();

  /**
   * A short label for log prefixes, e.g. {@code shell install-worker.sh} or {@code file files/}.
   */
  String label();
}
