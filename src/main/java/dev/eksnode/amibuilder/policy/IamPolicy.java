package dev.eksnode.amibuilder.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/** An identity policy: Allow statements only, printed as IAM's JSON. */
public record IamPolicy(List<Statement> statements) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Two-space indent, one array element a line, {@code "Key": value} as IAM's console shows. */
  private static final DefaultPrettyPrinter PRETTY =
      new DefaultPrettyPrinter(
              Separators.createDefaultInstance()
                  .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                  .withArrayEmptySeparator("")
                  .withObjectEmptySeparator(""))
          .withArrayIndenter(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE)
          .withObjectIndenter(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE);

  public IamPolicy {
    statements = List.copyOf(statements);
  }

  /** Every action some statement names, sorted. */
  public Set<String> actions() {
    Set<String> all = new TreeSet<>();
    statements.forEach(s -> all.addAll(s.actions()));
    return all;
  }

  /**
   * Whether some statement names {@code action} ({@code service:Name}), literally or through a
   * wildcard such as {@code ec2:Describe*}; IAM compares action names without regard to case.
   */
  public boolean grants(String action) {
    for (String pattern : actions()) {
      String regex =
          "(?i)" + Pattern.quote(pattern).replace("*", "\\E.*\\Q").replace("?", "\\E.\\Q");
      if (action.matches(regex)) {
        return true;
      }
    }
    return false;
  }

  /** The statements of the Sid {@code sid}, for tests and docs. */
  public Statement statement(String sid) {
    return statements.stream().filter(s -> s.sid().equals(sid)).findFirst().orElse(null);
  }

  /** The policy document as indented JSON, statements in order, a single value written bare. */
  public String toJson() {
    ObjectNode root = JSON.createObjectNode();
    root.put("Version", "2012-10-17");
    ArrayNode list = root.putArray("Statement");
    for (Statement s : statements) {
      ObjectNode node = list.addObject();
      node.put("Sid", s.sid());
      node.put("Effect", "Allow");
      one(node, "Action", s.actions());
      one(node, "Resource", s.resources());
      if (!s.conditions().isEmpty()) {
        ObjectNode condition = node.putObject("Condition");
        s.conditions()
            .forEach(
                (op, keys) -> {
                  ObjectNode byKey = condition.putObject(op);
                  new java.util.TreeMap<>(keys).forEach((key, values) -> one(byKey, key, values));
                });
      }
    }
    try {
      return JSON.writer(PRETTY).writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void one(ObjectNode node, String field, List<String> values) {
    if (values.size() == 1) {
      node.put(field, values.get(0));
    } else {
      ArrayNode array = node.putArray(field);
      values.forEach(array::add);
    }
  }
}
