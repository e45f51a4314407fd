package dev.eksnode.amibuilder.cli;

import dev.eksnode.amibuilder.failure.Categorized;
import dev.eksnode.amibuilder.failure.FailureCategory;
import java.util.Arrays;

/**
 * A failure whose one-line message is already written for the user, with the exit code to end with.
 */
public class CommandFailedException extends RuntimeException implements Categorized {
  private static final long serialVersionUID = 1L;
  private final int exitCode;

  public CommandFailedException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  public CommandFailedException(int exitCode, String message, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }

  /**
   * The category whose code the command chose. "Something remains" belongs to no category; it means
   * AWS refused an undo, so it counts as the environment failing.
   */
  @Override
  public FailureCategory category() {
    return Arrays.stream(FailureCategory.values())
        .filter(c -> ExitCodes.forCategory(c).code() == exitCode)
        .findFirst()
        .orElse(FailureCategory.ENVIRONMENT);
  }
}
