package dev.eksnode.amibuilder.config;

import java.util.Objects;

/**
 * One variable's winning value and its source. For file sources the detail is completed with the
 * key.
 */
public record Variable(String name, String value, VariableSource source) {
  public Variable {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(source, "source");
  }
}
