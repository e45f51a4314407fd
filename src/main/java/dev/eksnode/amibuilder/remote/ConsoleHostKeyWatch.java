package dev.eksnode.amibuilder.remote;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the instance's console output in the background, alongside the SSH connect attempts, until
 * the host-key block appears or the watch runs out of time, and hands the keys to the {@link
 * HostKeyPolicy}. A fresh instance prints the block late in its boot, often after SSH already
 * answers, so a single read right after launch would almost never pin anything.
 *
 * <p>When the keys contradict a key already trusted on first use, the policy fails and {@link
 * #onMismatch} runs (the session drops its connection, so a running script stops and the next
 * command reports the mismatch).
 */
public final class ConsoleHostKeyWatch implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ConsoleHostKeyWatch.class);

  private final Supplier<String> console;
  private final HostKeyPolicy policy;
  private final Duration interval;
  private final long deadlineNanos;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile Runnable onMismatch = () -> {};
  private volatile boolean done;
  private Thread thread;

  /**
   * @param console the decoded console text so far; may return null or throw while there is none
   * @param bound how long to keep looking, from now
   */
  public ConsoleHostKeyWatch(
      Supplier<String> console, HostKeyPolicy policy, Duration interval, Duration bound) {
    this.console = console;
    this.policy = policy;
    this.interval = interval;
    this.deadlineNanos = System.nanoTime() + bound.toNanos();
  }

  /** Starts polling on a daemon thread. */
  public ConsoleHostKeyWatch start(String threadName) {
    thread = new Thread(this::run, threadName);
    thread.setDaemon(true);
    thread.start();
    return this;
  }

  /** What to do when the console contradicts the key in use (set once the session exists). */
  public void onMismatch(Runnable action) {
    this.onMismatch = action;
  }

  /**
   * One read of the console. Returns true when the watch is finished: the keys were found (pinned,
   * or contradicting the trusted key) or the time is up.
   */
  public boolean pollOnce() {
    if (done) {
      return true;
    }
    ConsoleHostKeys keys;
    try {
      keys = ConsoleHostKeys.parse(console.get());
    } catch (RuntimeException e) {
      LOG.debug("Console output not readable yet: {}", e.getMessage());
      keys = ConsoleHostKeys.empty();
    }
    if (!keys.isEmpty()) {
      done = true;
      if (!policy.pin(keys)) {
        onMismatch.run();
      }
      return true;
    }
    if (System.nanoTime() >= deadlineNanos) {
      done = true;
      LOG.debug("No host keys on the console within the watch; the key stays trusted on first use");
    }
    return done;
  }

  private void run() {
    try {
      while (!pollOnce()) {
        long wait = Math.min(interval.toNanos(), Math.max(0, deadlineNanos - System.nanoTime()));
        if (stopped.await(wait, TimeUnit.NANOSECONDS)) {
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops polling and waits for a read in progress, so no call outlives the provisioning. */
  @Override
  public void close() throws InterruptedException {
    done = true;
    stopped.countDown();
    if (thread == null) {
      return;
    }
    // Join even when this thread was interrupted (a Ctrl-C during the SSH connect), so no
    // GetConsoleOutput call outlives the provisioning; the interrupt is restored afterwards.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    boolean interrupted = false;
    while (thread.isAlive() && System.nanoTime() < deadline) {
      try {
        thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      throw new InterruptedException("interrupted while stopping the console host-key watch");
    }
  }
}
