package dev.eksnode.amibuilder.config;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the names a text reads with Packer's {@code {{user `name`}}} (back-quoted or double-quoted,
 * with or without spaces inside the braces). Used to tell a variable the template reads from one
 * nothing reads, without rendering anything.
 */
public final class UserReferences {
  private static final Pattern USER =
      Pattern.compile("\\{\\{-?\\s*user\\s+(?:`([^`]*)`|\"([^\"]*)\")\\s*-?}}");

  private UserReferences() {}

  /** The names {@code text} reads with {@code user}, sorted; empty for null or plain text. */
  public static Set<String> in(String text) {
    Set<String> names = new TreeSet<>();
    if (text == null || !text.contains("{{")) {
      return names;
    }
    Matcher m = USER.matcher(text);
    while (m.find()) {
      names.add(m.group(1) != null ? m.group(1) : m.group(2));
    }
    return names;
  }
}
