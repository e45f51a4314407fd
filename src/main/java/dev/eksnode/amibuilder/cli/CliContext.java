package dev.eksnode.amibuilder.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/**
 * What a command may touch of the outside world: its output streams, environment, clock, working directory and the
 * installation directory (which holds templates/, files/ and scripts/). Tests pass their own.
 */
public record CliContext(
    PrintWriter out, PrintWriter err, Map<String, String> env, Clock clock, Path workingDir, Path home) {

  public CliContext {
    env = Map.copyOf(env);
  }

  /** Resolves a user-given path against the working directory. */
  public Path resolve(String path) {
    return workingDir.resolve(path).normalize();
  }
}
