package dev.eksnode.amibuilder.template;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eksnode.amibuilder.config.ConfigException;
import java.util.Locale;
import java.util.Set;

/**
 * The checks an IAM policy document passes before a build creates a role for it: the shape IAM
 * requires of an inline role policy (a Statement list whose entries have an Effect, actions and
 * resources) and its size limit. IAM judges the action names and ARNs itself.
 */
final class PolicyDocuments {
  /** IAM's limit for a role's inline policies, counted without whitespace. */
  static final int MAX_CHARACTERS = 10_240;

  private static final Set<String> VERSIONS = Set.of("2012-10-17", "2008-10-17");
  private static final Set<String> EFFECTS = Set.of("Allow", "Deny");
  private static final String EXAMPLE =
      "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", \"Action\":"
          + " [\"s3:GetObject\"], \"Resource\": [\"*\"]}]}";
  private static final ObjectMapper JSON = new ObjectMapper();

  private PolicyDocuments() {}

  /** What is wrong with {@code document} and how to fix it, in one line; null when it is fine. */
  static String problem(String document) {
    JsonNode root;
    try {
      root = JSON.readTree(document);
    } catch (JsonProcessingException e) {
      return "not JSON ("
          + ConfigException.oneLine(e.getOriginalMessage().lines().findFirst().orElse(""))
          + "); write it as a JSON object such as "
          + EXAMPLE;
    }
    if (root == null || !root.isObject()) {
      return "must be a JSON object such as "
          + EXAMPLE
          + ", not "
          + (root == null ? "nothing" : type(root));
    }
    JsonNode version = root.get("Version");
    if (version != null && !(version.isTextual() && VERSIONS.contains(version.asText()))) {
      return "Version '"
          + ConfigException.oneLine(version.asText())
          + "' is not a policy language version; use \"2012-10-17\"";
    }
    JsonNode statements = root.get("Statement");
    if (statements == null || statements.isNull()) {
      return "has no Statement; the role's permissions go there, e.g. " + EXAMPLE;
    }
    if (statements.isObject()) {
      String p = statement(statements, "Statement");
      if (p != null) {
        return p;
      }
    } else if (statements.isArray() && !statements.isEmpty()) {
      for (int i = 0; i < statements.size(); i++) {
        String p = statement(statements.get(i), "Statement[" + i + "]");
        if (p != null) {
          return p;
        }
      }
    } else {
      return "Statement must be a non-empty list of statements, e.g. " + EXAMPLE;
    }
    int size = withoutWhitespace(document);
    if (size > MAX_CHARACTERS) {
      return "is "
          + size
          + " characters long without whitespace; IAM allows "
          + MAX_CHARACTERS
          + " in a role's inline policy, so grant wider actions or resources in fewer statements";
    }
    return null;
  }

  private static String statement(JsonNode s, String path) {
    if (!s.isObject()) {
      return path + " must be an object with Effect, Action and Resource, not " + type(s);
    }
    JsonNode effect = s.get("Effect");
    if (effect == null || !effect.isTextual() || !EFFECTS.contains(effect.asText())) {
      return path
          + ".Effect "
          + (effect == null ? "is missing" : "= '" + ConfigException.oneLine(effect.asText()) + "'")
          + "; use \"Allow\" or \"Deny\"";
    }
    String actions = names(s, path, "Action", "NotAction", "the actions, e.g. [\"s3:GetObject\"]");
    if (actions != null) {
      return actions;
    }
    return names(s, path, "Resource", "NotResource", "the resources, e.g. [\"*\"] or an ARN");
  }

  /** One of {@code key} and {@code notKey}: a string or a non-empty list of non-empty strings. */
  private static String names(JsonNode s, String path, String key, String notKey, String what) {
    JsonNode value = s.has(key) ? s.get(key) : s.get(notKey);
    String name = s.has(key) || !s.has(notKey) ? key : notKey;
    if (value == null || value.isNull()) {
      return path + " has no " + key + "; name " + what;
    }
    if (value.isTextual() && !value.asText().isBlank()) {
      return null;
    }
    if (value.isArray() && !value.isEmpty()) {
      for (JsonNode entry : value) {
        if (!entry.isTextual() || entry.asText().isBlank()) {
          return path + "." + name + " must list non-empty strings; name " + what;
        }
      }
      return null;
    }
    return path + "." + name + " must be a string or a non-empty list of strings; name " + what;
  }

  private static String type(JsonNode node) {
    return node.getNodeType().toString().toLowerCase(Locale.ROOT);
  }

  private static int withoutWhitespace(String text) {
    int n = 0;
    for (int i = 0; i < text.length(); i++) {
      if (!Character.isWhitespace(text.charAt(i))) {
        n++;
      }
    }
    return n;
  }
}
