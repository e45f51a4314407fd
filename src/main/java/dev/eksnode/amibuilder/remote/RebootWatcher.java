package dev.eksnode.amibuilder.remote;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits for the reboot a provisioner announced with {@code expect_disconnect}, without a fixed
 * pause.
 *
 * <p>The rule, measured from the moment the script ended (it exited, or the connection dropped,
 * which already counts as the host going down):
 *
 * <ol>
 *   <li>Probe {@code /proc/sys/kernel/random/boot_id}: over the live connection while it lasts,
 *       then by reconnecting (one attempt per probe), every 100 ms for the first 20 s, then backing
 *       off to 1 s.
 *   <li>The first answer with a boot id different from the one read before the script means the
 *       host rebooted: the session now holds the new connection and provisioning continues at once.
 *   <li>Answers with the old boot id mean the host has not gone down yet (a shutdown takes a
 *       moment). Once the reboot start grace has passed and the host still answers with the old id,
 *       fail: the host never rebooted (the connection stayed up, or it dropped and came back on the
 *       same boot).
 *   <li>No answer at all until the reboot timeout: fail, the host did not come back.
 *   <li>A different host key on reconnect fails at once ({@link HostKeyMismatchException}).
 * </ol>
 */
final class RebootWatcher {
  private static final Logger LOG = LoggerFactory.getLogger(RebootWatcher.class);
  private static final Duration FIRST_PROBE_DELAY = Duration.ofMillis(100);
  private static final Duration MAX_PROBE_DELAY = Duration.ofSeconds(1);

  /**
   * Early on a quick host (or a container) may already be back: probe every 100 ms, back off later.
   * A refused connect costs a round trip; an unanswered one is bounded by the probe timeout, not by
   * this delay.
   */
  private static final Duration EARLY_PROBE_DELAY = Duration.ofMillis(100);

  private static final Duration EARLY_PHASE = Duration.ofSeconds(20);
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);

  private RebootWatcher() {}

  /**
   * Returns once the session is connected to the rebooted host; see the class comment for the rule.
   */
  static String awaitReboot(
      SshSession ssh,
      String bootIdBefore,
      long scriptEndedNanos,
      ExecResult.Ending scriptEnding,
      String what)
      throws InterruptedException {
    SshTarget target = ssh.target();
    long deadline = scriptEndedNanos + target.rebootTimeout().toNanos();
    long graceEnd = scriptEndedNanos + target.rebootStartGrace().toNanos();
    Duration delay = FIRST_PROBE_DELAY;
    // A script cut off by the connection dropping saw the host go down, however quickly sshd came
    // back.
    boolean wentDown = scriptEnding == ExecResult.Ending.DISCONNECTED;
    int probes = 0;
    while (true) {
      long now = System.nanoTime();
      if (now >= deadline) {
        throw new RebootNotDetectedException(
            what
                + " expected a reboot, but "
                + target.describe()
                + " did not answer over SSH with a new boot id within "
                + target.rebootTimeout().toSeconds()
                + " s ("
                + (wentDown ? "it went down and did not come back" : "it never went down")
                + ")");
      }
      Duration probeTimeout = min(PROBE_TIMEOUT, Duration.ofNanos(deadline - now));
      String id = null;
      probes++;
      if (ssh.isConnected()) {
        id = ssh.readBootId(probeTimeout);
      } else {
        // The connection the script ran on is gone: the host (or at least sshd) went down.
        wentDown = true;
        if (ssh.tryConnectOnce(probeTimeout)) {
          id = ssh.readBootId(probeTimeout);
        }
      }
      if (id == null) {
        wentDown = true;
        ssh.dropConnection();
      } else if (!id.equals(bootIdBefore)) {
        LOG.info(
            "{}: host rebooted (boot id {} -> {}), SSH answered {} ms after the script ended",
            what,
            bootIdBefore,
            id,
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - scriptEndedNanos));
        LOG.debug("reboot detected after {} probes", probes);
        return id;
      } else if (System.nanoTime() >= graceEnd) {
        String how =
            wentDown
                ? "the connection dropped but the host came back with the same boot id " + id
                : "the host kept answering with the same boot id " + id;
        throw new RebootNotDetectedException(
            what
                + " was expected to reboot the host (expect_disconnect), but "
                + how
                + " for "
                + target.rebootStartGrace().toSeconds()
                + " s after the script ended");
      }
      long remaining = deadline - System.nanoTime();
      TimeUnit.NANOSECONDS.sleep(Math.max(0, Math.min(delay.toNanos(), remaining)));
      boolean early = System.nanoTime() - scriptEndedNanos < EARLY_PHASE.toNanos();
      delay = min(delay.multipliedBy(2), early ? EARLY_PROBE_DELAY : MAX_PROBE_DELAY);
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
