package dev.eksnode.amibuilder.template;

/**
 * Converts a Go reference-time layout ({@code 2006-01-02T15:04:05Z07:00}) as used by Packer's
 * {@code isotime} into a {@link java.time.format.DateTimeFormatter} pattern.
 */
public final class GoLayout {
  private static final String[][] TOKENS = {
    {"2006", "uuuu"},
    {"January", "MMMM"},
    {"Monday", "EEEE"},
    {"Jan", "MMM"},
    {"Mon", "EEE"},
    {"Z07:00", "XXX"},
    {"-07:00", "xxx"},
    {"-0700", "xx"},
    {"MST", "zzz"},
    {"15", "HH"},
    {"01", "MM"},
    {"02", "dd"},
    {"03", "hh"},
    {"04", "mm"},
    {"05", "ss"},
    {"06", "uu"},
    {"PM", "a"},
    {".000", ".SSS"},
    {"_2", "ppd"},
    {"1", "M"},
    {"2", "d"},
    {"3", "h"},
    {"4", "m"},
    {"5", "s"}
  };

  private GoLayout() {}

  public static String toJavaPattern(String layout, String where) {
    StringBuilder out = new StringBuilder();
    StringBuilder literal = new StringBuilder();
    int i = 0;
    outer:
    while (i < layout.length()) {
      for (String[] t : TOKENS) {
        if (layout.startsWith(t[0], i)) {
          flush(literal, out);
          out.append(t[1]);
          i += t[0].length();
          continue outer;
        }
      }
      literal.append(layout.charAt(i));
      i++;
    }
    flush(literal, out);
    return out.toString();
  }

  private static void flush(StringBuilder literal, StringBuilder out) {
    if (literal.length() == 0) {
      return;
    }
    String text = literal.toString();
    if (text.chars().allMatch(ch -> "-:/ ,T.".indexOf(ch) >= 0 && ch != 'T')) {
      out.append(text);
    } else {
      out.append('\'').append(text.replace("'", "''")).append('\'');
    }
    literal.setLength(0);
  }
}
