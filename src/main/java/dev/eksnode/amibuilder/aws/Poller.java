package dev.eksnode.amibuilder.aws;

import dev.eksnode.amibuilder.pipeline.Cancellation;
import dev.eksnode.amibuilder.pipeline.CancelledException;
import dev.eksnode.amibuilder.pipeline.TimeSource;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls until a resource reaches a state. The default schedule notices a state change within about
 * two seconds during the first minutes (instances boot and stop in well under a minute), then backs
 * off to fifteen seconds for long waits (AMI creation and copies), so a build neither waits blindly
 * nor burns the API budget. Every sleep wakes early on cancellation; every poll first checks it.
 *
 * <pre>{@code
 * Image image = poller.waitFor("AMI " + id + " available", () -> describeImage(id))
 *     .stateOf(i -> i.stateAsString())
 *     .until(i -> i.state() == ImageState.AVAILABLE)
 *     .failWhen(i -> i.state() == ImageState.FAILED)
 *     .tolerate(AwsErrors::isEventualConsistency)
 *     .timeout(Duration.ofMinutes(45))
 *     .await();
 * }</pre>
 */
public final class Poller {
  private static final Logger log = LoggerFactory.getLogger(Poller.class);

  /**
   * When to poll.
   *
   * @param initialDelay delay before the second poll
   * @param fastDelay delay cap during {@code fastPhase}
   * @param fastPhase how long to stay responsive
   * @param maxDelay delay cap afterwards
   * @param growth factor applied to the previous delay
   * @param maxAttempts polls before giving up, 0 for "until the timeout"
   */
  public record Schedule(
      Duration initialDelay,
      Duration fastDelay,
      Duration fastPhase,
      Duration maxDelay,
      double growth,
      int maxAttempts) {
    public Schedule {
      Objects.requireNonNull(initialDelay, "initialDelay");
      Objects.requireNonNull(fastDelay, "fastDelay");
      Objects.requireNonNull(fastPhase, "fastPhase");
      Objects.requireNonNull(maxDelay, "maxDelay");
      if (initialDelay.isNegative()
          || initialDelay.isZero()
          || fastDelay.compareTo(initialDelay) < 0
          || maxDelay.compareTo(fastDelay) < 0) {
        throw new IllegalArgumentException("need 0 < initialDelay <= fastDelay <= maxDelay");
      }
      if (growth < 1.0) {
        throw new IllegalArgumentException("growth must be at least 1, got " + growth);
      }
      if (maxAttempts < 0) {
        throw new IllegalArgumentException("maxAttempts must not be negative");
      }
    }

    /**
     * Every second for the first two minutes (an instance boots or stops, a small AMI turns
     * available, in that time: a state change is seen within a second), then growing by half each
     * poll to 15 s for long waits.
     */
    public static Schedule responsive() {
      return new Schedule(
          Duration.ofSeconds(1),
          Duration.ofSeconds(1),
          Duration.ofMinutes(2),
          Duration.ofSeconds(15),
          1.5,
          0);
    }

    /** The same schedule never waiting longer than {@code cap} (positive) between polls. */
    public Schedule cappedAt(Duration cap) {
      if (cap.compareTo(maxDelay) >= 0) {
        return this;
      }
      return new Schedule(
          shorter(initialDelay, cap), shorter(fastDelay, cap), fastPhase, cap, growth, maxAttempts);
    }

    private static Duration shorter(Duration a, Duration b) {
      return a.compareTo(b) <= 0 ? a : b;
    }

    /**
     * The delay after a poll, given the previous delay ({@code null} after the first) and the time
     * waited.
     */
    public Duration next(Duration previous, Duration elapsed) {
      if (previous == null) {
        return initialDelay;
      }
      Duration grown = Duration.ofNanos((long) (previous.toNanos() * growth));
      Duration cap = elapsed.compareTo(fastPhase) < 0 ? fastDelay : maxDelay;
      return grown.compareTo(cap) > 0 ? cap : grown;
    }
  }

  /** Told after every poll, for the elapsed-time display. */
  @FunctionalInterface
  public interface Progress {
    void update(String what, String state, Duration elapsed);
  }

  private final Schedule schedule;
  private final TimeSource time;
  private final Cancellation cancellation;

  public Poller(Schedule schedule, TimeSource time, Cancellation cancellation) {
    this.schedule = Objects.requireNonNull(schedule, "schedule");
    this.time = Objects.requireNonNull(time, "time");
    this.cancellation = Objects.requireNonNull(cancellation, "cancellation");
  }

