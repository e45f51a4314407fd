package dev.eksnode.amibuilder.cli;

import picocli.CommandLine.Option;

/** Output options shared by every command. */
public final class OutputOptions {
  @Option(names = "--json", description = "One JSON event per line on stdout, for CI.")
  boolean json;

  @Option(
      names = {"-v", "--verbose"},
      description = "More detail: -v for AWS/SSH detail, -vv for stack traces.")
  boolean[] verbose = new boolean[0];

  @Option(
      names = {"-q", "--quiet"},
      description = "Only results and errors.")
  boolean quiet;

  @Option(
      names = "--no-color",
      description =
          "No ANSI colours: progress bars on a terminal are drawn in plain ASCII (as with NO_COLOR set).")
  boolean noColor;

  /**
   * Whether waits draw progress bars: stdout (and stdin) is a terminal, as {@link
   * CliContext#terminal()} tells, and neither {@code --json} nor {@code -q} is given.
   */
  boolean progressBars(CliContext ctx) {
    return ctx.terminal() != null && !json && !quiet;
  }

  /** Colours unless {@code --no-color} or the NO_COLOR convention (any non-empty value). */
  boolean color(CliContext ctx) {
    String env = ctx.env().get("NO_COLOR");
    return !noColor && (env == null || env.isEmpty());
  }

  int verbosity() {
    return verbose.length;
  }
}
