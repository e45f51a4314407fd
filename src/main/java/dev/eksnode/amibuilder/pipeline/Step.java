package dev.eksnode.amibuilder.pipeline;

/**
 * One unit of a build with its own undo, in the spirit of Go's {@code defer}: the runner pushes the
 * step on its undo stack <em>before</em> calling {@link #run}, so a step that fails half-way is
 * undone too.
 *
 * <p>A step remembers what it created in its own typed fields (or a typed context), never in a
 * string map, and records each id in the {@link ResourceLedger} the instant AWS returns it, before
 * any wait.
 *
 * @param <C> the build context shared by the steps of one pipeline
 */
public interface Step<C> {

  /** Short name for logs, events and the cleanup report, e.g. {@code "launch-instance"}. */
  String name();

  /**
   * Does the work. May throw anything; {@link InterruptedException} or {@link CancelledException}
   * mean the build was cancelled, anything else is a failure.
   */
  void run(C ctx) throws Exception;

  /**
   * Removes what {@link #run} created, as far as it got. Must be idempotent ("did I create it?"
   * guards), must retry throttling and eventual-consistency errors itself (see {@link Retry}), and
   * must report instead of throwing: each removed resource via {@link UndoReport#removed}, each one
   * it could not remove via {@link UndoReport#leftover}. An exception escaping here is caught by
   * the runner and reported.
   */
  void undo(C ctx, UndoReport report);

  /**
   * Whether the result of this step survives a successful build. Temporaries (instance, key pair,
   * security group) answer {@code false}: their undo runs on success too. Artifacts (the AMI and
   * its copies) answer {@code true}: they are undone on failure or cancellation only.
   */
  default boolean keepOnSuccess() {
    return false;
  }

  /**
   * Whether earlier steps left this one nothing to do in this build (for example: an identical
   * earlier bake is reused, so nothing is launched). A skipped step does not run, is not reported
   * to the listener and has nothing to undo.
   */
  default boolean skipped(C ctx) {
    return false;
  }
}
