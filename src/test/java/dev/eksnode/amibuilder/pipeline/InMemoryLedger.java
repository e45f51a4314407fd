package dev.eksnode.amibuilder.pipeline;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** A ledger kept in memory, for tests that do not exercise the journal file. */
class InMemoryLedger implements ResourceLedger {
  private final Set<Resource> live = new LinkedHashSet<>();
  final List<Resource> removedLog = new ArrayList<>();

  @Override
  public synchronized void created(Resource resource) {
    live.add(resource);
  }

  @Override
  public synchronized void removed(Resource resource) {
    live.remove(resource);
    removedLog.add(resource);
  }

  @Override
  public synchronized List<Resource> live() {
    return List.copyOf(live);
  }
}
