package dev.eksnode.amibuilder.template;

import com.fasterxml.jackson.databind.JsonNode;
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
   * The default variable file that belongs to this template: {@code <name>-variables.json} beside
   * it.
   */
  public Path defaultVariableFile() {
    String file = path.getFileName().toString();
    String stem = file.endsWith(".json") ? file.substring(0, file.length() - 5) : file;
    return directory().resolve(stem + "-variables.json");
  }
}
