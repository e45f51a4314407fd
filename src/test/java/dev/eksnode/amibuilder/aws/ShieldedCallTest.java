package dev.eksnode.amibuilder.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ShieldedCallTest {

  /** Runs {@code body} on a thread of its own and returns what it threw (or null). */
  private static Thread start(AtomicReference<Throwable> thrown, ThrowingRunnable body) {
    Thread t =
        new Thread(
            () -> {
              try {
                body.run();
              } catch (Throwable e) {
                thrown.set(e);
              }
            },
            "shielded-caller");
    t.start();
    return t;
  }

  private interface ThrowingRunnable {
    void run() throws Exception;
  }

  @Test
  void run_interruptedWhileTheCallRuns_finishesAndRecordsBeforeThrowingInterrupted()
      throws Exception {
    CountDownLatch inCall = new CountDownLatch(1);
    CountDownLatch answer = new CountDownLatch(1);
    AtomicBoolean callSawInterrupt = new AtomicBoolean();
    AtomicReference<String> recorded = new AtomicReference<>();
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread caller =
        start(
            thrown,
            () ->
                ShieldedCall.run(
                    "RunInstances",
                    () -> {
                      inCall.countDown();
                      try {
                        // Stands in for the SDK waiting for AWS's answer.
                        answer.await();
                      } catch (InterruptedException e) {
                        callSawInterrupt.set(true);
                        throw new IllegalStateException("the call was interrupted", e);
                      }
                      recorded.set("i-0123456789abcdef0");
                      return "i-0123456789abcdef0";
                    }));
    assertTrue(inCall.await(30, TimeUnit.SECONDS));
    caller.interrupt();
    // The caller must keep waiting for the call: nothing is recorded until AWS answers.
    caller.join(200);
    assertTrue(caller.isAlive(), "the caller gave up before the call finished");
    assertNull(recorded.get());
    answer.countDown();
    caller.join(TimeUnit.SECONDS.toMillis(30));
    assertFalse(caller.isAlive());
    assertFalse(callSawInterrupt.get(), "the interrupt reached the call");
    assertEquals("i-0123456789abcdef0", recorded.get());
    assertInstanceOf(InterruptedException.class, thrown.get());
    assertTrue(thrown.get().getMessage().contains("RunInstances"), thrown.get().getMessage());
  }

  @Test
  void run_notInterrupted_returnsTheResult() throws Exception {
    assertEquals("ami-1", ShieldedCall.run("CreateImage", () -> "ami-1"));
    assertFalse(Thread.currentThread().isInterrupted());
  }

  @Test
  void run_interruptedBeforeTheCall_neverStartsIt() {
    AtomicBoolean started = new AtomicBoolean();
    Thread.currentThread().interrupt();
    assertThrows(
        InterruptedException.class,
        () ->
            ShieldedCall.run(
                "CopyImage",
                () -> {
                  started.set(true);
                  return "ami-2";
                }));
    assertFalse(started.get());
  }

  @Test
  void run_callFails_rethrowsItsExceptionUnchanged() {
    IllegalArgumentException failure = new IllegalArgumentException("InvalidParameterValue");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                ShieldedCall.run(
                    "ImportKeyPair",
                    () -> {
                      throw failure;
                    }));
    assertEquals(failure, e);
  }

  @Test
  void run_callFailsAfterAnInterrupt_rethrowsItAndKeepsTheInterruptFlag() throws Exception {
    CountDownLatch inCall = new CountDownLatch(1);
    CountDownLatch answer = new CountDownLatch(1);
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicBoolean flagAfter = new AtomicBoolean();
    Thread caller =
        start(
            thrown,
            () -> {
              try {
                ShieldedCall.run(
                    "CreateSecurityGroup",
                    () -> {
                      inCall.countDown();
                      try {
                        answer.await();
                      } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                      }
                      throw new IllegalArgumentException("refused");
                    });
              } finally {
                flagAfter.set(Thread.currentThread().isInterrupted());
              }
            });
    assertTrue(inCall.await(30, TimeUnit.SECONDS));
    caller.interrupt();
    answer.countDown();
    caller.join(TimeUnit.SECONDS.toMillis(30));
    assertInstanceOf(IllegalArgumentException.class, thrown.get());
    // Either the interrupt landed while waiting (flag restored) or after the call ended (flag still
    // set).
    assertTrue(flagAfter.get(), "the cancellation was lost");
  }
}
