package dev.eksnode.amibuilder.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class CancellationTest {

  @Test
  void cancel_runsCallbacksOnceAndKeepsFirstReason() {
    Cancellation token = Cancellation.create();
    AtomicInteger calls = new AtomicInteger();
    token.onCancel(calls::incrementAndGet);

    token.cancel("SIGINT");
    token.cancel("SIGTERM");

    assertEquals(1, calls.get());
    assertEquals(Optional.of("SIGINT"), token.reason());
    assertThrows(CancelledException.class, token::throwIfCancelled);
  }

  @Test
  void onCancel_afterCancellation_runsImmediately() {
    Cancellation token = Cancellation.create();
    token.cancel("x");
    AtomicInteger calls = new AtomicInteger();

    token.onCancel(calls::incrementAndGet);

    assertEquals(1, calls.get());
  }

  @Test
  void closedRegistration_isNotCalled() {
    Cancellation token = Cancellation.create();
    AtomicInteger calls = new AtomicInteger();
    token.onCancel(calls::incrementAndGet).close();

    token.cancel("x");

    assertEquals(0, calls.get());
  }

  @Test
  void parentCancel_cancelsChildButNotTheOtherWayRound() {
    Cancellation parent = Cancellation.create();
    Cancellation first = parent.child();
    Cancellation second = parent.child();

    first.cancel("build 1 failed");
    assertFalse(parent.isCancelled());
    assertFalse(second.isCancelled());

    parent.cancel("SIGINT");
    assertTrue(second.isCancelled());
    assertEquals(Optional.of("SIGINT"), second.reason());
  }

  @Test
  void interruptOnCancel_interruptsBlockedThread() throws Exception {
    Cancellation token = Cancellation.create();
    boolean[] interrupted = new boolean[1];
    Thread sleeper =
        new Thread(
            () -> {
              Cancellation.Registration registration =
                  token.interruptOnCancel(Thread.currentThread());
              try {
                Thread.sleep(60_000);
              } catch (InterruptedException e) {
                interrupted[0] = true;
              } finally {
                registration.close();
              }
            });
    sleeper.start();
    while (sleeper.getState() != Thread.State.TIMED_WAITING) {
      Thread.onSpinWait();
    }

    token.cancel("stop");
    sleeper.join(5_000);

    assertTrue(interrupted[0]);
  }

  @Test
  void await_returnsTrueAsSoonAsCancelledFromAnotherThread() throws Exception {
    Cancellation token = Cancellation.create();
    new Thread(() -> token.cancel("x")).start();

    assertTrue(token.await(Duration.ofSeconds(5)));
    assertFalse(Cancellation.create().await(Duration.ofMillis(5)));
  }
}
