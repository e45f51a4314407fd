package dev.eksnode.amibuilder.remote;

import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** POSIX shell quoting and Packer's execute_command rendering. */
public final class ShellQuoting {
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern TEMPLATE_FIELD = Pattern.compile("\\{\\{\\s*\\.([A-Za-z]+)\\s*}}");

  private ShellQuoting() {}

  /**
   * Wraps a value in single quotes; a quote inside becomes {@code '"'"'}. Everything else (spaces,
   * $, backslashes, newlines) is literal between single quotes, so any string without NUL
   * round-trips.
   */
  public static String quote(String value) {
    if (value.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("a shell word cannot contain a NUL character");
    }
    return "'" + value.replace("'", "'\"'\"'") + "'";
  }

  public static void requireEnvName(String name) {
    if (name == null || !ENV_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("invalid environment variable name: '" + name + "'");
    }
  }

  /**
   * Renders variables the way Packer's shell provisioner does: sorted by name, each as {@code
   * KEY='value' } (with the trailing space).
   */
  public static String renderVars(Map<String, String> vars) {
    StringBuilder out = new StringBuilder();
    for (Map.Entry<String, String> entry : new TreeMap<>(vars).entrySet()) {
      requireEnvName(entry.getKey());
      out.append(entry.getKey()).append('=').append(quote(entry.getValue())).append(' ');
    }
    return out.toString();
  }

  /**
   * Substitutes {@code {{.Path}}} and {@code {{.Vars}}}; any other field is a configuration error.
   */
  public static String renderExecuteCommand(String template, String path, String vars) {
    Matcher matcher = TEMPLATE_FIELD.matcher(template);
    StringBuilder out = new StringBuilder();
    while (matcher.find()) {
      String replacement =
          switch (matcher.group(1)) {
            case "Path" -> path;
            case "Vars" -> vars;
            default ->
                throw new IllegalArgumentException(
                    "execute_command uses {{."
                        + matcher.group(1)
                        + "}}; only {{.Path}} and {{.Vars}} are available");
          };
      matcher.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    matcher.appendTail(out);
    return out.toString();
  }

  /** Checks a template before any provisioner runs, so a typo fails the build early. */
  public static void validateExecuteCommand(String template) {
    renderExecuteCommand(template, "", "");
  }
}
