package dev.eksnode.amibuilder.pipeline;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Turns SIGINT/SIGTERM into an orderly unwind.
 *
 * <ul>
 *   <li>First signal: cancel the build token (which interrupts the running steps), let the unwind
 *       run and the command exit normally (with its "interrupted" code). If the unwind takes longer
 *       than {@code maxWait}, give up as below.
 *   <li>Second signal: stop waiting, print what is left and how to remove it, halt at once with
 *       {@code interruptedStatus}.
 *   <li>Any other JVM shutdown (SIGHUP, {@code System.exit} elsewhere, or a platform without signal
 *       handlers): a shutdown hook cancels and waits up to {@code maxWait} for the unwind.
 * </ul>
 *
 * <p>Handlers are installed by {@link #install()} and removed by {@link #close()}; the command
 * calls {@link #unwindFinished()} once the outcome is printed so a later shutdown does not wait.
 */
public final class InterruptGuard implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(InterruptGuard.class);
  private static final List<String> SIGNALS = List.of("INT", "TERM");

  private final Cancellation cancellation;
  private final Duration maxWait;
  private final Supplier<String> leftoverSummary;
  private final PrintStream err;
  private final int interruptedStatus;
  private final IntConsumer halt;
  private final CountDownLatch released = new CountDownLatch(1);
  private final AtomicInteger signals = new AtomicInteger();
  private final AtomicBoolean gaveUp = new AtomicBoolean();
  private final List<Runnable> uninstallers = new ArrayList<>();
  private volatile boolean finished;
  private Thread hook;

  /**
   * @param leftoverSummary what is left and the {@code cleanup} command, printed when we stop
   *     waiting
   * @param interruptedStatus the exit status to halt with when we stop waiting (the CLI's table
   *     owns the number)
   */
  public InterruptGuard(
      Cancellation cancellation,
      Duration maxWait,
      Supplier<String> leftoverSummary,
      PrintStream err,
      int interruptedStatus) {
    this(
        cancellation,
        maxWait,
        leftoverSummary,
        err,
        interruptedStatus,
        status -> Runtime.getRuntime().halt(status));
  }

  /** As above; {@code halt} replaces {@link Runtime#halt} so tests survive a second signal. */
  InterruptGuard(
      Cancellation cancellation,
      Duration maxWait,
      Supplier<String> leftoverSummary,
      PrintStream err,
      int interruptedStatus,
      IntConsumer halt) {
    this.cancellation = Objects.requireNonNull(cancellation, "cancellation");
    this.maxWait = Objects.requireNonNull(maxWait, "maxWait");
    this.leftoverSummary = Objects.requireNonNull(leftoverSummary, "leftoverSummary");
    this.err = Objects.requireNonNull(err, "err");
    this.interruptedStatus = interruptedStatus;
    this.halt = Objects.requireNonNull(halt, "halt");
  }

  /** Installs the shutdown hook and, where the JVM allows it, the INT/TERM handlers. */
  public synchronized InterruptGuard install() {
    if (hook != null) {
      throw new IllegalStateException("interrupt guard already installed");
    }
    hook = new Thread(this::onShutdown, "interrupt-guard-hook");
    Runtime.getRuntime().addShutdownHook(hook);
    for (String name : SIGNALS) {
      try {
        Signal signal = new Signal(name);
        SignalHandler previous = Signal.handle(signal, s -> onSignal(s.getName()));
        uninstallers.add(() -> Signal.handle(signal, previous));
      } catch (IllegalArgumentException | UnsupportedOperationException e) {
        // Signal already used by the JVM (e.g. -Xrs) or unknown on this platform: the hook covers
        // it.
        log.debug("Cannot handle SIG{}: {}", name, e.getMessage());
      }
    }
    return this;
  }

  public synchronized boolean isInstalled() {
    return hook != null;
  }

  /** The unwind is over and its outcome printed; nothing is left to wait for. */
  public void unwindFinished() {
    finished = true;
    released.countDown();
  }

  /** Removes the hook and restores the previous signal handlers. Idempotent. */
  @Override
  public synchronized void close() {
    if (hook == null) {
      return;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // Already shutting down: the hook is running or has run, which is what we wanted anyway.
    }
    uninstallers.forEach(Runnable::run);
    uninstallers.clear();
    hook = null;
  }

  synchronized Thread hookThread() {
    return hook;
  }

  /**
   * What a signal does; package-private so tests can deliver one without signalling the test JVM.
   */
  void onSignal(String name) {
    int count = signals.incrementAndGet();
    if (count == 1) {
      err.println(
          "Interrupted (SIG" + name + "): cleaning up. Press Ctrl-C again to stop waiting.");
      err.flush();
      cancellation.cancel("interrupted by SIG" + name);
      Thread watchdog =
          new Thread(
              () -> {
                if (!awaitRelease()) {
                  giveUp("the cleanup did not finish within " + maxWait);
                }
              },
              "interrupt-guard-watchdog");
      watchdog.setDaemon(true);
      watchdog.start();
    } else {
      giveUp("interrupted again");
    }
  }

  /** What the shutdown hook does. */
  void onShutdown() {
    if (finished) {
      return;
    }
    cancellation.cancel("JVM shutting down");
    if (!awaitRelease()) {
      printLeftovers("the cleanup did not finish within " + maxWait);
    }
  }

  private boolean awaitRelease() {
    try {
      return released.await(maxWait.toNanos(), TimeUnit.NANOSECONDS) && finished;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return finished;
    }
  }

  private void giveUp(String why) {
    // The second signal and the watchdog can both get here; only the first one reports and halts.
    if (finished || !gaveUp.compareAndSet(false, true)) {
      return;
    }
    printLeftovers(why);
    released.countDown();
    halt.accept(interruptedStatus);
  }

  private void printLeftovers(String why) {
    String summary;
    try {
      summary = leftoverSummary.get();
    } catch (RuntimeException e) {
      summary = "(could not list leftovers: " + e.getMessage() + ")";
    }
    err.println("Stopped waiting: " + why + ".");
    err.println(summary);
    err.flush();
  }
}
