package dev.eksnode.amibuilder.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class PipelineRunnerTest {
  private static final Resource KEY = new Resource(ResourceKind.KEY_PAIR, "ab-key", "us-west-2");
  private static final Resource INSTANCE =
      new Resource(ResourceKind.INSTANCE, "i-0abc", "us-west-2");
  private static final Resource IMAGE = new Resource(ResourceKind.IMAGE, "ami-0123", "us-west-2");

  private final InMemoryLedger ledger = new InMemoryLedger();
  private final List<String> log = Collections.synchronizedList(new ArrayList<>());

  private PipelineRunner<List<String>> runner(OnError onError) {
    return new PipelineRunner<>(new PipelineRunner.Options(onError, Duration.ofMinutes(5)), ledger);
  }

  @SafeVarargs
  private Outcome run(OnError onError, Step<List<String>>... steps) {
    return runner(onError).run(List.of(steps), log, Cancellation.create());
  }

  private RecordingStep creating(String name, Resource resource, boolean keep) {
    return new RecordingStep(name, keep, l -> {}, ledger, resource);
  }

  @Test
  void run_whenAllStepsSucceed_runsInOrderThenUndoesOnlyTemporariesInReverse() {
    Outcome outcome =
        run(
            OnError.CLEANUP,
            creating("key", KEY, false),
            creating("launch", INSTANCE, false),
            creating("image", IMAGE, true),
            new RecordingStep("manifest"));

    assertInstanceOf(Outcome.Succeeded.class, outcome);
    assertEquals(
        List.of(
            "run key",
            "run launch",
            "run image",
            "run manifest",
            "undo manifest",
            "undo launch",
            "undo key"),
        log);
    assertEquals(List.of(IMAGE), ledger.live());
    assertEquals(List.of(INSTANCE, KEY), outcome.cleanup().removed());
    assertTrue(outcome.cleanup().complete());
  }

  @Test
  void run_whenStepFailsHalfWay_undoesThatStepTooBecauseItWasPushedBeforeRunning() {
    IOException boom = new IOException("wait for instance failed");
    RecordingStep launch =
        new RecordingStep(
            "launch",
            false,
            l -> {
              throw boom;
            },
            ledger,
            INSTANCE);

    Outcome outcome =
        run(OnError.CLEANUP, creating("key", KEY, false), launch, new RecordingStep("never"));

    Outcome.Failed failed = assertInstanceOf(Outcome.Failed.class, outcome);
    assertEquals("launch", failed.step());
    assertSame(boom, failed.cause());
    assertEquals(List.of("run key", "run launch", "undo launch", "undo key"), log);
    assertEquals(List.of(), ledger.live());
    assertTrue(outcome.cleanup().nothingLeft());
  }

  @Test
  void run_whenLaterStepFails_removesKeptArtifactsToo() {
    Outcome outcome =
        run(
            OnError.CLEANUP,
            creating("image", IMAGE, true),
            RecordingStep.failing("copy", new IllegalStateException("copy failed")));

    assertInstanceOf(Outcome.Failed.class, outcome);
    assertEquals(List.of("run image", "run copy", "undo copy", "undo image"), log);
    assertEquals(List.of(IMAGE), outcome.cleanup().removed());
  }

  @Test
  void unwind_whenOneUndoThrows_stillRunsTheOthersAndReportsTheFailure() {
    Step<List<String>> brokenUndo =
        new RecordingStep("sg") {
          @Override
          public void undo(List<String> l, UndoReport report) {
            l.add("undo sg");
            throw new IllegalStateException("DependencyViolation");
          }
        };

    Outcome outcome =
        run(
            OnError.CLEANUP,
            creating("key", KEY, false),
            brokenUndo,
            RecordingStep.failing("launch", new IOException("x")));

    assertEquals(
        List.of("run key", "run sg", "run launch", "undo launch", "undo sg", "undo key"), log);
    assertFalse(outcome.cleanup().complete());
    assertEquals(1, outcome.cleanup().leftovers().size());
    CleanupReport.Leftover leftover = outcome.cleanup().leftovers().get(0);
    assertEquals("sg", leftover.step());
    assertNull(leftover.resource());
    assertEquals("DependencyViolation", leftover.lastError());
    assertEquals(List.of(KEY), outcome.cleanup().removed());
  }

  @Test
  void unwind_whenUndoReportsLeftover_namesResourceStepAndLastError() {
    Step<List<String>> stubborn =
        new RecordingStep("launch", false, l -> ledger.created(INSTANCE), null, null) {
          @Override
          public void undo(List<String> l, UndoReport report) {
            report.leftover(INSTANCE, new IllegalStateException("IncorrectInstanceState"));
          }
        };

    Outcome outcome =
        run(OnError.CLEANUP, stubborn, RecordingStep.failing("provision", new IOException("x")));

    assertEquals(
        List.of(new CleanupReport.Leftover(INSTANCE, "launch", "IncorrectInstanceState")),
        outcome.cleanup().leftovers());
  }

  @Test
  void unwind_whenJournalStillListsResourceNoUndoMentioned_reportsItAsLeftover() {
    Step<List<String>> forgetful =
        new RecordingStep("launch", false, l -> ledger.created(INSTANCE), null, null);

    Outcome outcome =
        run(OnError.CLEANUP, forgetful, RecordingStep.failing("provision", new IOException("x")));

    assertEquals(1, outcome.cleanup().leftovers().size());
    assertEquals(INSTANCE, outcome.cleanup().leftovers().get(0).resource());
  }

  @Test
  void run_withAbortPolicy_keepsEverythingAndReportsWhatExists() {
    Outcome outcome =
        run(
            OnError.ABORT,
            creating("key", KEY, false),
            creating("launch", INSTANCE, false),
            RecordingStep.failing("provision", new IOException("script exited 1")));

    assertInstanceOf(Outcome.Failed.class, outcome);
    assertEquals(List.of("run key", "run launch", "run provision"), log);
    assertEquals(List.of(KEY, INSTANCE), outcome.cleanup().kept());
    assertTrue(outcome.cleanup().complete());
    assertFalse(outcome.cleanup().nothingLeft());
  }

  @Test
  void run_withAbortPolicy_stillCleansUpTemporariesOnSuccess() {
    Outcome outcome =
        run(OnError.ABORT, creating("key", KEY, false), creating("image", IMAGE, true));

    assertInstanceOf(Outcome.Succeeded.class, outcome);
    assertEquals(List.of(IMAGE), ledger.live());
  }

  @Test
  void run_whenCancelledMidStep_interruptsTheStepAndUnwindsWithoutFurtherInterrupts()
      throws Exception {
    CountDownLatch stepStarted = new CountDownLatch(1);
    RecordingStep blocking =
        new RecordingStep(
            "wait-ssh",
            false,
            l -> {
              stepStarted.countDown();
              Thread.sleep(60_000);
            },
            ledger,
            INSTANCE) {
          @Override
          public void undo(List<String> l, UndoReport report) {
            try {
              // An undo that sleeps (a retry back-off) must not be cut short by the cancellation's
              // interrupt.
              Thread.sleep(20);
              super.undo(l, report);
            } catch (InterruptedException e) {
              l.add("undo interrupted");
            }
          }
        };
    Cancellation cancellation = Cancellation.create();
    Outcome[] result = new Outcome[1];
    Thread worker =
        new Thread(
            () ->
                result[0] =
                    runner(OnError.ABORT)
                        .run(
                            List.of(
                                creating("key", KEY, false), blocking, new RecordingStep("never")),
                            log,
                            cancellation));
    worker.start();
    assertTrue(stepStarted.await(5, TimeUnit.SECONDS));

    cancellation.cancel("interrupted by SIGINT");
    worker.join(5_000);

    Outcome.Cancelled cancelled = assertInstanceOf(Outcome.Cancelled.class, result[0]);
    assertEquals("wait-ssh", cancelled.step());
    assertEquals("interrupted by SIGINT", cancelled.reason());
    assertEquals(List.of("run key", "run wait-ssh", "undo wait-ssh", "undo key"), log);
    assertTrue(cancelled.cleanup().nothingLeft());
  }

  @Test
  void run_whenCancelledBeforeStart_runsNothing() {
    Cancellation cancellation = Cancellation.create();
    cancellation.cancel("stop");

    Outcome outcome =
        runner(OnError.CLEANUP).run(List.of(new RecordingStep("a")), log, cancellation);

    assertInstanceOf(Outcome.Cancelled.class, outcome);
    assertEquals(List.of(), log);
  }

  @Test
  void run_whenStepThrowsCancelledException_isCancelledNotFailed() {
    Outcome outcome =
        run(
            OnError.ABORT,
            creating("key", KEY, false),
            RecordingStep.failing("wait", new CancelledException("user cancelled")));

    assertInstanceOf(Outcome.Cancelled.class, outcome);
    assertEquals(List.of(), ledger.live());
  }

  @Test
  void run_whenBuildExceedsTimeout_failsWithTimeoutAndUnwinds() {
    RecordingStep slow =
        new RecordingStep("provision", false, l -> Thread.sleep(60_000), null, null);
    PipelineRunner<List<String>> runner =
        new PipelineRunner<>(
            new PipelineRunner.Options(OnError.CLEANUP, Duration.ofMillis(200)), ledger);

    Outcome outcome =
        runner.run(List.of(creating("key", KEY, false), slow), log, Cancellation.create());

    Outcome.Failed failed = assertInstanceOf(Outcome.Failed.class, outcome);
    BuildTimeoutException timeout = assertInstanceOf(BuildTimeoutException.class, failed.cause());
    assertEquals(Duration.ofMillis(200), timeout.limit());
    assertEquals(List.of("run key", "run provision", "undo provision", "undo key"), log);
  }

  @Test
  void run_whenParentTokenIsReused_runnerDoesNotCancelIt() {
    Cancellation matrix = Cancellation.create();

    runner(OnError.CLEANUP)
        .run(List.of(RecordingStep.failing("a", new CancelledException("x"))), log, matrix);

    assertFalse(matrix.isCancelled());
  }

  @Test
  void run_reportsStepAndUndoTimingsToListener() {
    List<String> events = new ArrayList<>();
    PipelineListener listener =
        new PipelineListener() {
          @Override
          public void stepStarted(String step) {
            events.add("start " + step);
          }

          @Override
          public void stepFinished(String step, Duration took, Throwable error) {
            events.add("end " + step + (error == null ? "" : " failed"));
          }

          @Override
          public void undoStarted(String step) {
            events.add("undo " + step);
          }
        };
    PipelineRunner<List<String>> runner =
        new PipelineRunner<>(PipelineRunner.Options.defaults(), ledger, listener, new FakeTime());

    runner.run(
        List.of(new RecordingStep("a"), RecordingStep.failing("b", new IOException("x"))),
        log,
        Cancellation.create());

    assertEquals(
        List.of("start a", "end a", "start b", "end b failed", "undo b", "undo a"), events);
  }
}
