package dev.eksnode.amibuilder.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The merged variables: each name's winning value and source. Immutable; "not set" means absent or
 * empty.
 */
public final class Variables {
  private final Map<String, Variable> byName;
  private final List<String> warnings;

  private Variables(Map<String, Variable> byName, List<String> warnings) {
    this.byName = java.util.Collections.unmodifiableMap(new TreeMap<>(byName));
    this.warnings = List.copyOf(warnings);
  }

  public static Variables of(Collection<Variable> variables, List<String> warnings) {
    Map<String, Variable> map = new TreeMap<>();
    variables.forEach(v -> map.put(v.name(), v));
    return new Variables(map, warnings);
  }

  /** The variable, or null when no layer set it. */
  public Variable get(String name) {
    return byName.get(name);
  }

  /** The value, or "" when not set. */
  public String value(String name) {
    Variable v = byName.get(name);
    return v == null ? "" : v.value();
  }

  public boolean isSet(String name) {
    return !value(name).isEmpty();
  }

  /**
   * True when a layer above the derived values set a non-empty value: the per-minor file, or a
   * layer the user controls (var file, environment, command line, shortcut). Derived defaults leave
   * such a value alone.
   */
  public boolean isSetByUser(String name) {
    Variable v = byName.get(name);
    return v != null && !v.value().isEmpty() && v.source().isAboveDerived();
  }

  /** All variables sorted by name. */
  public Collection<Variable> all() {
    return byName.values();
  }

  public Map<String, String> asMap() {
    Map<String, String> m = new TreeMap<>();
    byName.forEach((k, v) -> m.put(k, v.value()));
    return m;
  }

  /** Warnings gathered while merging (unknown names, ignored values), in the order found. */
  public List<String> warnings() {
    return warnings;
  }

  /** A copy with {@code variable} replacing any earlier value of the same name. */
  public Variables with(Variable variable) {
    Map<String, Variable> m = new TreeMap<>(byName);
    m.put(variable.name(), variable);
    return new Variables(m, warnings);
  }

  public Variables withWarning(String warning) {
    List<String> w = new ArrayList<>(warnings);
    w.add(warning);
    return new Variables(byName, w);
  }
}
