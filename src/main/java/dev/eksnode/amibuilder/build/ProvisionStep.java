package dev.eksnode.amibuilder.build;

import dev.eksnode.amibuilder.pipeline.Step;
import dev.eksnode.amibuilder.pipeline.UndoReport;
import java.util.Objects;

/**
 * Hands the running instance to {@link Provisioning}. The address follows {@code ssh_host} when set, else
 * {@code ssh_interface} (public_ip, private_ip, public_dns, private_dns), else the public IP when there is one.
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
    BuildContext.LaunchedInstance i = ctx.instance();
    String host = ctx.settings().sshHost();
    if (!PreflightStep.present(host)) {
      String iface = ctx.settings().sshInterface() == null ? "" : ctx.settings().sshInterface();
      host = switch (iface) {
        case "public_ip" -> i.publicIp();
        case "private_ip" -> i.privateIp();
        case "public_dns" -> i.publicDns();
        case "private_dns" -> i.privateDns();
        default -> PreflightStep.present(i.publicIp()) ? i.publicIp() : i.privateIp();
      };
    }
    if (!PreflightStep.present(host)) {
      throw new IllegalStateException("instance " + i.id() + " has no address for ssh_interface '"
          + ctx.settings().sshInterface() + "'; set ssh_interface or associate_public_ip_address");
    }
    int port = ctx.settings().sshPort() > 0 ? ctx.settings().sshPort() : 22;
    return new InstanceEndpoint(i.id(), host, port, ctx.settings().sshUsername(), ctx.key().keyPair());
  }

  @Override
  public void undo(BuildContext ctx, UndoReport report) {
    // Changes inside the instance go with the instance.
  }
}
