package dev.eksnode.amibuilder.failure;

/**
 * Implemented by every exception of ours, so the CLI maps a failure to its exit code by asking it,
 * not by knowing its type. A new exception class that forgets it fails {@code CategorizedTest}.
 */
public interface Categorized {
  FailureCategory category();
}
