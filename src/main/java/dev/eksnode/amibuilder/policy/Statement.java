package dev.eksnode.amibuilder.policy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * One Allow statement of an IAM policy: its id, the actions (kept sorted and unique), the resource
 * ARNs and the conditions ({@code operator -> key -> values}).
 */
public record Statement(
    String sid,
    List<String> actions,
    List<String> resources,
    Map<String, Map<String, List<String>>> conditions) {

  public Statement {
    Objects.requireNonNull(sid, "sid");
    actions = List.copyOf(new TreeSet<>(actions));
    resources = List.copyOf(new ArrayList<>(new java.util.LinkedHashSet<>(resources)));
    Map<String, Map<String, List<String>>> copy = new LinkedHashMap<>();
    conditions.forEach((op, keys) -> copy.put(op, Map.copyOf(keys)));
    conditions = java.util.Collections.unmodifiableMap(copy);
  }

  /** A statement without conditions. */
  public static Statement allow(String sid, List<String> actions, List<String> resources) {
    return new Statement(sid, actions, resources, Map.of());
  }

  /** This statement with one more condition {@code operator: {key: values}}. */
  public Statement when(String operator, String key, List<String> values) {
    Map<String, Map<String, List<String>>> more = new LinkedHashMap<>(conditions);
    Map<String, List<String>> keys = new LinkedHashMap<>(more.getOrDefault(operator, Map.of()));
    keys.put(key, List.copyOf(values));
    more.put(operator, keys);
    return new Statement(sid, actions, resources, more);
  }
}
