package dev.eksnode.amibuilder.build;

import dev.eksnode.amibuilder.remote.ConsoleHostKeys;
import dev.eksnode.amibuilder.remote.HostKeyPolicy;
import dev.eksnode.amibuilder.remote.Redactor;
import dev.eksnode.amibuilder.remote.SshSession;
import dev.eksnode.amibuilder.remote.SshTarget;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Runs the template's provisioners over one SSH connection to the build instance. The host key is pinned from the
 * instance's console output when the key block is already there, otherwise trusted on first use and kept for the
 * reconnect after the kernel reboot.
 */
public final class SshProvisioning implements Provisioning {
  private static final Logger LOG = LoggerFactory.getLogger(SshProvisioning.class);
  static final Duration DEFAULT_REBOOT_TIMEOUT = Duration.ofMinutes(10);

  @Override
  public void provision(BuildContext ctx, InstanceEndpoint endpoint) throws Exception {
    List<ProvisionerPlan.Item> plan = ProvisionerPlan.of(ctx.spec(), ctx.outputDir());
    if (plan.isEmpty()) {
      return;
    }
    Duration reboot = plan.stream().map(ProvisionerPlan.Item::rebootTimeout).filter(d -> d != null)
        .max(Duration::compareTo).orElse(DEFAULT_REBOOT_TIMEOUT);
    SshTarget target = SshTarget.of(endpoint.host(), endpoint.port(), endpoint.username(), endpoint.key())
        .withConnectTimeout(ctx.settings().sshTimeout())
        .withPty(ctx.settings().sshPty());
    target = target.withReboot(reboot, target.rebootStartGrace());
    HostKeyPolicy policy = hostKeyPolicy(ctx, endpoint.instanceId());
    try (SshSession ssh = SshSession.connect(target, policy, Redactor.of(ctx.spec().secrets()))) {
      for (ProvisionerPlan.Item item : plan) {
        long start = System.nanoTime();
        long channelsBefore = ssh.channelCount();
        item.provisioner().provision(ssh, (kind, line) -> ctx.events().output(item.label(), line));
        ctx.events().provisioned(item.label(), Duration.ofNanos(System.nanoTime() - start),
            ssh.channelCount() - channelsBefore);
      }
    }
  }

  /** One GetConsoleOutput call: on a fresh instance the key block is often not there yet, which is fine. */
  private static HostKeyPolicy hostKeyPolicy(BuildContext ctx, String instanceId) {
    try {
      String encoded = ctx.ec2().getConsoleOutput(r -> r.instanceId(instanceId).latest(true)).output();
      if (encoded != null && !encoded.isEmpty()) {
        String text = new String(Base64.getMimeDecoder().decode(encoded), StandardCharsets.UTF_8);
        ConsoleHostKeys keys = ConsoleHostKeys.parse(text);
        if (!keys.isEmpty()) {
          LOG.debug("[instanceId={}] pinning the SSH host key from the console: {}", instanceId, keys.describe());
          return HostKeyPolicy.fromConsole(keys);
        }
      }
    } catch (SdkException | IllegalArgumentException e) {
      LOG.debug("[instanceId={}] no console output for host-key pinning: {}", instanceId, e.getMessage());
    }
    LOG.debug("[instanceId={}] trusting the SSH host key on first use", instanceId);
    return HostKeyPolicy.trustOnFirstUse();
  }
}
