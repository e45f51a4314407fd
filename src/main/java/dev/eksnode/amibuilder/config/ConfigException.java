package dev.eksnode.amibuilder.config;

import dev.eksnode.amibuilder.failure.Categorized;
import dev.eksnode.amibuilder.failure.FailureCategory;

/**
 * Invalid usage or configuration, found before anything is created in AWS. Its message is one line
 * that names the field, the bad value, where it came from and how to fix it. A usage failure.
 */
public class ConfigException extends RuntimeException implements Categorized {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * The usual shape: {@code aws_region = 'mars-1' (from --var): not an AWS region; use e.g.
   * us-west-2}.
   */
  public static ConfigException forVariable(Variable variable, String problem, String fix) {
    return new ConfigException(
        variable.name()
            + " = '"
            + oneLine(variable.value())
            + "' (from "
            + variable.source().describe()
            + "): "
            + problem
            + "; "
            + fix);
  }

  /**
   * A value fit for a one-line message: line breaks escaped, and cut only past 200 characters so
   * that any value a length rule rejects (an AMI name allows 128) is still shown whole.
   */
  public static String oneLine(String value) {
    String flat = value.replace("\r", "\\r").replace("\n", "\\n");
    return flat.length() > 200 ? flat.substring(0, 197) + "..." : flat;
  }

  @Override
  public FailureCategory category() {
    return FailureCategory.USAGE;
  }
}
