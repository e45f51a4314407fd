package dev.eksnode.amibuilder.pipeline;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retries an action with exponential backoff and jitter while a classifier says the error is
 * transient (throttling, eventual consistency, a dependency still shutting down). Bounded by
 * attempts and by elapsed time, interruptible, and driven by an injectable {@link TimeSource} so
 * tests never sleep.
 *
 * <p>Undo calls use it without a cancellation: a Ctrl-C must not cut short the cleanup it
 * triggered.
 */
public final class Retry {
  private static final Logger log = LoggerFactory.getLogger(Retry.class);

  /** An action that may fail with a checked exception. */
  @FunctionalInterface
  public interface Attempt<T> {
    T call() throws Exception;
  }

  /** An action without a result. */
  @FunctionalInterface
  public interface Action {
    void run() throws Exception;
  }

  /**
   * Backoff limits.
   *
   * @param maxAttempts total attempts including the first, at least 1
   * @param initialDelay delay before the second attempt, doubled for each further one
   * @param maxDelay cap for one delay
   * @param maxElapsed no new attempt starts if its delay would end after this much time since the
   *     first
   */
  public record Policy(
      int maxAttempts, Duration initialDelay, Duration maxDelay, Duration maxElapsed) {
    public Policy {
      if (maxAttempts < 1) {
        throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts);
      }
      Objects.requireNonNull(initialDelay, "initialDelay");
      Objects.requireNonNull(maxDelay, "maxDelay");
      Objects.requireNonNull(maxElapsed, "maxElapsed");
      if (initialDelay.isNegative() || maxDelay.compareTo(initialDelay) < 0) {
        throw new IllegalArgumentException("need 0 <= initialDelay <= maxDelay");
      }
    }

    /**
     * For undo calls: a security group stays in use for a minute or two while its instance
     * terminates, so allow about five minutes in total.
     */
    public static Policy forUndo() {
      return new Policy(12, Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofMinutes(5));
    }
  }

  private final Policy policy;
  private final Predicate<Throwable> retryable;
  private final TimeSource time;
  private final DoubleSupplier random;

  /** Retries with real time and random jitter. */
  public Retry(Policy policy, Predicate<Throwable> retryable) {
    this(policy, retryable, TimeSource.system(), () -> ThreadLocalRandom.current().nextDouble());
  }

  /**
   * @param random source of uniform values in [0, 1) for the jitter
   */
  public Retry(
      Policy policy, Predicate<Throwable> retryable, TimeSource time, DoubleSupplier random) {
    this.policy = Objects.requireNonNull(policy, "policy");
    this.retryable = Objects.requireNonNull(retryable, "retryable");
    this.time = Objects.requireNonNull(time, "time");
    this.random = Objects.requireNonNull(random, "random");
  }

  public Policy policy() {
    return policy;
  }

  /**
   * The delay after failed attempt number {@code attempt} (1-based): "equal jitter", i.e. half of
   * the capped exponential delay plus a random share of the other half, so builds retrying together
   * spread out yet never retry sooner than half the nominal delay.
   */
  public Duration delayAfter(int attempt) {
    long base = policy.initialDelay().toNanos();
    long cap = policy.maxDelay().toNanos();
    long nominal = base;
    for (int i = 1; i < attempt && nominal < cap; i++) {
      nominal = Math.min(cap, nominal * 2);
    }
    nominal = Math.min(cap, nominal);
    long half = nominal / 2;
    return Duration.ofNanos(half + (long) (random.getAsDouble() * (nominal - half)));
  }

  /**
   * Calls {@code attempt} until it succeeds, fails with an error the classifier rejects, or the
   * limits are reached; then rethrows the last error (earlier ones attached as suppressed).
   *
   * @throws InterruptedException if interrupted while waiting between attempts
   */
  public <T> T call(String what, Attempt<T> attempt) throws Exception {
    long start = time.nanoTime();
    Exception first = null;
    for (int n = 1; ; n++) {
      try {
        return attempt.call();
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception e) {
        if (first != null && first != e) {
          e.addSuppressed(first);
        }
        if (!retryable.test(e) || n >= policy.maxAttempts()) {
          throw e;
        }
        Duration delay = delayAfter(n);
        if (time.since(start).plus(delay).compareTo(policy.maxElapsed()) > 0) {
          throw e;
        }
        log.debug(
            "{} failed (attempt {}/{}), retrying in {} ms: {}",
            what,
            n,
            policy.maxAttempts(),
            delay.toMillis(),
            e.toString());
        first = first == null ? e : first;
        time.sleep(delay);
      }
    }
  }

  /** As {@link #call} for an action without a result. */
  public void run(String what, Action action) throws Exception {
    call(
        what,
        () -> {
          action.run();
          return null;
        });
  }
}
