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
          "No ANSI colours. ami-builder prints plain text today; the option is accepted so scripts can pass it.")
  boolean noColor;

  int verbosity() {
    return verbose.length;
  }
}
