package dev.eksnode.amibuilder.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/**
 * What a command may touch of the outside world: its output streams, environment, clock, working
 * directory, the installation directory (which holds templates/, files/ and scripts/) and the
 * terminal answers are read from ({@code null}: none, as in CI). Tests pass their own.
 */
public record CliContext(
    PrintWriter out,
    PrintWriter err,
    Map<String, String> env,
    Clock clock,
    Path workingDir,
    Path home,
    Terminal terminal) {

  public CliContext {
    env = Map.copyOf(env);
  }

  /** A context without a terminal: nothing can be asked. */
  public CliContext(
      PrintWriter out,
      PrintWriter err,
      Map<String, String> env,
      Clock clock,
      Path workingDir,
      Path home) {
    this(out, err, env, clock, workingDir, home, null);
  }

  /** Overrides the journal directory ({@code ~/.ami-builder/builds}). */
  public static final String STATE_DIR_ENV = "AMI_BUILDER_STATE_DIR";

  /**
   * Where build journals go: {@value #STATE_DIR_ENV} when set, else the default under the home
   * directory.
   */
  public Path stateDir() {
    String dir = env.get(STATE_DIR_ENV);
    return dir != null && !dir.isBlank()
        ? resolve(dir)
        : dev.eksnode.amibuilder.pipeline.BuildJournal.defaultDirectory();
  }

  /** Resolves a user-given path against the working directory. */
  public Path resolve(String path) {
    return workingDir.resolve(path).normalize();
  }
}