  /** The responsive schedule with real time. */
  public Poller(Cancellation cancellation) {
    this(Schedule.responsive(), TimeSource.system(), cancellation);
  }

  public Schedule schedule() {
    return schedule;
  }

  /** Starts describing a wait; {@code probe} is called once per poll. */
  public <T> Wait<T> waitFor(String what, Supplier<T> probe) {
    return new Wait<>(what, probe);
  }

  /** One wait, configured fluently and run by {@link #await()}. */
  public final class Wait<T> {
    private final String what;
    private final Supplier<T> probe;
    private Function<T, String> stateOf = String::valueOf;
    private Predicate<T> until;
    private Predicate<T> failWhen = t -> false;
    private Predicate<Throwable> tolerate = e -> false;
    private Duration timeout = Duration.ofMinutes(30);
    private Progress progress = (w, s, e) -> {};

    private Wait(String what, Supplier<T> probe) {
      this.what = Objects.requireNonNull(what, "what");
      this.probe = Objects.requireNonNull(probe, "probe");
    }

    /** How to show a probe result as a state word (for logs, progress and the timeout message). */
    public Wait<T> stateOf(Function<T, String> describe) {
      this.stateOf = Objects.requireNonNull(describe);
      return this;
    }

    /** The wanted condition. Required. */
    public Wait<T> until(Predicate<T> done) {
      this.until = Objects.requireNonNull(done);
      return this;
    }

    /** A condition that ends the wait with {@link WaitFailedException}. */
    public Wait<T> failWhen(Predicate<T> failed) {
      this.failWhen = Objects.requireNonNull(failed);
      return this;
    }

    /**
     * Probe errors that mean "not yet" rather than failure, e.g. {@link
     * AwsErrors#isEventualConsistency}.
     */
    public Wait<T> tolerate(Predicate<Throwable> transientError) {
      this.tolerate = Objects.requireNonNull(transientError);
      return this;
    }

    /** Overall limit (default 30 minutes). */
    public Wait<T> timeout(Duration limit) {
      if (limit.isNegative() || limit.isZero()) {
        throw new IllegalArgumentException("timeout must be positive");
      }
      this.timeout = limit;
      return this;
    }

    public Wait<T> onProgress(Progress listener) {
      this.progress = Objects.requireNonNull(listener);
      return this;
    }

    /**
     * Polls until the condition holds and returns the last probe result.
     *
     * @throws WaitTimeoutException when the timeout or the schedule's attempts run out
     * @throws WaitFailedException when {@link #failWhen} matched
     * @throws CancelledException when the build was cancelled
     * @throws InterruptedException when the thread was interrupted
     */
    public T await() throws InterruptedException {
      if (until == null) {
        throw new IllegalStateException("wait for " + what + " has no until() condition");
      }
      long start = time.nanoTime();
      Duration delay = null;
      String lastState = null;
      int polls = 0;
      while (true) {
        cancellation.throwIfCancelled();
        if (Thread.interrupted()) {
          throw new InterruptedException("interrupted while waiting for " + what);
        }
        polls++;
        String state;
        try {
          T value = probe.get();
          state = stateOf.apply(value);
          report(state, lastState, start);
          lastState = state;
          if (failWhen.test(value)) {
            throw new WaitFailedException(what, state);
          }
          if (until.test(value)) {
            return value;
          }
        } catch (RuntimeException e) {
          if (e instanceof WaitFailedException || !tolerate.test(e)) {
            throw e;
          }
          state =
              "not visible yet ("
                  + AwsErrors.errorCode(e).orElse(e.getClass().getSimpleName())
                  + ")";
          report(state, lastState, start);
          lastState = state;
        }
        Duration elapsed = time.since(start);
        if (schedule.maxAttempts() > 0 && polls >= schedule.maxAttempts()) {
          throw new WaitTimeoutException(what, elapsed, polls, lastState);
        }
        Duration remaining = timeout.minus(elapsed);
        if (remaining.isNegative() || remaining.isZero()) {
          throw new WaitTimeoutException(what, elapsed, polls, lastState);
        }
        delay = schedule.next(delay, elapsed);
        // Poll one last time right at the deadline rather than sleeping past it.
        Duration sleep = delay.compareTo(remaining) > 0 ? remaining : delay;
        if (time.sleep(sleep, cancellation)) {
          cancellation.throwIfCancelled();
        }
      }
    }

    private void report(String state, String lastState, long start) {
      Duration elapsed = time.since(start);
      if (!Objects.equals(state, lastState)) {
        log.debug("{}: {} after {} s", what, state, elapsed.toSeconds());
      }
      progress.update(what, state, elapsed);
    }
  }
}
