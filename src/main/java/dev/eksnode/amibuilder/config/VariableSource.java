package dev.eksnode.amibuilder.config;

import java.nio.file.Path;

/** Where a variable's value came from, for error messages and the {@code vars} listing. */
public record VariableSource(Kind kind, String detail) {

  /**
   * The layers, lowest precedence first. Derived values fill only what no layer above {@code
   * DERIVED} set.
   */
  public enum Kind {
    TEMPLATE,
    /** The template's default variable file, found beside it or named with --var-file. */
    DEFAULT_FILE,
    DERIVED,
    /** {@code variables-<minor>.json} beside the template, for the Kubernetes minor being built. */
    MINOR_FILE,
    /**
     * The region of the AWS settings ({@code AWS_REGION}, {@code AWS_DEFAULT_REGION}, the profile's
     * {@code region}): above the template's own values, below everything the user gives the tool.
     */
    AWS_CONFIG,
    /** A user variable file: PACKER_VARIABLE_FILE, then each --var-file. */
    VAR_FILE,
    ENVIRONMENT,
    COMMAND_LINE,
    PINNED
  }

  public static VariableSource template(Path template) {
    return new VariableSource(Kind.TEMPLATE, template.getFileName().toString());
  }

  public static VariableSource defaultFile(Path file) {
    return new VariableSource(Kind.DEFAULT_FILE, file.toString());
  }

  public static VariableSource minorFile(Path file) {
    return new VariableSource(Kind.MINOR_FILE, file.toString());
  }

  public static VariableSource varFile(Path file) {
    return new VariableSource(Kind.VAR_FILE, file.toString());
  }

  public static VariableSource environment(String name) {
    return new VariableSource(Kind.ENVIRONMENT, name);
  }

  public static VariableSource commandLine(String flag) {
    return new VariableSource(Kind.COMMAND_LINE, flag);
  }

  /** The AWS settings' region: {@code detail} names the setting, e.g. {@code AWS_REGION}. */
  public static VariableSource awsConfig(String detail) {
    return new VariableSource(Kind.AWS_CONFIG, detail);
  }

  public static VariableSource derived(String rule) {
    return new VariableSource(Kind.DERIVED, rule);
  }

  public static VariableSource pinned(String shortcut) {
    return new VariableSource(Kind.PINNED, shortcut);
  }

  /** A short human description, e.g. {@code my-vars.json:aws_region} or {@code env aws_region}. */
  public String describe() {
    return switch (kind) {
      case TEMPLATE -> "template " + detail;
      case DEFAULT_FILE, MINOR_FILE, VAR_FILE, AWS_CONFIG -> detail;
      case DERIVED -> "derived: " + detail;
      case ENVIRONMENT -> "environment variable " + detail;
      case COMMAND_LINE -> detail;
      case PINNED -> "pinned by " + detail;
    };
  }

  /**
   * True for layers the user wrote (files they passed, environment, command line). The per-minor
   * file is not one: it ships with the template.
   */
  public boolean isUserLayer() {
    return kind == Kind.VAR_FILE
        || kind == Kind.ENVIRONMENT
        || kind == Kind.COMMAND_LINE
        || kind == Kind.PINNED;
  }

  /** True for the layers a derived value must not replace: everything above {@code DERIVED}. */
  public boolean isAboveDerived() {
    return kind.compareTo(Kind.DERIVED) > 0;
  }
}
