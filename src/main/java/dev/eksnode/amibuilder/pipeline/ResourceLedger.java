package dev.eksnode.amibuilder.pipeline;

import java.util.List;

/**
 * Where a build records every resource it creates, the moment its id is known. {@link BuildJournal}
 * is the durable implementation; the runner reads it back to report what is left after an abort or
 * a failed undo.
 */
public interface ResourceLedger {

  /**
   * Records a newly created resource. Must be durable when it returns; throws {@link
   * JournalException} otherwise.
   */
  void created(Resource resource);

  /** Records that a resource is gone (removed by an undo, or found already deleted). */
  void removed(Resource resource);

  /** Resources recorded as created and not yet removed, in creation order. */
  List<Resource> live();

  /** A ledger that remembers nothing, for pipelines that create no cloud resources. */
  static ResourceLedger none() {
    return new ResourceLedger() {
      @Override
      public void created(Resource resource) {}

      @Override
      public void removed(Resource resource) {}

      @Override
      public List<Resource> live() {
        return List.of();
      }
    };
  }
}
