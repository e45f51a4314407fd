package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.remote.ConsoleHostKeyWatch;
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
 * Runs the template's provisioners over one SSH connection to the build instance. While SSH
 * connects, the instance's console output is read every few seconds for the host-key block: once it
 * is there the key is pinned to it, and a key already trusted on first use that the block
 * contradicts fails the build. Without the block the key stays trusted on first use and must not
 * change, also across the kernel reboot.
 */
public final class SshProvisioning implements Provisioning {
  private static final Logger LOG = LoggerFactory.getLogger(SshProvisioning.class);
  static final Duration DEFAULT_REBOOT_TIMEOUT = Duration.ofMinutes(10);

  /**
   * GetConsoleOutput is cheap but counted: every 2 s is quick enough to catch the block as
   * cloud-init prints it.
   */
  static final Duration CONSOLE_POLL_INTERVAL = Duration.ofSeconds(2);

  /**
   * cloud-init prints the keys around the time SSH first answers; a block that late is not coming.
   */
  static final Duration CONSOLE_WATCH_LIMIT = Duration.ofSeconds(60);

  @Override
  public void provision(BuildContext ctx, InstanceEndpoint endpoint) throws Exception {
    List<ProvisionerPlan.Item> plan = ProvisionerPlan.of(ctx.spec(), ctx.outputDir());
    if (plan.isEmpty()) {
      return;
    }
    Duration reboot =
        plan.stream()
            .map(ProvisionerPlan.Item::rebootTimeout)
            .filter(d -> d != null)
            .max(Duration::compareTo)
            .orElse(DEFAULT_REBOOT_TIMEOUT);
    SshTarget target =
        SshTarget.of(endpoint.host(), endpoint.port(), endpoint.username(), endpoint.key())
            .withConnectTimeout(ctx.settings().ssh().timeout())
            .withPty(ctx.settings().ssh().pty());
    target = target.withReboot(reboot, target.rebootStartGrace());
    HostKeyPolicy policy = HostKeyPolicy.trustOnFirstUse();
    String instanceId = endpoint.instanceId();
    Duration watchLimit = min(CONSOLE_WATCH_LIMIT, target.connectTimeout());
    try (ConsoleHostKeyWatch watch =
            new ConsoleHostKeyWatch(
                    () -> consoleText(ctx, instanceId), policy, CONSOLE_POLL_INTERVAL, watchLimit)
                .start("console-host-keys-" + instanceId);
        SshSession ssh = SshSession.connect(target, policy, Redactor.of(ctx.spec().secrets()))) {
      watch.onMismatch(ssh::dropConnection);
      for (ProvisionerPlan.Item item : plan) {
        long start = System.nanoTime();
        long channelsBefore = ssh.channelCount();
        item.provisioner().provision(ssh, (kind, line) -> ctx.events().output(item.label(), line));
        ctx.events()
            .provisioned(
                item.label(),
                Duration.ofNanos(System.nanoTime() - start),
                ssh.channelCount() - channelsBefore);
      }
      policy.checkNotFailed();
    }
  }

  /** The console output so far, decoded; empty while the instance has printed nothing yet. */
  private static String consoleText(BuildContext ctx, String instanceId) {
    try {
      String encoded =
          ctx.ec2().getConsoleOutput(r -> r.instanceId(instanceId).latest(true)).output();
      if (encoded == null || encoded.isEmpty()) {
        return "";
      }
      return new String(Base64.getMimeDecoder().decode(encoded), StandardCharsets.UTF_8);
    } catch (SdkException | IllegalArgumentException e) {
      LOG.debug(
          "[instanceId={}] no console output for host-key pinning: {}", instanceId, e.getMessage());
      return "";
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
