package dev.eksnode.amibuilder.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class InterruptGuardTest {
  private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
  private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);
  private final List<Integer> halts = new CopyOnWriteArrayList<>();
  private final Cancellation cancellation = Cancellation.create();
  private InterruptGuard guard;

  private InterruptGuard guard(Duration maxWait) {
    guard =
        new InterruptGuard(
            cancellation,
            maxWait,
            () -> "Left: INSTANCE i-0abc (us-west-2)\nRun: ami-builder cleanup --build-id ab-x",
            err,
            130,
            halts::add);
    return guard;
  }

  private String err() {
    return errBytes.toString(StandardCharsets.UTF_8);
  }

  @AfterEach
  void removeHooks() {
    if (guard != null) {
      guard.close();
    }
  }

  @Test
  void close_removesTheShutdownHookItInstalled() {
    InterruptGuard installed = guard(Duration.ofSeconds(1)).install();
    Thread hook = installed.hookThread();
    assertNotNull(hook);
    assertTrue(installed.isInstalled());

    installed.close();

    assertFalse(installed.isInstalled());
    assertFalse(Runtime.getRuntime().removeShutdownHook(hook), "hook should already be gone");
  }

  @Test
  void firstSignal_cancelsBuildAndWaitsForTheUnwind() throws Exception {
    InterruptGuard g = guard(Duration.ofSeconds(5));

    g.onSignal("INT");
    g.unwindFinished();
    Thread.sleep(50);

    assertTrue(cancellation.isCancelled());
    assertEquals("interrupted by SIGINT", cancellation.reason().orElseThrow());
    assertTrue(err().contains("cleaning up"));
    assertEquals(List.of(), halts);
  }

  @Test
  void secondSignal_stopsWaitingPrintsLeftoversAndExits130() throws Exception {
    InterruptGuard g = guard(Duration.ofMinutes(5));

    g.onSignal("INT");
    g.onSignal("INT");
    // The first signal's watchdog wakes up when the second signal releases it; it must not halt
    // again.
    Thread.sleep(200);

    assertEquals(List.of(130), halts);
    assertEquals(1, err().split("Stopped waiting", -1).length - 1, err());
    assertTrue(err().contains("interrupted again"), err());
    assertTrue(err().contains("ami-builder cleanup --build-id ab-x"), err());
  }

  @Test
  void firstSignal_whenUnwindOutlastsMaxWait_givesUpAndReportsLeftovers() throws Exception {
    InterruptGuard g = guard(Duration.ofMillis(50));

    g.onSignal("TERM");
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (halts.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }

    assertEquals(List.of(130), halts);
    assertTrue(err().contains("did not finish within"), err());
  }

  @Test
  void shutdownHook_afterUnwindFinished_returnsWithoutCancelling() {
    InterruptGuard g = guard(Duration.ofMinutes(5));
    g.unwindFinished();

    g.onShutdown();

    assertFalse(cancellation.isCancelled());
  }

  @Test
  void shutdownHook_whenUnwindNeverFinishes_waitsBoundedThenPrintsLeftovers() {
    InterruptGuard g = guard(Duration.ofMillis(30));

    g.onShutdown();

    assertTrue(cancellation.isCancelled());
    assertTrue(err().contains("Left: INSTANCE i-0abc"), err());
    assertEquals(List.of(), halts, "a shutdown hook must not halt; the JVM is exiting anyway");
  }
}
