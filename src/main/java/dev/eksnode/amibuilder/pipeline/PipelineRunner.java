package dev.eksnode.amibuilder.pipeline;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs steps in order with an undo stack. Each step is pushed before it runs; on failure,
 * cancellation or timeout the stack unwinds in reverse, each undo isolated from the others. On
 * success only the steps that do not {@link Step#keepOnSuccess() keep} their result are undone.
 * Undo errors never escape: they end up in the {@link CleanupReport} of the returned {@link
 * Outcome}.
 *
 * <p>A runner holds no per-run state, so one instance can run several builds concurrently.
 *
 * @param <C> the build context
 */
public final class PipelineRunner<C> {
  private static final Logger log = LoggerFactory.getLogger(PipelineRunner.class);
  private static final String JOURNAL_STEP = "(journal)";

  /**
   * @param onError what to do when a step fails or the build times out
   * @param timeout limit for running all steps (the unwind is bounded by the undo retries instead)
   * @param prompt who answers for {@link OnError#ASK}; required then, null otherwise
   */
  public record Options(OnError onError, Duration timeout, ErrorPrompt prompt) {
    public Options {
      Objects.requireNonNull(onError, "onError");
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout must be positive, got " + timeout);
      }
      if (onError == OnError.ASK && prompt == null) {
        throw new IllegalArgumentException("on-error ask needs a prompt to ask");
      }
    }

    /** Options whose {@code onError} is not {@link OnError#ASK}. */
    public Options(OnError onError, Duration timeout) {
      this(onError, timeout, null);
    }

    /** Clean up on error, six hours for the whole build (copies to many regions are slow). */
    public static Options defaults() {
      return new Options(OnError.CLEANUP, Duration.ofHours(6));
    }
  }

  private final Options options;
  private final ResourceLedger ledger;
  private final PipelineListener listener;
  private final TimeSource time;
  private final Function<? super C, ? extends Collection<Resource>> artifacts;

  public PipelineRunner(Options options, ResourceLedger ledger) {
    this(options, ledger, PipelineListener.none(), TimeSource.system());
  }

  public PipelineRunner(
      Options options, ResourceLedger ledger, PipelineListener listener, TimeSource time) {
    this(options, ledger, listener, time, null);
  }

  private PipelineRunner(
      Options options,
      ResourceLedger ledger,
      PipelineListener listener,
      TimeSource time,
      Function<? super C, ? extends Collection<Resource>> artifacts) {
    this.options = Objects.requireNonNull(options, "options");
    this.ledger = Objects.requireNonNull(ledger, "ledger");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.time = Objects.requireNonNull(time, "time");
    this.artifacts = artifacts;
  }

  /**
   * A runner that also audits success: after the temporaries are undone, anything the ledger still
   * holds that is not among {@code artifacts} (what the build delivers, read from the context once
   * the steps ran) is a leftover. Without it a success is not audited, as a step that keeps its
   * result may keep anything.
   */
  public PipelineRunner<C> auditingSuccessAgainst(
      Function<? super C, ? extends Collection<Resource>> artifacts) {
    return new PipelineRunner<>(
        options, ledger, listener, time, Objects.requireNonNull(artifacts, "artifacts"));
  }

  /**
   * Runs {@code steps} on the calling thread. Cancelling {@code cancellation} interrupts the
   * running step and unwinds; the call still returns normally, with a {@link Outcome.Cancelled}.
   */
  public Outcome run(List<? extends Step<C>> steps, C ctx, Cancellation cancellation) {
    Objects.requireNonNull(steps, "steps");
    Objects.requireNonNull(cancellation, "cancellation");
    Cancellation token = cancellation.child();
    AtomicBoolean timedOut = new AtomicBoolean();
    ScheduledExecutorService watchdog =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "pipeline-watchdog");
              thread.setDaemon(true);
              return thread;
            });
    watchdog.schedule(
        () -> {
          timedOut.set(true);
          token.cancel("build timed out after " + options.timeout());
        },
        options.timeout().toNanos(),
        TimeUnit.NANOSECONDS);

    Deque<Step<C>> stack = new ArrayDeque<>();
    String current = "(none)";
    Throwable failure = null;
    boolean cancelled = false;
    boolean keep = options.onError() == OnError.ABORT;
    // What undoing a step before its retry could not remove: reported at the end if still there.
    List<CleanupReport.Leftover> retryLeftovers = new ArrayList<>();
    try {
      for (Step<C> step : steps) {
        current = step.name();
        if (token.isCancelled()) {
          cancelled = true;
          break;
        }
        if (step.skipped(ctx)) {
          continue;
        }
        stack.push(step);
        Throwable error = runOne(step, ctx, token);
        while (error != null && !isCancellation(error, token) && options.onError() == OnError.ASK) {
          ErrorPrompt.Choice choice = ask(step, error, token);
          if (choice == null) {
            // Cancelled while asking: the unwind below treats it like any cancellation.
            error = new InterruptedException("cancelled while asking what to do");
          } else if (choice == ErrorPrompt.Choice.RETRY) {
            log.info("Retrying step {} after undoing what it made", step.name());
            undoForRetry(step, ctx, retryLeftovers);
            error = runOne(step, ctx, token);
          } else {
            keep = choice == ErrorPrompt.Choice.ABORT;
            break;
          }
        }
        if (error == null) {
          continue;
        }
        if (isCancellation(error, token)) {
          // A step that fails because we interrupted it was cancelled, whatever exception it chose.
          token.cancel("interrupted");
          cancelled = true;
          log.debug("Step '{}' stopped by cancellation", current, error);
        } else {
          failure = error;
          log.debug("Step '{}' failed", current, error);
        }
        break;
      }
    } finally {
      watchdog.shutdownNow();
    }

    if (cancelled && timedOut.get()) {
      failure = new BuildTimeoutException(options.timeout(), current);
      cancelled = false;
    }
    if (failure == null && !cancelled) {
      List<Step<C>> temporaries = stack.stream().filter(s -> !s.keepOnSuccess()).toList();
      return new Outcome.Succeeded(
          unwind(temporaries, ctx, artifacts == null ? null : kept(ctx), retryLeftovers));
    }
    if (failure != null && keep) {
      List<Resource> kept = ledger.live();
      log.info("Keeping {} resource(s) for debugging (on-error abort)", kept.size());
      return new Outcome.Failed(current, failure, new CleanupReport(List.of(), List.of(), kept));
    }
    CleanupReport report = unwind(List.copyOf(stack), ctx, Set.of(), retryLeftovers);
    if (failure != null) {
      return new Outcome.Failed(current, failure, report);
    }
    return new Outcome.Cancelled(current, token.reason().orElse("cancelled"), report);
  }

  /** A step that fails because we interrupted it was cancelled, whatever exception it chose. */
  private static boolean isCancellation(Throwable error, Cancellation token) {
    return token.isCancelled()
        || error instanceof InterruptedException
        || error instanceof CancelledException;
  }

  /**
   * Asks the prompt what to do about {@code error}; null when the build is cancelled meanwhile
   * (Ctrl-C, timeout). A prompt that breaks or answers nothing counts as "clean up", the safe
   * answer.
   */
  private ErrorPrompt.Choice ask(Step<C> step, Throwable error, Cancellation token) {
    ErrorPrompt.Choice choice;
    boolean stopped = false;
    try (Cancellation.Registration ignored = token.interruptOnCancel(Thread.currentThread())) {
      choice = options.prompt().choose(step.name(), error);
    } catch (InterruptedException | CancelledException e) {
      choice = null;
      stopped = true;
    } catch (RuntimeException e) {
      log.warn("Could not ask what to do after step '{}' failed: {}", step.name(), e.toString());
      choice = null;
    }
    // As after a step: no interrupt arrives from the token once the registration is closed.
    stopped |= Thread.interrupted();
    if (stopped || token.isCancelled()) {
      token.cancel("interrupted");
      return null;
    }
    return choice == null ? ErrorPrompt.Choice.CLEANUP : choice;
  }

  /**
   * Before a retry, undoes what the failed run of {@code step} made, so the step starts again from
   * nothing of its own; what cannot be removed is kept for the final report.
   */
  private void undoForRetry(Step<C> step, C ctx, List<CleanupReport.Leftover> leftovers) {
    UndoReport report = new UndoReport(ledger);
    report.beginStep(step.name());
    try {
      step.undo(ctx, report);
    } catch (Throwable t) {
      report.undoFailed(step.name(), t);
    }
    Thread.interrupted();
    leftovers.addAll(report.leftovers());
  }

  private Throwable runOne(Step<C> step, C ctx, Cancellation token) {
    listener.stepStarted(step.name());
    log.info("Step {}", step.name());
    long start = time.nanoTime();
    Throwable error = null;
    try (Cancellation.Registration ignored = token.interruptOnCancel(Thread.currentThread())) {
      step.run(ctx);
    } catch (Throwable t) {
      error = t;
    }
    // After the registration is closed no interrupt can arrive from the token; clear one that did
    // land so the unwind (or the next step) does not trip over it.
    if (Thread.interrupted() && error == null && !token.isCancelled()) {
      log.debug(
          "Step '{}' left the thread interrupted; treating it as a cancellation", step.name());
      error = new InterruptedException("interrupted during step " + step.name());
    }
    listener.stepFinished(step.name(), time.since(start), error);
    return error;
  }

  private Set<Resource> kept(C ctx) {
    try {
      return new HashSet<>(artifacts.apply(ctx));
    } catch (RuntimeException e) {
      // Better to call every live resource a leftover than to pass a success nobody checked.
      log.warn("Could not list the build's artifacts to check the unwind: {}", e.getMessage());
      return Set.of();
    }
  }

  /**
   * Undoes {@code stack} (top first); unless {@code exempt} is null, anything still live in the
   * ledger that is not exempt is a leftover. {@code earlier} are leftovers of undos before a retry:
   * those still live are reported with their own error.
   */
  private CleanupReport unwind(
      List<Step<C>> stack, C ctx, Set<Resource> exempt, List<CleanupReport.Leftover> earlier) {
    UndoReport report = new UndoReport(ledger);
    for (Step<C> step : stack) {
      report.beginStep(step.name());
      listener.undoStarted(step.name());
      long start = time.nanoTime();
      try {
        step.undo(ctx, report);
      } catch (Throwable t) {
        report.undoFailed(step.name(), t);
      }
      // An undo must not leave an interrupt behind for the next one.
      Thread.interrupted();
      listener.undoFinished(step.name(), time.since(start));
    }
    List<CleanupReport.Leftover> leftovers = new ArrayList<>(report.leftovers());
    if (!earlier.isEmpty()) {
      Set<Resource> stillLive = liveOrEmpty();
      Set<Resource> removedNow = new HashSet<>(report.removedResources());
      for (CleanupReport.Leftover l : earlier) {
        boolean named = l.resource() != null;
        if (!named || (stillLive.contains(l.resource()) && !removedNow.contains(l.resource()))) {
          if (leftovers.stream().noneMatch(x -> named && l.resource().equals(x.resource()))) {
            leftovers.add(l);
          }
        }
      }
    }
    if (exempt != null) {
      Set<Resource> accounted = new HashSet<>(report.removedResources());
      accounted.addAll(exempt);
      leftovers.forEach(l -> accounted.add(l.resource()));
      List<Resource> live;
      try {
        live = ledger.live();
      } catch (RuntimeException e) {
        log.warn("Could not read the journal to check the unwind: {}", e.getMessage());
        live = List.of();
      }
      for (Resource resource : live) {
        if (!accounted.contains(resource)) {
          leftovers.add(
              new CleanupReport.Leftover(
                  resource, JOURNAL_STEP, "recorded as created but no undo removed it"));
        }
      }
    }
    return new CleanupReport(report.removedResources(), leftovers, List.of());
  }

  private Set<Resource> liveOrEmpty() {
    try {
      return new HashSet<>(ledger.live());
    } catch (RuntimeException e) {
      log.warn("Could not read the journal: {}", e.getMessage());
      return Set.of();
    }
  }
}
