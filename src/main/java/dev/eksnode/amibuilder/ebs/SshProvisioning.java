package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.eks.WorkerBinaries;
import dev.eksnode.amibuilder.remote.ConsoleHostKeyWatch;
import dev.eksnode.amibuilder.remote.ExecResult;
import dev.eksnode.amibuilder.remote.HostKeyPolicy;
import dev.eksnode.amibuilder.remote.LineSink;
import dev.eksnode.amibuilder.remote.Redactor;
import dev.eksnode.amibuilder.remote.RemoteOperationException;
import dev.eksnode.amibuilder.remote.ShellQuoting;
import dev.eksnode.amibuilder.remote.SshSession;
import dev.eksnode.amibuilder.remote.SshTarget;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
  private static final SecureRandom RANDOM = new SecureRandom();

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
    String urlsFile = binaryUrlsPath();
    List<ProvisionerPlan.Item> plan = ProvisionerPlan.of(ctx.spec(), ctx.outputDir(), urlsFile);
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
        if (item.binaryUrls()) {
          uploadBinaryUrls(ctx, ssh, item, urlsFile);
        }
        long start = System.nanoTime();
        long channelsBefore = ssh.channelCount();
        try {
          item.provisioner()
              .provision(ssh, (kind, line) -> ctx.events().output(item.label(), line));
        } catch (RuntimeException | InterruptedException e) {
          if (item.binaryUrls()) {
            removeBinaryUrlsAfterFailure(ssh, urlsFile, e);
          }
          throw e;
        }
        ctx.events()
            .provisioned(
                item.label(),
                Duration.ofNanos(System.nanoTime() - start),
                ssh.channelCount() - channelsBefore);
        if (item.binaryUrls()) {
          removeBinaryUrls(ssh, urlsFile);
        }
      }
      policy.checkNotFailed();
    }
  }

  /**
   * Where the file of pre-signed URLs goes on the instance: a new name per build, so an existing
   * file (or a link planted there) is never written through.
   */
  static String binaryUrlsPath() {
    byte[] random = new byte[12];
    RANDOM.nextBytes(random);
    return "/tmp/ami-builder-binary-urls-" + HexFormat.of().formatHex(random);
  }

  /**
   * Signs the binary bucket's objects that {@code item} downloads and writes their URLs to {@code
   * path} on the instance, readable by the SSH user alone. Signing happens now, right before the
   * script runs, so the whole validity is left for its downloads. The URLs travel on the command's
   * standard input (no command line or log holds them) and the session masks them from here on.
   * Without the values the object names need, the file is written empty and the script falls back
   * to its other ways of downloading.
   */
  static void uploadBinaryUrls(
      BuildContext ctx, SshSession ssh, ProvisionerPlan.Item item, String path)
      throws InterruptedException {
    ssh.requireConnected(item.label());
    Optional<WorkerBinaries> binaries =
        WorkerBinaries.fromEnvironment(item.environment(), architecture(ctx));
    Duration expiry = BinaryUrls.expiry();
    BinaryUrls.Signed signed =
        binaries
            .map(b -> BinaryUrls.sign(ctx.s3Presigner(b.region()), b, expiry))
            .orElseGet(() -> new BinaryUrls.Signed(Map.of()));
    ssh.redactAlso(signed.secrets());
    byte[] content = signed.fileText().getBytes(StandardCharsets.UTF_8);
    List<String> errors = new ArrayList<>();
    ExecResult written =
        ssh.execWithInput(
            "umask 077 && set -C && cat > " + ShellQuoting.quote(path),
            stdin -> stdin.write(content),
            (kind, line) -> errors.add(line));
    if (!written.succeeded()) {
      throw new RemoteOperationException(
          "could not write the pre-signed URL file "
              + path
              + " on the instance for "
              + item.label()
              + ": "
              + written.describe()
              + (errors.isEmpty() ? "" : " (" + String.join("; ", errors) + ")"));
    }
    if (binaries.isPresent()) {
      LOG.info(
          "{}: {} pre-signed URLs for s3://{}/{}/ in {}, valid for {} minutes",
          item.label(),
          signed.byKey().size(),
          binaries.get().bucket(),
          binaries.get().prefix(),
          path,
          expiry.toMinutes());
    } else {
      LOG.info(
          "{}: no binary bucket objects to sign (bucket, region, version, build date or architecture"
              + " unknown); {} is empty",
          item.label(),
          path);
    }
  }

  /**
   * Removes the file of URLs once its script is done: the image must not keep them. A failure to
   * remove it fails the build.
   */
  static void removeBinaryUrls(SshSession ssh, String path) throws InterruptedException {
    ExecResult removed = ssh.exec("rm -f " + ShellQuoting.quote(path), false, LineSink.discard());
    if (!removed.succeeded()) {
      throw new RemoteOperationException(
          "could not remove the pre-signed URL file "
              + path
              + " from the instance ("
              + removed.describe()
              + "); the image would keep it");
    }
  }

  /** After a failed script the build fails anyway; the removal is attempted, not required. */
  private static void removeBinaryUrlsAfterFailure(SshSession ssh, String path, Exception failure) {
    if (!ssh.isConnected() || Thread.currentThread().isInterrupted()) {
      return;
    }
    try {
      removeBinaryUrls(ssh, path);
    } catch (RuntimeException | InterruptedException e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      failure.addSuppressed(e);
    }
  }

  /**
   * The instance's architecture as EC2 names it: the source AMI's, which is what the instance runs,
   * else the {@code arch} variable.
   */
  static String architecture(BuildContext ctx) {
    BuildState.SourceImage source = ctx.state().source();
    if (source != null && source.architecture() != null && !source.architecture().isBlank()) {
      return source.architecture();
    }
    return ctx.spec().variables().value("arch");
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
