package dev.eksnode.amibuilder.remote;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the host after a provisioner with {@code expect_disconnect} ended. As in Packer, the flag
 * allows the connection to go away; it does not demand it: a script that never reboots (upstream
 * sets the flag on {@code limit-c-states.sh}) simply lets the build go on.
 *
 * <p>The rule, measured from the moment the script ended (it exited, or the connection dropped):
 *
 * <ol>
 *   <li>While the connection is up, watch it without round trips. Once the host has kept it, and so
 *       its boot id, for the settle time ({@link SshTarget#rebootStartGrace()}, a few seconds), one
 *       probe of {@code /proc/sys/kernel/random/boot_id} confirms the host still answers on the
 *       same boot: no reboot happened, provisioning continues.
 *   <li>Once the connection is gone (or a probe gets no answer), the host counts as going down:
 *       reconnect, one attempt per probe, every 25 ms for the first 2 s, every 100 ms until 20 s,
 *       then backing off to 1 s.
 *   <li>The first answer with a boot id different from the one read before the script means the
 *       host rebooted: the session now holds the new connection and provisioning continues at once.
 *   <li>An answer with the old boot id after a drop (sshd restarted, not the host) starts the
 *       settle time again on the new connection: a host that is shutting down may still accept a
 *       login before sshd stops. If it holds for the settle time, no reboot happened.
 *   <li>No answer at all until the reboot timeout: fail, the host went down and did not come back.
 *   <li>A different host key on reconnect fails at once ({@link HostKeyMismatchException}).
 * </ol>
 */
final class RebootWatcher {
  private static final Logger LOG = LoggerFactory.getLogger(RebootWatcher.class);
  private static final Duration MAX_PROBE_DELAY = Duration.ofSeconds(1);

  /**
   * Right after the script a container or a quick host may already be back: a refused connect to it
   * costs one round trip, so probing every 25 ms costs little and finds it within 25 ms (at 100 ms
   * a reboot waited 50 ms on average for nothing). An unanswered connect is bounded by the probe
   * timeout, not by this delay.
   */
  private static final Duration QUICK_PROBE_DELAY = Duration.ofMillis(25);

  private static final Duration QUICK_PHASE = Duration.ofSeconds(2);

  /** Until {@link #EARLY_PHASE} has passed: every 100 ms; then backing off to 1 s. */
  private static final Duration EARLY_PROBE_DELAY = Duration.ofMillis(100);

  private static final Duration EARLY_PHASE = Duration.ofSeconds(20);
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);

  /**
   * How often a live connection is checked while the host settles. The check reads local state (the
   * transport closes the session when the peer goes away), so it is cheap; 20 ms keeps the start of
   * a reboot from adding noticeable delay.
   */
  private static final Duration WATCH_INTERVAL = Duration.ofMillis(20);

  private static final long NOT_SEEN = Long.MIN_VALUE;

  /** What became of the host after the script. */
  enum Outcome {
    /** SSH answered with a new boot id; the session holds the new connection. */
    REBOOTED,
    /** The connection dropped, and the host came back on the same boot (only sshd restarted). */
    SAME_BOOT_AFTER_DROP,
    /** The connection stayed up on the same boot: the script did not reboot the host. */
    STAYED_UP
  }

  private RebootWatcher() {}

  /** Returns once the host rebooted or showed it will not; see the class comment for the rule. */
  static Outcome awaitHost(
      SshSession ssh,
      String bootIdBefore,
      long scriptEndedNanos,
      ExecResult.Ending scriptEnding,
      String what)
      throws InterruptedException {
    SshTarget target = ssh.target();
    long deadline = scriptEndedNanos + target.rebootTimeout().toNanos();
    long settle = target.rebootStartGrace().toNanos();
    boolean wentDown = scriptEnding == ExecResult.Ending.DISCONNECTED;
    // Since when the host has answered on the old boot without a break: the script's own ending
    // over the live connection is the first such answer.
    long sameBootSince = wentDown ? NOT_SEEN : scriptEndedNanos;
    Duration delay = QUICK_PROBE_DELAY;
    int probes = 0;
    while (true) {
      long now = System.nanoTime();
      if (now >= deadline) {
        if (sameBootSince != NOT_SEEN && ssh.isConnected()) {
          // Only with a settle time longer than the reboot timeout: the host is up on its old boot.
          return noReboot(what, wentDown, bootIdBefore, scriptEndedNanos);
        }
        throw new RebootNotDetectedException(
            "the SSH connection to "
                + target.describe()
                + " went away after "
                + what
                + " (expect_disconnect), and SSH did not answer again within "
                + target.rebootTimeout().toSeconds()
                + " s of the script's end: the host did not come back");
      }
      if (sameBootSince != NOT_SEEN && ssh.isConnected() && now - sameBootSince < settle) {
        long wait = Math.min(sameBootSince + settle, deadline) - now;
        TimeUnit.NANOSECONDS.sleep(Math.max(1, Math.min(WATCH_INTERVAL.toNanos(), wait)));
        continue;
      }
      Duration probeTimeout = min(PROBE_TIMEOUT, Duration.ofNanos(deadline - now));
      String id = null;
      probes++;
      if (ssh.isConnected()) {
        id = ssh.readBootId(probeTimeout);
      } else {
        // The connection the script ran on (or the one after an earlier drop) is gone: whatever
        // answers next must hold for the settle time again.
        wentDown = true;
        sameBootSince = NOT_SEEN;
        if (ssh.tryConnectOnce(probeTimeout)) {
          id = ssh.readBootId(probeTimeout);
        }
      }
      if (id == null) {
        wentDown = true;
        sameBootSince = NOT_SEEN;
        ssh.dropConnection();
      } else if (!id.equals(bootIdBefore)) {
        LOG.info(
            "{}: host rebooted (boot id {} -> {}), SSH answered {} ms after the script ended",
            what,
            bootIdBefore,
            id,
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - scriptEndedNanos));
        LOG.debug("reboot detected after {} probes", probes);
        return Outcome.REBOOTED;
      } else if (sameBootSince == NOT_SEEN) {
        sameBootSince = System.nanoTime();
        continue;
      } else {
        LOG.debug("no reboot after {} probes", probes);
        return noReboot(what, wentDown, bootIdBefore, scriptEndedNanos);
      }
      long remaining = deadline - System.nanoTime();
      TimeUnit.NANOSECONDS.sleep(Math.max(0, Math.min(delay.toNanos(), remaining)));
      long since = System.nanoTime() - scriptEndedNanos;
      if (since < QUICK_PHASE.toNanos()) {
        delay = QUICK_PROBE_DELAY;
      } else {
        boolean early = since < EARLY_PHASE.toNanos();
        delay = min(delay.multipliedBy(2), early ? EARLY_PROBE_DELAY : MAX_PROBE_DELAY);
      }
    }
  }

  private static Outcome noReboot(
      String what, boolean wentDown, String bootId, long scriptEndedNanos) {
    LOG.info(
        "{}: no reboot ({}, boot id {}), continuing {} ms after the script ended",
        what,
        wentDown ? "the connection dropped but the host came back on the same boot" : "same boot",
        bootId,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - scriptEndedNanos));
    return wentDown ? Outcome.SAME_BOOT_AFTER_DROP : Outcome.STAYED_UP;
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
