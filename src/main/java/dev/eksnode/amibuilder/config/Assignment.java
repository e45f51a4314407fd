package dev.eksnode.amibuilder.config;

/**
 * One {@code name=value} given on the command line; {@code flag} says how (e.g. {@code --var},
 * {@code --region}).
 */
public record Assignment(String name, String value, String flag) {

  /** Parses {@code name=value}; the value may itself contain '='. */
  public static Assignment parse(String word, String flag) {
    int eq = word.indexOf('=');
    if (eq <= 0) {
      throw new ConfigException(
          flag
              + " '"
              + ConfigException.oneLine(word)
              + "' is not of the form name=value; write e.g. "
              + flag.replace("(bare word)", "").strip()
              + (flag.startsWith("--") ? " " : "")
              + "aws_region=us-east-1");
    }
    String name = word.substring(0, eq).strip();
    if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
      throw new ConfigException(
          flag
              + " '"
              + ConfigException.oneLine(word)
              + "': '"
              + name
              + "' is not a valid variable name; use letters, digits and underscores");
    }
    return new Assignment(name, word.substring(eq + 1), flag);
  }
}
