package dev.eksnode.amibuilder.pipeline;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Collects the results of undo calls. Passed to {@link Step#undo}; thread safe so a step may undo
 * several regions in parallel. Removals are forwarded to the {@link ResourceLedger} so the journal
 * follows along.
 */
public final class UndoReport {
  private static final Logger log = LoggerFactory.getLogger(UndoReport.class);

  private final ResourceLedger ledger;
  private final Map<Resource, Boolean> removed = new LinkedHashMap<>();
  private final List<CleanupReport.Leftover> leftovers = new ArrayList<>();
  private String currentStep = "(none)";

  public UndoReport(ResourceLedger ledger) {
    this.ledger = Objects.requireNonNull(ledger, "ledger");
  }

  /** Set by the runner before each undo so reports name the step. */
  synchronized void beginStep(String stepName) {
    currentStep = stepName;
  }

  /** The resource is gone: deleted now, or found already deleted (undo is idempotent). */
  public void removed(Resource resource) {
    synchronized (this) {
      removed.put(resource, Boolean.TRUE);
      leftovers.removeIf(l -> resource.equals(l.resource()));
    }
    log.debug("Removed {}", resource);
    try {
      ledger.removed(resource);
    } catch (RuntimeException e) {
      // The resource is gone either way; a stale journal entry only costs a no-op in a later
      // cleanup.
      log.warn("Could not record removal of {} in the journal: {}", resource, e.getMessage());
    }
  }

  /** The resource could not be removed; {@code lastError} is what the last attempt said. */
  public void leftover(Resource resource, Throwable lastError) {
    leftover(resource, describe(lastError));
  }

  /** The resource could not be removed, for a reason given as text. */
  public synchronized void leftover(Resource resource, String lastError) {
    Objects.requireNonNull(resource, "resource");
    log.warn("Could not remove {}: {}", resource, lastError);
    leftovers.add(new CleanupReport.Leftover(resource, currentStep, lastError));
  }

  /** An undo failed without naming a resource (the runner reports undo exceptions this way). */
  synchronized void undoFailed(String step, Throwable error) {
    log.warn("Undo of step '{}' failed: {}", step, describe(error));
    leftovers.add(new CleanupReport.Leftover(null, step, describe(error)));
  }

  /**
   * Removes {@code resource} with {@code retry}, then records it as removed or as a leftover. The
   * usual body of an undo: {@code report.remove(instance, retry, () ->
   * ec2.terminateInstances(...))}. An action that finds the resource already gone should simply
   * return.
   *
   * @return {@code true} if removed
   */
  public boolean remove(Resource resource, Retry retry, Retry.Action action) {
    try {
      retry.run("remove " + resource, action);
      removed(resource);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      leftover(resource, "interrupted before it was removed");
      return false;
    } catch (Exception e) {
      leftover(resource, e);
      return false;
    }
  }

  public synchronized boolean wasRemoved(Resource resource) {
    return removed.containsKey(resource);
  }

  /** What was removed so far. */
  public synchronized List<Resource> removedResources() {
    return List.copyOf(removed.keySet());
  }

  /** What could not be removed so far. */
  public synchronized List<CleanupReport.Leftover> leftovers() {
    return List.copyOf(leftovers);
  }

  private static String describe(Throwable error) {
    if (error == null) {
      return "unknown error";
    }
    String message = error.getMessage();
    return message == null || message.isBlank() ? error.getClass().getSimpleName() : message;
  }
}
