package dev.eksnode.amibuilder.cli;

/** The one exit-code table (README "Exit codes"). */
public final class ExitCodes {
  /** The build or command succeeded. */
  public static final int OK = 0;
  /** The build failed and everything it created was removed. */
  public static final int BUILD_FAILED = 1;
  /** Invalid usage or configuration; nothing was created. */
  public static final int USAGE = 2;
  /** The build failed and cleanup is incomplete; left-over ids and the cleanup command are printed. */
  public static final int CLEANUP_INCOMPLETE = 3;
  /** An internal error (a bug): please report it with the output of -vv. */
  public static final int INTERNAL = 4;
  /** Interrupted (Ctrl-C or SIGTERM), after cleanup. */
  public static final int INTERRUPTED = 130;

  private ExitCodes() {}
}
