package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.pipeline.Step;
import dev.eksnode.amibuilder.pipeline.UndoReport;
import dev.eksnode.amibuilder.remote.RemoteOperationException;
import java.util.Objects;

/**
 * Hands the running instance to {@link Provisioning}. The address follows {@code ssh_host} when
 * set, else {@code ssh_interface} (public_ip, private_ip, public_dns, private_dns), else the public
 * IP when there is one.
 */
public final class ProvisionStep implements Step<BuildContext> {
  private final Provisioning provisioning;

  public ProvisionStep(Provisioning provisioning) {
    this.provisioning = Objects.requireNonNull(provisioning, "provisioning");
  }

  @Override
  public String name() {
    return "provision";
  }

  @Override
  public void run(BuildContext ctx) throws Exception {
    provisioning.provision(ctx, endpoint(ctx));
  }

  static InstanceEndpoint endpoint(BuildContext ctx) {
    String host =
        host(
            ctx.settings().ssh().host(),
            ctx.settings().ssh().interfaceName(),
            ctx.state().instance());
    int port = ctx.settings().ssh().port() > 0 ? ctx.settings().ssh().port() : 22;
    return new InstanceEndpoint(
        ctx.state().instance().id(),
        host,
        port,
        ctx.settings().ssh().username(),
        ctx.state().key().keyPair());
  }

  /**
   * The address to connect to: {@code ssh_host} when set, else the one {@code ssh_interface} names,
   * else the public IP or, without one, the private IP. Fails naming the missing address when the
   * instance lacks it.
   */
  static String host(String sshHost, String sshInterface, BuildState.LaunchedInstance i) {
    if (hasText(sshHost)) {
      return sshHost;
    }
    String iface = sshInterface == null ? "" : sshInterface;
    String host =
        switch (iface) {
          case "public_ip" -> i.publicIp();
          case "private_ip" -> i.privateIp();
          case "public_dns" -> i.publicDns();
          case "private_dns" -> i.privateDns();
          default -> hasText(i.publicIp()) ? i.publicIp() : i.privateIp();
        };
    if (hasText(host)) {
      return host;
    }
    String missing =
        switch (iface) {
          case "public_ip" -> "public IP address";
          case "private_ip" -> "private IP address";
          case "public_dns" -> "public DNS name";
          case "private_dns" -> "private DNS name";
          default -> "IP address";
        };
    String fix =
        iface.startsWith("public")
            ? "set associate_public_ip_address=true (or a subnet that assigns public addresses), choose another "
                + "ssh_interface, or set ssh_host"
            : "choose another ssh_interface or set ssh_host";
    throw new RemoteOperationException(
        "instance "
            + i.id()
            + " has no "
            + missing
            + (iface.isEmpty() ? "" : ", which ssh_interface '" + iface + "' connects to")
            + "; "
            + fix);
  }

  /** EC2 leaves an address the instance lacks empty or out of the answer altogether. */
  private static boolean hasText(String value) {
    return value != null && !value.isBlank();
  }

  @Override
  public void undo(BuildContext ctx, UndoReport report) {
    // Changes inside the instance go with the instance.
  }
}
