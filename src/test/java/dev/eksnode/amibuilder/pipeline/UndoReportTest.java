package dev.eksnode.amibuilder.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class UndoReportTest {
  private static final Resource SG = new Resource(ResourceKind.SECURITY_GROUP, "sg-1", "eu-west-1");

  private final InMemoryLedger ledger = new InMemoryLedger();
  private final FakeTime time = new FakeTime();

  private Retry retry(int attempts) {
    return new Retry(
        new Retry.Policy(
            attempts, Duration.ofSeconds(1), Duration.ofSeconds(4), Duration.ofMinutes(2)),
        e -> e.getMessage().startsWith("DependencyViolation"),
        time,
        () -> 0.5);
  }

  @Test
  void remove_whenDependencyViolationTwice_retriesThenRecordsRemovalInLedger() {
    ledger.created(SG);
    UndoReport report = new UndoReport(ledger);
    AtomicInteger calls = new AtomicInteger();

    boolean removed =
        report.remove(
            SG,
            retry(5),
            () -> {
              if (calls.incrementAndGet() <= 2) {
                throw new IllegalStateException("DependencyViolation: in use by i-1");
              }
            });

    assertTrue(removed);
    assertTrue(report.wasRemoved(SG));
    assertEquals(List.of(), ledger.live());
    assertEquals(List.of(), report.leftovers());
  }

  @Test
  void remove_whenRetriesRunOut_recordsLeftoverWithLastErrorAndKeepsLedgerEntry() {
    ledger.created(SG);
    UndoReport report = new UndoReport(ledger);
    report.beginStep("security-group");

    boolean removed =
        report.remove(
            SG,
            retry(2),
            () -> {
              throw new IllegalStateException("DependencyViolation: still in use");
            });

    assertFalse(removed);
    assertEquals(
        List.of(
            new CleanupReport.Leftover(SG, "security-group", "DependencyViolation: still in use")),
        report.leftovers());
    assertEquals(List.of(SG), ledger.live());
  }

  @Test
  void removed_whenJournalWriteFails_stillCountsAsRemoved() {
    ResourceLedger broken =
        new InMemoryLedger() {
          @Override
          public synchronized void removed(Resource resource) {
            throw new JournalException("disk full", null);
          }
        };
    UndoReport report = new UndoReport(broken);

    report.removed(SG);

    assertTrue(report.wasRemoved(SG));
  }

  @Test
  void removed_afterEarlierLeftover_clearsTheLeftover() {
    UndoReport report = new UndoReport(ledger);
    report.leftover(SG, "DependencyViolation");

    report.removed(SG);

    assertEquals(List.of(), report.leftovers());
  }
}
