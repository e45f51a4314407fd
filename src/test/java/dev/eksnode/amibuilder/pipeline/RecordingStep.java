package dev.eksnode.amibuilder.pipeline;

import java.util.List;

/** A step for runner tests: logs run/undo into a shared list and can fail or create a resource. */
class RecordingStep implements Step<List<String>> {
  interface Body {
    void run(List<String> log) throws Exception;
  }

  private final String name;
  private final boolean keep;
  private final Body body;
  private final ResourceLedger ledger;
  private final Resource creates;
  private boolean created;

  RecordingStep(String name) {
    this(name, false, log -> {}, null, null);
  }

  RecordingStep(String name, boolean keep, Body body, ResourceLedger ledger, Resource creates) {
    this.name = name;
    this.keep = keep;
    this.body = body;
    this.ledger = ledger;
    this.creates = creates;
  }

  static RecordingStep failing(String name, Exception error) {
    return new RecordingStep(
        name,
        false,
        log -> {
          throw error;
        },
        null,
        null);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void run(List<String> log) throws Exception {
    log.add("run " + name);
    if (creates != null) {
      ledger.created(creates);
      created = true;
    }
    body.run(log);
  }

  @Override
  public void undo(List<String> log, UndoReport report) {
    log.add("undo " + name);
    if (created) {
      report.removed(creates);
      created = false;
    }
  }

  @Override
  public boolean keepOnSuccess() {
    return keep;
  }
}
