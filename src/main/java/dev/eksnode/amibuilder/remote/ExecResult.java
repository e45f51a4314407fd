package dev.eksnode.amibuilder.remote;

/**
 * How a remote command ended.
 *
 * @param ending whether it exited, was killed by a signal, or the connection dropped
 * @param exitStatus the exit status when {@code ending} is EXITED, else -1
 * @param signal the signal name when SIGNALLED, else null
 */
public record ExecResult(Ending ending, int exitStatus, String signal) {
  public enum Ending {
    EXITED,
    SIGNALLED,
    DISCONNECTED
  }

  public static ExecResult exited(int status) {
    return new ExecResult(Ending.EXITED, status, null);
  }

  public boolean succeeded() {
    return ending == Ending.EXITED && exitStatus == 0;
  }

  public String describe() {
    return switch (ending) {
      case EXITED -> "exit status " + exitStatus;
      case SIGNALLED -> "killed by signal " + signal;
      case DISCONNECTED -> "connection lost before the command finished";
    };
  }
}
