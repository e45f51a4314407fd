package dev.eksnode.amibuilder.config;

import java.util.Set;

/** Boolean text as Packer (Go's strconv.ParseBool) reads it. */
public final class Booleans {
  static final Set<String> TRUE = Set.of("1", "t", "T", "true", "TRUE", "True");
  static final Set<String> FALSE = Set.of("0", "f", "F", "false", "FALSE", "False");

  private Booleans() {}

  public static boolean isBoolean(String text) {
    return TRUE.contains(text) || FALSE.contains(text);
  }

  public static boolean isTrue(String text) {
    return TRUE.contains(text);
  }
}
