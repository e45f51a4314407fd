package dev.eksnode.amibuilder.failure;

/**
 * What kind of failure ended a command, which decides how the caller should react. The CLI turns
 * each category into its exit code; no other package needs to know the numbers.
 */
public enum FailureCategory {
  /**
   * The user must change the command line, a variable, the template or the account (a failed
   * preflight check).
   */
  USAGE,
  /** AWS, the network, the build instance or the local disk failed; running again may work. */
  ENVIRONMENT,
  /** Ctrl-C, SIGTERM or a cancelled sibling build stopped the work. */
  INTERRUPTED,
  /** A bug of ours. */
  BUG
}
