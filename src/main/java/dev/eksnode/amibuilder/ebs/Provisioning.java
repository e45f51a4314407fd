package dev.eksnode.amibuilder.ebs;

/**
 * Runs the template's provisioners on the running build instance. The SSH implementation lives in
 * the {@code remote} package; the build only needs this seam.
 */
@FunctionalInterface
public interface Provisioning {

  /**
   * Provisions {@code target}. Throws to fail the build; {@link InterruptedException} when
   * cancelled.
   */
  void provision(BuildContext ctx, InstanceEndpoint target) throws Exception;

  /** Does nothing: used until the SSH provisioner is plugged in, and by tests of the EC2 steps. */
  static Provisioning none() {
    return (ctx, target) -> {};
  }
}
