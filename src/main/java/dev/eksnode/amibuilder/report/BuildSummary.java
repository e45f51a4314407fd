package dev.eksnode.amibuilder.report;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The table printed at the end of a build: the AMI in each region, then the time each phase took.
 */
public final class BuildSummary {
  private BuildSummary() {}

  public static List<String> lines(
      String amiName, Map<String, String> amis, Map<String, Duration> phases) {
    return lines(amiName, amis, phases, java.util.Set.of());
  }

  /**
   * As above; the AMIs of {@code reused} regions are an earlier bake of the same inputs and are
   * marked {@code (reused)}.
   */
  public static List<String> lines(
      String amiName,
      Map<String, String> amis,
      Map<String, Duration> phases,
      java.util.Set<String> reused) {
    List<String> lines = new ArrayList<>();
    lines.add("AMI " + amiName + ":");
    int width = Math.max(6, amis.keySet().stream().mapToInt(String::length).max().orElse(6));
    new TreeMap<>(amis)
        .forEach(
            (region, ami) ->
                lines.add(
                    "  "
                        + pad(region, width)
                        + "  "
                        + ami
                        + (reused.contains(region) ? "  (reused)" : "")));
    if (!phases.isEmpty()) {
      lines.add("Time per phase:");
      int w = phases.keySet().stream().mapToInt(String::length).max().orElse(5);
      Duration total = Duration.ZERO;
      for (Map.Entry<String, Duration> e : phases.entrySet()) {
        lines.add("  " + pad(e.getKey(), w) + "  " + seconds(e.getValue()));
        total = total.plus(e.getValue());
      }
      lines.add("  " + pad("total", w) + "  " + seconds(total));
    }
    return lines;
  }

  static String seconds(Duration d) {
    return String.format(java.util.Locale.ROOT, "%8.1f s", d.toMillis() / 1000.0);
  }

  private static String pad(String text, int width) {
    return text + " ".repeat(Math.max(0, width - text.length()));
  }
}
