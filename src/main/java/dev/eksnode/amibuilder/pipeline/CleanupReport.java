package dev.eksnode.amibuilder.pipeline;

import java.util.List;
import java.util.Objects;

/**
 * What the unwind did: resources removed, resources left behind with the last error (→ the CLI's
 * "cleanup incomplete" exit code and the {@code cleanup} command), and resources deliberately kept
 * by {@link OnError#ABORT}.
 */
public record CleanupReport(List<Resource> removed, List<Leftover> leftovers, List<Resource> kept) {

  /**
   * A resource an undo could not remove, or an undo that failed without naming one.
   *
   * @param resource the resource, or {@code null} when an undo threw before saying what it was
   *     removing
   * @param step the step whose undo reported it
   * @param lastError the last error message, for the user
   */
  public record Leftover(Resource resource, String step, String lastError) {
    public Leftover {
      Objects.requireNonNull(step, "step");
      lastError = lastError == null ? "unknown error" : lastError;
    }

    @Override
    public String toString() {
      return (resource == null ? "(unknown resource)" : resource.toString())
          + " from step '"
          + step
          + "': "
          + lastError;
    }
  }

  public CleanupReport {
    removed = List.copyOf(removed);
    leftovers = List.copyOf(leftovers);
    kept = List.copyOf(kept);
  }

  public static CleanupReport empty() {
    return new CleanupReport(List.of(), List.of(), List.of());
  }

  /** Every undo that was attempted succeeded. */
  public boolean complete() {
    return leftovers.isEmpty();
  }

  /** Nothing the build created remains, whether by failure or by choice. */
  public boolean nothingLeft() {
    return leftovers.isEmpty() && kept.isEmpty();
  }
}
