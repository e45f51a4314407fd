package dev.eksnode.amibuilder.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RetryTest {
  private static final class Transient extends RuntimeException {
    Transient(String message) {
      super(message);
    }
  }

  private final FakeTime time = new FakeTime();
  private final Retry.Policy policy =
      new Retry.Policy(6, Duration.ofSeconds(1), Duration.ofSeconds(8), Duration.ofMinutes(5));

  private Retry retry(double jitter) {
    return new Retry(policy, e -> e instanceof Transient, time, () -> jitter);
  }

  @Test
  void call_whenTransientErrorTwice_retriesAndReturnsResult() throws Exception {
    AtomicInteger calls = new AtomicInteger();

    String result =
        retry(0.0)
            .call(
                "terminate",
                () -> {
                  if (calls.incrementAndGet() < 3) {
                    throw new Transient("RequestLimitExceeded");
                  }
                  return "done";
                });

    assertEquals("done", result);
    assertEquals(3, calls.get());
    assertEquals(List.of(Duration.ofMillis(500), Duration.ofSeconds(1)), time.sleeps());
  }

  @Test
  void call_whenErrorIsNotRetryable_throwsAtOnceWithoutSleeping() {
    IllegalStateException fatal = new IllegalStateException("UnauthorizedOperation");

    IllegalStateException thrown =
        assertThrows(
            IllegalStateException.class,
            () ->
                retry(0.5)
                    .run(
                        "x",
                        () -> {
                          throw fatal;
                        }));

    assertSame(fatal, thrown);
    assertEquals(List.of(), time.sleeps());
  }

  @Test
  void call_whenAlwaysTransient_stopsAfterMaxAttemptsWithLastError() {
    AtomicInteger calls = new AtomicInteger();

    Transient thrown =
        assertThrows(
            Transient.class,
            () ->
                retry(0.0)
                    .run(
                        "x",
                        () -> {
                          throw new Transient("attempt " + calls.incrementAndGet());
                        }));

    assertEquals("attempt 6", thrown.getMessage());
    assertEquals(6, calls.get());
    assertEquals("attempt 1", thrown.getSuppressed()[0].getMessage());
  }

  @Test
  void delayAfter_doublesUpToCapWithEqualJitter() {
    Retry noJitter = retry(0.0);
    Retry fullJitter = retry(0.999999);

    assertEquals(Duration.ofMillis(500), noJitter.delayAfter(1));
    assertEquals(Duration.ofSeconds(1), noJitter.delayAfter(2));
    assertEquals(Duration.ofSeconds(2), noJitter.delayAfter(3));
    assertEquals(Duration.ofSeconds(4), noJitter.delayAfter(4));
    assertEquals(Duration.ofSeconds(4), noJitter.delayAfter(30));
    assertTrue(fullJitter.delayAfter(4).compareTo(Duration.ofMillis(7990)) > 0);
    assertTrue(fullJitter.delayAfter(30).compareTo(Duration.ofSeconds(8)) <= 0);
  }

  @Test
  void call_whenNextDelayWouldPassMaxElapsed_givesUpEarly() {
    Retry.Policy shortBudget =
        new Retry.Policy(50, Duration.ofSeconds(1), Duration.ofSeconds(8), Duration.ofSeconds(10));
    Retry bounded = new Retry(shortBudget, e -> true, time, () -> 0.999);
    AtomicInteger calls = new AtomicInteger();

    assertThrows(
        Transient.class,
        () ->
            bounded.run(
                "x",
                () -> {
                  calls.incrementAndGet();
                  throw new Transient("DependencyViolation");
                }));

    assertTrue(time.elapsed().compareTo(Duration.ofSeconds(10)) <= 0, "elapsed " + time.elapsed());
    assertTrue(calls.get() < 50);
  }

  @Test
  void call_whenInterruptedWhileBackingOff_throwsInterruptedException() {
    Thread.currentThread().interrupt();
    try {
      assertThrows(
          InterruptedException.class,
          () ->
              retry(0.0)
                  .run(
                      "x",
                      () -> {
                        throw new Transient("throttled");
                      }));
    } finally {
      Thread.interrupted();
    }
  }

  @Test
  void policy_rejectsNonsense() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new Retry.Policy(0, Duration.ZERO, Duration.ZERO, Duration.ZERO));
    assertThrows(
        IllegalArgumentException.class,
        () -> new Retry.Policy(3, Duration.ofSeconds(5), Duration.ofSeconds(1), Duration.ZERO));
  }
}
