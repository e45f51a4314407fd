package dev.eksnode.amibuilder.pipeline;

import java.time.Duration;

/**
 * Monotonic time and sleeping, injectable so retry and wait loops can be tested without sleeping.
 * Tests use a fake whose {@link #sleep} advances {@link #nanoTime} instantly.
 */
public interface TimeSource {

  /** Monotonic nanoseconds, as {@link System#nanoTime()}; only differences are meaningful. */
  long nanoTime();

  /** Sleeps for {@code duration}; interruptible. */
  void sleep(Duration duration) throws InterruptedException;

  /**
   * Sleeps for {@code duration} or until {@code cancellation} fires, whichever comes first.
   *
   * @return {@code true} if the cancellation fired
   */
  boolean sleep(Duration duration, Cancellation cancellation) throws InterruptedException;

  /** Elapsed time since a {@link #nanoTime()} reading. */
  default Duration since(long startNanos) {
    return Duration.ofNanos(nanoTime() - startNanos);
  }

  /** The real clock. */
  static TimeSource system() {
    return SystemTime.INSTANCE;
  }

  /** The real clock; stateless, so one shared instance is safe. */
  final class SystemTime implements TimeSource {
    private static final SystemTime INSTANCE = new SystemTime();

    private SystemTime() {}

    @Override
    public long nanoTime() {
      return System.nanoTime();
    }

    @Override
    public void sleep(Duration duration) throws InterruptedException {
      if (!duration.isNegative() && !duration.isZero()) {
        Thread.sleep(duration.toMillis(), duration.toNanosPart() % 1_000_000);
      }
    }

    @Override
    public boolean sleep(Duration duration, Cancellation cancellation) throws InterruptedException {
      return cancellation.await(duration);
    }
  }
}
