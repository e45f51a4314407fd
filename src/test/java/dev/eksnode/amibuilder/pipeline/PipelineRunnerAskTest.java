package dev.eksnode.amibuilder.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link OnError#ASK}: the prompt's clean up, abort and retry answers, and asking cut short. */
@Timeout(10)
class PipelineRunnerAskTest {
  private static final Resource KEY = new Resource(ResourceKind.KEY_PAIR, "ab-key", "us-west-2");
  private static final Resource INSTANCE =
      new Resource(ResourceKind.INSTANCE, "i-0abc", "us-west-2");

  private final InMemoryLedger ledger = new InMemoryLedger();
  private final List<String> log = Collections.synchronizedList(new ArrayList<>());
  private final List<String> asked = Collections.synchronizedList(new ArrayList<>());

  /** A prompt that gives these answers in order and records what it was asked about. */
  private ErrorPrompt answering(ErrorPrompt.Choice... answers) {
    Deque<ErrorPrompt.Choice> left = new ArrayDeque<>(List.of(answers));
    return (step, failure) -> {
      asked.add(step + ": " + failure.getMessage());
      return left.removeFirst();
    };
  }

  private Outcome run(ErrorPrompt prompt, Duration timeout, List<Step<List<String>>> steps) {
    return new PipelineRunner<List<String>>(
            new PipelineRunner.Options(OnError.ASK, timeout, prompt), ledger)
        .run(steps, log, Cancellation.create());
  }

  private Outcome run(ErrorPrompt prompt, List<Step<List<String>>> steps) {
    return run(prompt, Duration.ofMinutes(5), steps);
  }

  /** A step that creates {@code resource} on each run and fails the first {@code failures}. */
  private RecordingStep flaky(String name, Resource resource, int failures) {
    AtomicInteger runs = new AtomicInteger();
    return new RecordingStep(
        name,
        false,
        l -> {
          if (runs.incrementAndGet() <= failures) {
            throw new IOException(name + " failed on run " + runs.get());
          }
        },
        ledger,
        resource);
  }

  private RecordingStep creating(String name, Resource resource) {
    return new RecordingStep(name, false, l -> {}, ledger, resource);
  }

  @Test
  void retry_undoesTheFailedStepsWorkThenRunsItAgain_andTheBuildGoesOn() {
    Outcome outcome =
        run(
            answering(ErrorPrompt.Choice.RETRY),
            List.of(creating("key", KEY), flaky("launch", INSTANCE, 1), new RecordingStep("tag")));

    assertInstanceOf(Outcome.Succeeded.class, outcome);
    assertEquals(List.of("launch: launch failed on run 1"), asked);
    assertEquals(
        List.of(
            "run key",
            "run launch",
            "undo launch",
            "run launch",
            "run tag",
            "undo tag",
            "undo launch",
            "undo key"),
        log);
    assertEquals(List.of(), ledger.live());
    assertTrue(outcome.cleanup().complete());
  }

  @Test
  void retryThatFailsAgain_asksAgain() {
    Outcome outcome =
        run(
            answering(ErrorPrompt.Choice.RETRY, ErrorPrompt.Choice.RETRY),
            List.of(flaky("launch", INSTANCE, 2)));

    assertInstanceOf(Outcome.Succeeded.class, outcome);
    assertEquals(
        List.of("launch: launch failed on run 1", "launch: launch failed on run 2"), asked);
  }

  @Test
  void abort_keepsEverythingAndUndoesNothing() {
    Outcome outcome =
        run(
            answering(ErrorPrompt.Choice.ABORT),
            List.of(
                creating("key", KEY), flaky("launch", INSTANCE, 1), new RecordingStep("never")));

    Outcome.Failed failed = assertInstanceOf(Outcome.Failed.class, outcome);
    assertEquals("launch", failed.step());
    assertEquals(List.of("run key", "run launch"), log);
    assertEquals(List.of(KEY, INSTANCE), failed.cleanup().kept());
    assertEquals(List.of(KEY, INSTANCE), ledger.live());
  }

  @Test
  void abortAfterARetry_keepsWhatTheSecondRunMade() {
    Outcome outcome =
        run(
            answering(ErrorPrompt.Choice.RETRY, ErrorPrompt.Choice.ABORT),
            List.of(creating("key", KEY), flaky("launch", INSTANCE, 2)));

    Outcome.Failed failed = assertInstanceOf(Outcome.Failed.class, outcome);
    assertEquals(List.of("run key", "run launch", "undo launch", "run launch"), log);
    assertEquals(List.of(KEY, INSTANCE), failed.cleanup().kept());
  }

