package dev.eksnode.amibuilder.template;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses Go/Packer duration text such as {@code 90s}, {@code 5m}, {@code 1h30m} or {@code 250ms}.
 */
public final class GoDuration {
  private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)");

  private GoDuration() {}

  /** The duration, or null when {@code text} is not a duration. A bare number is seconds. */
  public static Duration parseOrNull(String text) {
    if (text == null || text.isBlank()) {
      return null;
    }
    String t = text.strip();
    if (t.matches("\\d+")) {
      return Duration.ofSeconds(Long.parseLong(t));
    }
    Matcher m = PART.matcher(t);
    long millis = 0;
    int end = 0;
    while (m.find()) {
      if (m.start() != end) {
        return null;
      }
      double n = Double.parseDouble(m.group(1));
      millis +=
          (long)
              switch (m.group(2)) {
                case "ms" -> n;
                case "s" -> n * 1000;
                case "m" -> n * 60_000;
                default -> n * 3_600_000;
              };
      end = m.end();
    }
    return end == t.length() && end > 0 ? Duration.ofMillis(millis) : null;
  }
}
