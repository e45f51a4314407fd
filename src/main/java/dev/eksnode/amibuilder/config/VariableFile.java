package dev.eksnode.amibuilder.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a Packer variable file: one JSON object of name to string (numbers and booleans are
 * accepted as text).
 */
public final class VariableFile {
  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();

  private VariableFile() {}

  /** Values by name in file order; a JSON null is returned as null (not set). */
  public static Map<String, String> read(Path file, String role) {
    JsonNode root;
    try {
      root = JSON.readTree(Files.readString(file));
    } catch (NoSuchFileException e) {
      throw new ConfigException(role + " " + file + " does not exist; check the path");
    } catch (JsonProcessingException e) {
      var loc = e.getLocation();
      throw new ConfigException(
          role
              + " "
              + file
              + ": malformed JSON"
              + (loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr())
              + ": "
              + e.getOriginalMessage().lines().findFirst().orElse("")
              + "; fix the file's syntax");
    } catch (IOException e) {
      throw new ConfigException(
          role
              + " "
              + file
              + " cannot be read ("
              + e.getMessage()
              + "); check the path and permissions");
    }
    if (root == null || !root.isObject()) {
      throw new ConfigException(
          role
              + " "
              + file
              + ": must be a JSON object of variable names to values, e.g. {\"aws_region\": \"us-east-1\"}");
    }
    Map<String, String> values = new LinkedHashMap<>();
    root.fields()
        .forEachRemaining(
            e -> {
              JsonNode v = e.getValue();
              if (v.isNull()) {
                values.put(e.getKey(), null);
              } else if (v.isValueNode()) {
                values.put(e.getKey(), v.asText());
              } else {
                throw new ConfigException(
                    role
                        + " "
                        + file
                        + ": "
                        + e.getKey()
                        + " must be a string, number or boolean, not a "
                        + (v.isArray() ? "list" : "object")
                        + "; write lists comma-separated, e.g. \"us-east-1,eu-west-1\"");
              }
            });
    return values;
  }
}
