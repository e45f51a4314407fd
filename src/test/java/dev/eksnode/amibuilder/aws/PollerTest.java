package dev.eksnode.amibuilder.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.pipeline.Cancellation;
import dev.eksnode.amibuilder.pipeline.CancelledException;
import dev.eksnode.amibuilder.pipeline.FakeTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PollerTest {
  private final FakeTime time = new FakeTime();
  private final Cancellation cancellation = Cancellation.create();
  private final Poller poller = new Poller(Poller.Schedule.responsive(), time, cancellation);

  /** Reports "pending" until {@code readyAfter} has passed on the fake clock, then "available". */
  private String stateAt(Duration readyAfter, long startNanos) {
    return time.since(startNanos).compareTo(readyAfter) >= 0 ? "available" : "pending";
  }

  @Test
  void await_noticesAStateChangeWithinOneSecondEarlyOn() throws Exception {
    long start = time.nanoTime();

    String state =
        poller
            .waitFor("AMI available", () -> stateAt(Duration.ofSeconds(20), start))
            .until("available"::equals)
            .await();

    assertEquals("available", state);
    assertTrue(
        time.elapsed().compareTo(Duration.ofSeconds(21)) <= 0, "noticed after " + time.elapsed());
    assertTrue(time.sleeps().stream().allMatch(d -> d.compareTo(Duration.ofSeconds(1)) <= 0));
  }

  @Test
  void schedule_responsive_startsAtOneSecondThenBacksOffToFifteen() {
    Poller.Schedule schedule = Poller.Schedule.responsive();

    assertEquals(Duration.ofSeconds(1), schedule.next(null, Duration.ZERO));
    assertEquals(
        Duration.ofSeconds(1), schedule.next(Duration.ofSeconds(1), Duration.ofSeconds(1)));
    assertEquals(
        Duration.ofSeconds(1), schedule.next(Duration.ofSeconds(1), Duration.ofSeconds(110)));
    assertEquals(
        Duration.ofMillis(1500), schedule.next(Duration.ofSeconds(1), Duration.ofMinutes(2)));
    assertEquals(
        Duration.ofSeconds(3), schedule.next(Duration.ofSeconds(2), Duration.ofMinutes(3)));
    assertEquals(
        Duration.ofSeconds(15), schedule.next(Duration.ofSeconds(12), Duration.ofMinutes(10)));
    assertEquals(
        Duration.ofSeconds(15), schedule.next(Duration.ofSeconds(15), Duration.ofMinutes(30)));
  }

  @Test
  void await_onALongWait_neverSleepsMoreThanFifteenSeconds() throws Exception {
    long start = time.nanoTime();

    poller
        .waitFor("copy", () -> stateAt(Duration.ofMinutes(20), start))
        .until("available"::equals)
        .timeout(Duration.ofHours(1))
        .await();

    List<Duration> sleeps = time.sleeps();
    assertEquals(Duration.ofSeconds(15), sleeps.get(sleeps.size() - 1));
    assertTrue(sleeps.stream().allMatch(d -> d.compareTo(Duration.ofSeconds(15)) <= 0));
    // About 120 polls in the first two minutes, then roughly four a minute.
    assertTrue(sleeps.size() < 210, "polls: " + sleeps.size());
  }

  @Test
  void await_whenTimeoutPasses_throwsWithLastStateAndStopsAtTheDeadline() {
    WaitTimeoutException e =
        assertThrows(
            WaitTimeoutException.class,
            () ->
                poller
                    .waitFor("instance i-1 running", () -> "pending")
                    .until("running"::equals)
                    .timeout(Duration.ofSeconds(30))
                    .await());

    assertEquals("pending", e.lastState());
    assertEquals(Duration.ofSeconds(30), time.elapsed());
    assertTrue(e.getMessage().contains("instance i-1 running"), e.getMessage());
  }

  @Test
  void await_whenFailureStateSeen_throwsAtOnce() {
    Iterator<String> states = List.of("pending", "failed").iterator();

    WaitFailedException e =
        assertThrows(
            WaitFailedException.class,
            () ->
                poller
                    .waitFor("AMI", states::next)
                    .until("available"::equals)
                    .failWhen("failed"::equals)
                    .await());

    assertEquals("failed", e.state());
  }

  @Test
  void await_toleratesNotFoundRightAfterCreation() throws Exception {
    AtomicInteger polls = new AtomicInteger();
    List<String> progress = new ArrayList<>();

    String state =
        poller
            .waitFor(
                "instance",
                () -> {
                  if (polls.incrementAndGet() < 3) {
                    throw AwsErrorsTest.ec2("InvalidInstanceID.NotFound", 400);
                  }
                  return "running";
                })
            .until("running"::equals)
            .tolerate(AwsErrors::isEventualConsistency)
            .onProgress((what, s, elapsed) -> progress.add(s + "@" + elapsed.toMillis()))
            .await();

    assertEquals("running", state);
    assertEquals(
        List.of(
            "not visible yet (InvalidInstanceID.NotFound)@0",
            "not visible yet (InvalidInstanceID.NotFound)@1000",
            "running@2000"),
        progress);
  }

  @Test
  void await_whenProbeErrorIsNotTolerated_propagatesIt() {
    assertThrows(
        IllegalStateException.class,
        () ->
            poller
                .waitFor(
                    "x",
                    () -> {
                      throw new IllegalStateException("UnauthorizedOperation");
                    })
                .until(s -> true)
                .await());
  }

  @Test
  void await_whenCancelledWhileSleeping_throwsCancelledWithoutAnotherPoll() {
    AtomicInteger polls = new AtomicInteger();
    time.onSleep(
        d -> {
          if (polls.get() == 3) {
            cancellation.cancel("interrupted by SIGINT");
          }
        });

    CancelledException e =
        assertThrows(
            CancelledException.class,
            () ->
                poller
                    .waitFor(
                        "x",
                        () -> {
                          polls.incrementAndGet();
                          return "pending";
                        })
                    .until("done"::equals)
                    .await());

    assertEquals(3, polls.get());
    assertEquals("interrupted by SIGINT", e.getMessage());
  }

  @Test
  void await_withRealTime_wakesAsSoonAsCancelled() throws Exception {
    Cancellation token = Cancellation.create();
    Poller real =
        new Poller(
            new Poller.Schedule(
                Duration.ofSeconds(60),
                Duration.ofSeconds(60),
                Duration.ZERO,
                Duration.ofSeconds(60),
                1.0,
                10),
            dev.eksnode.amibuilder.pipeline.TimeSource.system(),
            token);
    new Thread(
            () -> {
              try {
                Thread.sleep(50);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              token.cancel("stop");
            })
        .start();
    long start = System.nanoTime();

    assertThrows(
        CancelledException.class,
        () -> real.waitFor("x", () -> "pending").until("done"::equals).await());

    assertTrue(System.nanoTime() - start < Duration.ofSeconds(5).toNanos());
  }

  @Test
  void await_whenThreadInterrupted_throwsInterruptedException() {
    Thread.currentThread().interrupt();
    try {
      assertThrows(
          InterruptedException.class,
          () -> poller.waitFor("x", () -> "pending").until("done"::equals).await());
    } finally {
      Thread.interrupted();
    }
  }
}
