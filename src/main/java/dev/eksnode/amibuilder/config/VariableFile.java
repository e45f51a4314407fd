package dev.eksnode.amibuilder.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Reads a Packer variable file: one JSON object of name to string (numbers and booleans are
 * accepted as text, except for the Kubernetes version and build date, where a number is an error:
 * JSON reads {@code 1.20} as 1.2).
 */
public final class VariableFile {
  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          // Keeps a number as written (1.20, not 1.2), so the message about it can quote it.
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
          .build();

  /**
   * Variables whose value is a version or date that JSON would change if written as a number:
   * {@code 1.20} is read as 1.2.
   */
  private static final Set<String> TEXT_ONLY =
      Set.of("kubernetes_version", "kubernetes_build_date");

  private VariableFile() {}

  /**
   * A number as Packer's JSON reading gives it: a whole number as written, any other as a double
   * ({@code 1.20} becomes {@code 1.2}).
   */
  static String asRead(JsonNode number) {
    return number.isFloatingPointNumber() ? String.valueOf(number.doubleValue()) : number.asText();
  }

  /** A number as the file writes it ({@code 1.20} stays {@code 1.20}). */
  static String written(JsonNode number) {
    return number.isBigDecimal() ? number.decimalValue().toPlainString() : number.asText();
  }

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
            e ->
                values.put(
                    e.getKey(),
                    value(e.getKey(), e.getValue(), file.toString(), role + " " + file)));
    return values;
  }

  /**
   * One value of a variable file or matrix entry as text: null for a JSON null (not set), numbers
   * as Packer reads them, booleans as written. A Kubernetes version or build date written as a
   * number, a list or an object is an error.
   *
   * @param in where the value is, for the number message ("NAME in IN is the number …")
   * @param prefix the start of the other messages ("PREFIX: NAME must be …")
   */
  static String value(String name, JsonNode v, String in, String prefix) {
    if (v.isNull()) {
      return null;
    }
    if (v.isNumber() && TEXT_ONLY.contains(name)) {
      throw new ConfigException(
          name
              + " in "
              + in
              + " is the number "
              + asRead(v)
              + "; write it as a string, \""
              + written(v)
              + "\"");
    }
    if (v.isNumber()) {
      return asRead(v);
    }
    if (v.isValueNode()) {
      return v.asText();
    }
    throw new ConfigException(
        prefix
            + ": "
            + name
            + " must be a string, number or boolean, not a "
            + (v.isArray() ? "list" : "object")
            + "; write lists comma-separated, e.g. \"us-east-1,eu-west-1\"");
  }
}
