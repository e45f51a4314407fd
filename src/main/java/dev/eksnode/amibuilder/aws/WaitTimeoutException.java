package dev.eksnode.amibuilder.aws;

import dev.eksnode.amibuilder.failure.Categorized;
import dev.eksnode.amibuilder.failure.FailureCategory;
import java.time.Duration;

/** A wait loop gave up: the resource did not reach the wanted state in time. */
public class WaitTimeoutException extends RuntimeException implements Categorized {
  private final String what;
  private final String lastState;

  public WaitTimeoutException(String what, Duration waited, int polls, String lastState) {
    super(
        "timed out after "
            + seconds(waited)
            + " ("
            + polls
            + " polls) waiting for "
            + what
            + (lastState == null ? "" : "; last state: " + lastState));
    this.what = what;
    this.lastState = lastState;
  }

  public String what() {
    return what;
  }

  /** The last state seen, or {@code null} if the resource never became visible. */
  public String lastState() {
    return lastState;
  }

  private static String seconds(Duration d) {
    return d.toSeconds() + " s";
  }

  @Override
  public FailureCategory category() {
    return FailureCategory.ENVIRONMENT;
  }
}
