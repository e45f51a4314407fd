package dev.eksnode.amibuilder.template;

import com.fasterxml.jackson.databind.JsonNode;
import dev.eksnode.amibuilder.config.UserReferences;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A loaded Packer-style JSON template, before rendering: values are kept as written so they can be
 * rendered once the variables are known, and build-time fields ({@code .SourceAMI}) once the build
 * knows them.
 *
 * @param path the template file
 * @param variables declared variables and their template defaults (null for Packer's "required"
 *     null default)
 * @param sensitiveVariables names listed in {@code sensitive-variables}
 * @param builder the single amazon-ebs builder, as raw JSON fields by key
 * @param provisioners the provisioners in order, as raw JSON objects
 * @param postProcessors the manifest post-processors in order, as raw JSON objects
 */
public record Template(
    Path path,
    Map<String, String> variables,
    Set<String> sensitiveVariables,
    Map<String, JsonNode> builder,
    List<JsonNode> provisioners,
    List<JsonNode> postProcessors) {

  private static final java.util.regex.Pattern SECRET_NAME =
      java.util.regex.Pattern.compile(
          "(?i).*(secret|token|password|passwd|private_key|access_key).*");

  public Template {
    variables = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(variables));
    sensitiveVariables = Set.copyOf(sensitiveVariables);
    builder = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(builder));
    provisioners = List.copyOf(provisioners);
    postProcessors = List.copyOf(postProcessors);
  }

  /**
   * Whether a variable's value must never be printed: listed in {@code sensitive-variables}, or
   * named like a credential (secret, token, password, private or access key).
   */
  public boolean isSensitive(String name) {
    return SECRET_NAME.matcher(name).matches() || sensitiveVariables.contains(name);
  }

  public Path directory() {
    Path parent = path.toAbsolutePath().getParent();
    return parent == null ? Path.of(".").toAbsolutePath() : parent;
  }

  /**
   * The default variable file that belongs to this template, as the Makefile of each era passed it:
   * {@code variables-default.json} beside a template named {@code template.json} (the {@code
   * templates/<os>/} layout), otherwise {@code <name>-variables.json} beside it ({@code
   * eks-worker-al2-variables.json} for {@code eks-worker-al2.json}).
   */
  public Path defaultVariableFile() {
    String file = path.getFileName().toString();
    if (file.equals("template.json")) {
      return directory().resolve("variables-default.json");
    }
    String stem = file.endsWith(".json") ? file.substring(0, file.length() - 5) : file;
    return directory().resolve(stem + "-variables.json");
  }

  /**
   * Every variable name the template reads with {@code {{user}}}: in the builder, provisioners,
   * post-processors and the declared defaults. A name set only by a variable file is legitimate
   * when it is in this set (Packer's JSON templates allow that).
   */
  public Set<String> userReferences() {
    Set<String> names = new java.util.TreeSet<>();
    variables.values().forEach(v -> names.addAll(UserReferences.in(v)));
    builder.values().forEach(n -> collect(n, names));
    provisioners.forEach(n -> collect(n, names));
    postProcessors.forEach(n -> collect(n, names));
    return names;
  }

  private static void collect(JsonNode node, Set<String> names) {
    if (node.isTextual()) {
      names.addAll(UserReferences.in(node.asText()));
    } else if (node.isContainerNode()) {
      node.forEach(child -> collect(child, names));
    }
  }
}
