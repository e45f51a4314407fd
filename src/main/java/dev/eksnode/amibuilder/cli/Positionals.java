package dev.eksnode.amibuilder.cli;

import dev.eksnode.amibuilder.config.ConfigException;
import dev.eksnode.amibuilder.config.Shortcut;
import java.util.ArrayList;
import java.util.List;

/**
 * The bare words after a command: an optional shortcut ({@code 1.23} or {@code all}) first, then
 * {@code name=value} assignments as {@code make} accepts them.
 */
record Positionals(List<Shortcut> shortcuts, boolean all, List<String> assignments) {

  static Positionals parse(List<String> words, boolean allowAll) {
    List<Shortcut> shortcuts = new ArrayList<>();
    List<String> assignments = new ArrayList<>();
    boolean all = false;
    for (int i = 0; i < words.size(); i++) {
      String w = words.get(i);
      if (w.contains("=")) {
        assignments.add(w);
        continue;
      }
      if (i == 0 && w.equals("all") && allowAll) {
        shortcuts.addAll(Shortcut.ALL);
        all = true;
        continue;
      }
      if (i == 0 && w.matches("\\d+\\.\\d+")) {
        Shortcut s =
            Shortcut.find(w)
                .orElseThrow(
                    () ->
                        new ConfigException(
                            "no shortcut for Kubernetes "
                                + w
                                + "; shortcuts exist for "
                                + String.join(
                                    ", ", Shortcut.ALL.stream().map(Shortcut::minor).toList())
                                + ", otherwise use --kubernetes-version "
                                + w));
        shortcuts.add(s);
        continue;
      }
      throw new ConfigException(
          "unexpected argument '"
              + w
              + "'; give a shortcut ("
              + String.join(", ", Shortcut.ALL.stream().map(Shortcut::minor).toList())
              + (allowAll ? ", all" : "")
              + ") first, then name=value words; see --help");
    }
    return new Positionals(shortcuts, all, assignments);
  }
}
