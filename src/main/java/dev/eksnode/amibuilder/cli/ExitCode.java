package dev.eksnode.amibuilder.cli;

import java.util.Arrays;
import java.util.Optional;

/**
 * The one exit-code table. The --help footer is printed from it, and {@code ExitCodeTableTest}
 * checks that the README and the docs list the same codes with the same meanings.
 */
public enum ExitCode {
  OK(0, "success"),
  BUILD_FAILED(1, "build or AWS/network call failed; everything it created was removed"),
  USAGE(2, "invalid usage, configuration or failed preflight check; nothing created"),
  CLEANUP_INCOMPLETE(3, "something created remains; its ids and the cleanup command are printed"),
  INTERNAL(4, "internal error (a bug; -vv prints the stack trace)"),
  INTERRUPTED(130, "interrupted (Ctrl-C/SIGTERM), after cleanup");

  private final int code;
  private final String meaning;

  ExitCode(int code, String meaning) {
    this.code = code;
    this.meaning = meaning;
  }

  /** The process exit status. */
  public int code() {
    return code;
  }

  /** One line for the --help footer; short enough not to wrap in 80 columns. */
  public String meaning() {
    return meaning;
  }

  /** The row for a process exit status, if it is one of ours. */
  public static Optional<ExitCode> of(int code) {
    return Arrays.stream(values()).filter(c -> c.code == code).findFirst();
  }

  /** The --help footer: one line per code, in the table's order. */
  static String[] helpFooter() {
    // picocli formats footer lines with String.format, so a literal % must be doubled. The code is
    // padded by hand: a %d here would load the locale's number symbols, some 20 ms of --help.
    return Arrays.stream(values())
        .map(
            c -> {
              String code = String.valueOf(c.code);
              return "  "
                  + code
                  + " ".repeat(Math.max(1, 5 - code.length()))
                  + c.meaning.replace("%", "%%");
            })
        .toArray(String[]::new);
  }
}
