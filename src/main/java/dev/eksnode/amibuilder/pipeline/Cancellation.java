package dev.eksnode.amibuilder.pipeline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cancellation token that the runner and every wait loop check. Cancelling runs the registered
 * callbacks and interrupts registered threads (a step blocked in a socket read or {@code
 * Thread.sleep} only notices an interrupt). Tokens form a tree: cancelling a parent (the
 * process-wide token of a build matrix) cancels every child (one per build); cancelling a child
 * leaves the parent alone.
 */
public final class Cancellation {
  private static final Logger log = LoggerFactory.getLogger(Cancellation.class);

  private final Object lock = new Object();
  private final CountDownLatch fired = new CountDownLatch(1);
  private final List<Registration> registrations = new ArrayList<>();
  private String reason;

  private Cancellation() {}

  /** A fresh, uncancelled root token. */
  public static Cancellation create() {
    return new Cancellation();
  }

  /** A token cancelled together with this one (and on its own). */
  public Cancellation child() {
    Cancellation child = new Cancellation();
    Registration link = onCancel(() -> child.cancel(reason().orElse("cancelled")));
    // Dropping the link when the child fires keeps a long-lived parent from collecting dead
    // children.
    child.onCancel(link::close);
    return child;
  }

  /** Cancels the token; the first reason wins, later calls do nothing. */
  public void cancel(String why) {
    List<Registration> toFire;
    synchronized (lock) {
      if (reason != null) {
        return;
      }
      reason = why == null ? "cancelled" : why;
      toFire = List.copyOf(registrations);
      registrations.clear();
      fired.countDown();
    }
    log.debug("Cancelled: {}", reason);
    for (Registration registration : toFire) {
      registration.fire();
    }
  }

  public boolean isCancelled() {
    return fired.getCount() == 0;
  }

  /** Why the token was cancelled, if it was. */
  public Optional<String> reason() {
    synchronized (lock) {
      return Optional.ofNullable(reason);
    }
  }

  /** Throws {@link CancelledException} if the token was cancelled. */
  public void throwIfCancelled() {
    if (isCancelled()) {
      throw new CancelledException(reason().orElse("cancelled"));
    }
  }

  /**
   * Waits until the token is cancelled or {@code timeout} passes.
   *
   * @return {@code true} if cancelled
   */
  public boolean await(Duration timeout) throws InterruptedException {
    return fired.await(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS);
  }

  /**
   * Runs {@code callback} once when the token is cancelled (at once if it already is). Close the
   * returned registration to drop the callback.
   */
  public Registration onCancel(Runnable callback) {
    return register(new Registration(this, callback, null));
  }

  /**
   * Interrupts {@code thread} when the token is cancelled (at once if it already is), until the
   * returned registration is closed. Once {@code close()} returns no further interrupt arrives from
   * this token, so the caller can clear the interrupt flag and start its unwind without being
   * interrupted again.
   */
  public Registration interruptOnCancel(Thread thread) {
    return register(new Registration(this, null, thread));
  }

  private Registration register(Registration registration) {
    synchronized (lock) {
      if (reason == null) {
        registrations.add(registration);
        return registration;
      }
    }
    registration.fire();
    return registration;
  }

  private void unregister(Registration registration) {
    synchronized (lock) {
      registrations.remove(registration);
    }
  }

  /** A callback or interrupt target registered with a token. */
  public static final class Registration implements AutoCloseable {
    private final Cancellation owner;
    private final Runnable callback;
    private final Thread thread;
    private boolean closed;

    private Registration(Cancellation owner, Runnable callback, Thread thread) {
      this.owner = owner;
      this.callback = callback;
      this.thread = thread;
    }

    private void fire() {
      synchronized (this) {
        if (closed) {
          return;
        }
        if (thread != null) {
          thread.interrupt();
          return;
        }
      }
      try {
        callback.run();
      } catch (RuntimeException e) {
        log.warn("A cancellation callback failed: {}", e.toString());
      }
    }

    @Override
    public void close() {
      // Holding the registration's monitor means an interrupt in progress finishes before close
      // returns.
      synchronized (this) {
        closed = true;
      }
      owner.unregister(this);
    }
  }
}
