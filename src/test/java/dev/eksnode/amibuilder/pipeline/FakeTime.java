package dev.eksnode.amibuilder.pipeline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** A {@link TimeSource} whose sleeps return at once and advance the clock; records every sleep. */
public final class FakeTime implements TimeSource {
  private long nanos = 1_000_000_000L;
  private final List<Duration> sleeps = new ArrayList<>();
  private Consumer<Duration> onSleep = d -> {};

  @Override
  public synchronized long nanoTime() {
    return nanos;
  }

  @Override
  public void sleep(Duration duration) throws InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException("fake sleep interrupted");
    }
    record(duration);
  }

  @Override
  public boolean sleep(Duration duration, Cancellation cancellation) throws InterruptedException {
    if (cancellation.isCancelled()) {
      return true;
    }
    sleep(duration);
    return cancellation.isCancelled();
  }

  private void record(Duration duration) {
    synchronized (this) {
      sleeps.add(duration);
      nanos += duration.toNanos();
    }
    onSleep.accept(duration);
  }

  public synchronized void advance(Duration duration) {
    nanos += duration.toNanos();
  }

  /** Runs after each sleep, e.g. to cancel a build "while it waits". */
  public void onSleep(Consumer<Duration> action) {
    this.onSleep = action;
  }

  public synchronized List<Duration> sleeps() {
    return List.copyOf(sleeps);
  }

  public synchronized Duration elapsed() {
    return Duration.ofNanos(nanos - 1_000_000_000L);
  }
}
