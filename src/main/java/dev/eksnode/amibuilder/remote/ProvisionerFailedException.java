package dev.eksnode.amibuilder.remote;

import java.util.List;

/** A provisioner's command ended badly; carries the exit status and the last lines of output. */
public class ProvisionerFailedException extends RemoteOperationException {
  private final int exitStatus;
  private final List<String> lastLines;

  public ProvisionerFailedException(String what, ExecResult result, List<String> lastLines) {
    super(message(what, result, lastLines));
    this.exitStatus = result.exitStatus();
    this.lastLines = List.copyOf(lastLines);
  }

  public ProvisionerFailedException(String message, List<String> lastLines) {
    super(message);
    this.exitStatus = -1;
    this.lastLines = List.copyOf(lastLines);
  }

  /** The remote exit status, or -1 when the command did not exit normally. */
  public int exitStatus() {
    return exitStatus;
  }

  /** Up to the last 20 lines of output, redacted. */
  public List<String> lastLines() {
    return lastLines;
  }

  private static String message(String what, ExecResult result, List<String> lastLines) {
    StringBuilder text = new StringBuilder(what).append(" failed: ").append(result.describe());
    if (!lastLines.isEmpty()) {
      text.append("; last ").append(lastLines.size()).append(" lines of output:");
      for (String line : lastLines) {
        text.append("\n  ").append(line);
      }
    }
    return text.toString();
  }
}