  @Test
  void cleanup_undoesEverythingAndFailsWithTheStepsError() {
    IOException boom = new IOException("RunInstances refused");
    Outcome outcome =
        run(
            answering(ErrorPrompt.Choice.CLEANUP),
            List.of(
                creating("key", KEY),
                new RecordingStep(
                    "launch",
                    false,
                    l -> {
                      throw boom;
                    },
                    ledger,
                    INSTANCE)));

    Outcome.Failed failed = assertInstanceOf(Outcome.Failed.class, outcome);
    assertSame(boom, failed.cause());
    assertEquals(List.of("run key", "run launch", "undo launch", "undo key"), log);
    assertTrue(failed.cleanup().nothingLeft());
    assertEquals(List.of(), ledger.live());
  }

  @Test
  void aPromptThatBreaks_cleansUp() {
    Outcome outcome =
        run(
            (step, failure) -> {
              throw new IllegalStateException("no terminal any more");
            },
            List.of(creating("key", KEY), flaky("launch", INSTANCE, 1)));

    assertInstanceOf(Outcome.Failed.class, outcome);
    assertEquals(List.of(), ledger.live());
    assertTrue(outcome.cleanup().nothingLeft());
  }

  @Test
  void cancelledWhileAsking_unwindsAsACancellation() throws Exception {
    CountDownLatch asking = new CountDownLatch(1);
    Cancellation cancellation = Cancellation.create();
    Outcome[] result = new Outcome[1];
    ErrorPrompt waitsForever =
        (step, failure) -> {
          asking.countDown();
          new CountDownLatch(1).await();
          throw new AssertionError("not reached");
        };
    Thread build =
        new Thread(
            () ->
                result[0] =
                    new PipelineRunner<List<String>>(
                            new PipelineRunner.Options(
                                OnError.ASK, Duration.ofMinutes(5), waitsForever),
                            ledger)
                        .run(
                            List.of(creating("key", KEY), flaky("launch", INSTANCE, 1)),
                            log,
                            cancellation));
    build.start();
    assertTrue(asking.await(5, TimeUnit.SECONDS));
    cancellation.cancel("interrupted by SIGINT");
    build.join(5_000);

    Outcome.Cancelled cancelled = assertInstanceOf(Outcome.Cancelled.class, result[0]);
    assertEquals("launch", cancelled.step());
    assertEquals("interrupted by SIGINT", cancelled.reason());
    assertEquals(List.of(), ledger.live());
  }

  @Test
  void timeoutWhileAsking_failsWithTheTimeoutAndUnwinds() {
    ErrorPrompt waitsForever =
        (step, failure) -> {
          new CountDownLatch(1).await();
          throw new AssertionError("not reached");
        };

    Outcome outcome =
        run(
            waitsForever,
            Duration.ofMillis(200),
            List.of(creating("key", KEY), flaky("launch", INSTANCE, 1)));

    Outcome.Failed failed = assertInstanceOf(Outcome.Failed.class, outcome);
    assertInstanceOf(BuildTimeoutException.class, failed.cause());
    assertEquals(List.of(), ledger.live());
  }

  @Test
  void whatTheUndoBeforeARetryCouldNotRemove_isReportedAtTheEnd() {
    Resource stuck = new Resource(ResourceKind.SECURITY_GROUP, "sg-stuck", "us-west-2");
    AtomicInteger runs = new AtomicInteger();
    Step<List<String>> group =
        new RecordingStep("sg") {
          @Override
          public void run(List<String> l) throws Exception {
            l.add("run sg");
            if (runs.incrementAndGet() == 1) {
              ledger.created(stuck);
              throw new IOException("AuthorizeSecurityGroupIngress refused");
            }
          }

          @Override
          public void undo(List<String> l, UndoReport report) {
            l.add("undo sg");
            if (runs.get() == 1) {
              report.leftover(stuck, "DependencyViolation");
            }
          }
        };

    Outcome outcome = run(answering(ErrorPrompt.Choice.RETRY), List.of(group));

    assertInstanceOf(Outcome.Succeeded.class, outcome);
    assertEquals(1, outcome.cleanup().leftovers().size(), outcome.cleanup().toString());
    CleanupReport.Leftover left = outcome.cleanup().leftovers().get(0);
    assertEquals(stuck, left.resource());
    assertEquals("DependencyViolation", left.lastError());
  }

  @Test
  void ask_withoutAPrompt_isRefused() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new PipelineRunner.Options(OnError.ASK, Duration.ofMinutes(1)));
  }

  @Test
  void otherModes_neverAsk() {
    ErrorPrompt never =
        (step, failure) -> {
          throw new AssertionError("asked under on-error cleanup");
        };
    Outcome outcome =
        new PipelineRunner<List<String>>(
                new PipelineRunner.Options(OnError.CLEANUP, Duration.ofMinutes(1), never), ledger)
            .run(List.of(flaky("launch", INSTANCE, 1)), log, Cancellation.create());

    assertInstanceOf(Outcome.Failed.class, outcome);
    assertEquals(List.of(), ledger.live());
  }
}
