package dev.eksnode.amibuilder.cli;

import java.io.IOException;

/**
 * Where a command reads a person's answer from; {@link CliContext#terminal()} is null when the
 * process has no terminal to ask on. {@code Main} passes the JVM's console, tests a scripted source
 * of answers.
 */
@FunctionalInterface
public interface Terminal {

  /** The next line typed, without its line end; null at end of input. Blocks until there is one. */
  String readLine() throws IOException;

  /** The JVM's console, or null when stdin and stdout are not both a terminal. */
  static Terminal ofSystemConsole() {
    java.io.Console console = System.console();
    if (console == null) {
      return null;
    }
    return () -> {
      try {
        return console.readLine();
      } catch (java.io.IOError e) {
        throw new IOException(e.getMessage(), e);
      }
    };
  }
}
