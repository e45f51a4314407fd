package dev.eksnode.amibuilder.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A matrix file ({@code k8s --matrix FILE}, {@code matrix FILE}): the builds of a matrix, each a
 * set of variables applied on top of the usual layers. JSON or YAML, either a plain list of entries
 * or an object {@code {"reuse": true, "entries": [...]}}. An entry is an object of variable name to
 * value, read by the rules of a variable file ({@link VariableFile}), plus two keys of its own:
 * {@code name} (else derived from its values) and {@code reuse}.
 *
 * @param file the file, for messages
 * @param reuse the file's {@code reuse}, or null when it does not say
 * @param entries the entries in file order, their names unique
 */
public record MatrixFile(Path file, Boolean reuse, List<Entry> entries) {

  /** What an entry's name may be: safe in a GitHub Actions matrix, a file name and a log prefix. */
  public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

  private static final Set<String> TOP_KEYS = Set.of("entries", "reuse");

  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
          .build();

  private static final ObjectMapper YAML =
      YAMLMapper.builder()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
          .build();

  /**
   * One build of the matrix.
   *
   * @param index its 0-based position in the file
   * @param name its name: given, or derived from its values
   * @param variables its variables in file order (a null value is left out: not set)
   * @param reuse the entry's own {@code reuse}, or null when it does not say
   */
  public record Entry(int index, String name, Map<String, String> variables, Boolean reuse) {
    public Entry {
      variables = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(variables));
    }

    /**
     * Whether this entry looks for an identical bake: its own {@code reuse}, else the file's, else
     * the command line's.
     */
    public boolean reuse(MatrixFile matrix, boolean commandLine) {
      if (reuse != null) {
        return reuse;
      }
      return matrix.reuse() != null ? matrix.reuse() : commandLine;
    }

    /** Its variables as assignments whose flag names the file and the entry, for messages. */
    public List<Assignment> assignments(Path file) {
      String flag = file.getFileName() + " entry '" + name + "'";
      return variables.entrySet().stream()
          .map(e -> new Assignment(e.getKey(), e.getValue(), flag))
          .toList();
    }
  }

  public MatrixFile {
    entries = List.copyOf(entries);
  }

  /** The entry names in file order. */
  public List<String> names() {
    return entries.stream().map(Entry::name).toList();
  }

  /** Reads and checks {@code file}; any problem is a one-line {@link ConfigException}. */
  public static MatrixFile read(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException("matrix file " + file + " does not exist; check the path");
    } catch (IOException e) {
      throw new ConfigException(
          "matrix file "
              + file
              + " cannot be read ("
              + e.getMessage()
              + "); check the path and permissions");
    }
    boolean json = isJson(file, text);
    JsonNode root;
    try {
      root = (json ? JSON : YAML).readTree(text);
    } catch (JsonProcessingException e) {
      var loc = e.getLocation();
      throw new ConfigException(
          "matrix file "
              + file
              + ": malformed "
              + (json ? "JSON" : "YAML")
              + (loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr())
              + ": "
              + ConfigException.oneLine(
                  e.getOriginalMessage().lines().findFirst().orElse("").strip())
              + "; fix the file's syntax");
    }
    return parse(file, root);
  }

  /** JSON by its extension, YAML by its, otherwise JSON when it starts like JSON. */
  private static boolean isJson(Path file, String text) {
    String name = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
    if (name.endsWith(".json")) {
      return true;
    }
    if (name.endsWith(".yaml") || name.endsWith(".yml")) {
      return false;
    }
    String start = text.stripLeading();
    return start.startsWith("{") || start.startsWith("[");
  }

  private static MatrixFile parse(Path file, JsonNode root) {
    String shape =
        "must be a list of entries, or an object with \"entries\" (a list) and optionally"
            + " \"reuse\"; e.g. [{\"kubernetes_version\": \"1.29.0\", \"aws_region\": \"us-west-2\"}]";
    JsonNode list;
    Boolean reuse = null;
    if (root != null && root.isArray()) {
      list = root;
    } else if (root != null && root.isObject()) {
      for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
        String key = it.next();
        if (!TOP_KEYS.contains(key)) {
          throw new ConfigException(
              "matrix file "
                  + file
                  + ": unknown key '"
                  + ConfigException.oneLine(key)
                  + "' at the top; use \"entries\" and \"reuse\" (variables go inside each entry)");
        }
      }
      list = root.get("entries");
      if (list == null || !list.isArray()) {
        throw new ConfigException(
            "matrix file "
                + file
                + ": \"entries\" must be a list of entries, e.g. \"entries\": [{\"aws_region\":"
                + " \"us-west-2\"}]");
      }
      reuse = bool(root.get("reuse"), "matrix file " + file + ": \"reuse\"");
    } else {
      throw new ConfigException("matrix file " + file + ": " + shape);
    }
    if (list.isEmpty()) {
      throw new ConfigException(
          "matrix file " + file + " has no entries; add at least one build to \"entries\"");
    }
    List<Entry> entries = new ArrayList<>();
    Map<String, Entry> byName = new LinkedHashMap<>();
    for (int i = 0; i < list.size(); i++) {
      Entry entry = entry(file, i, list.get(i));
      Entry before = byName.putIfAbsent(entry.name(), entry);
      if (before != null) {
        throw new ConfigException(
            "matrix file "
                + file
                + ": entries "
                + (before.index() + 1)
                + " and "
                + (i + 1)
                + " are both named '"
                + entry.name()
                + "'; give one of them its own \"name\"");
      }
      entries.add(entry);
    }
    return new MatrixFile(file, reuse, entries);
  }

  private static Entry entry(Path file, int index, JsonNode node) {
    String where = "matrix file " + file + ", entry " + (index + 1);
    if (node == null || !node.isObject()) {
      throw new ConfigException(
          where
              + ": must be an object of variable names to values, e.g. {\"aws_region\":"
              + " \"us-west-2\"}");
    }
    String name = null;
    if (node.has("name")) {
      JsonNode n = node.get("name");
      if (!n.isTextual() || !NAME.matcher(n.asText()).matches()) {
        throw new ConfigException(
            where
                + ": name '"
                + ConfigException.oneLine(n.asText())
                + "' is not a usable entry name; use up to 100 letters, digits, '.', '_' and '-',"
                + " starting with a letter or digit");
      }
      name = n.asText();
      where = where + " (" + name + ")";
    }
    Boolean reuse = bool(node.get("reuse"), where + ": reuse");
    Map<String, String> variables = new LinkedHashMap<>();
    for (var it = node.fields(); it.hasNext(); ) {
      var field = it.next();
      String key = field.getKey();
      if (key.equals("name") || key.equals("reuse")) {
        continue;
      }
      if (!key.matches("[A-Za-z_][A-Za-z0-9_]*")) {
        throw new ConfigException(
            where
                + ": '"
                + ConfigException.oneLine(key)
                + "' is not a valid variable name; use letters, digits and underscores");
      }
      variables.put(key, VariableFile.value(key, field.getValue(), where, where));
    }
    variables.values().removeIf(java.util.Objects::isNull);
    if (name == null) {
      name = derivedName(index, variables);
    }
    return new Entry(index, name, variables, reuse);
  }

  /**
   * A name from the entry's values in file order joined by {@code -}, each character outside {@code
   * [A-Za-z0-9._-]} replaced by {@code _} (e.g. {@code 1.29.0-x86_64-us-west-2}); {@code entry-<n>}
   * for an entry without values. Longer than 100 characters ends in {@code entry-<n>}.
   */
  static String derivedName(int index, Map<String, String> variables) {
    String fallback = "entry-" + (index + 1);
    String joined =
        String.join(
            "-",
            variables.values().stream()
                .map(v -> v.strip().replaceAll("[^A-Za-z0-9._-]+", "_"))
                .filter(v -> !v.isEmpty())
                .toList());
    joined = joined.replaceAll("^[^A-Za-z0-9]+", "");
    if (joined.isEmpty()) {
      return fallback;
    }
    if (joined.length() > 100) {
      return joined.substring(0, 99 - fallback.length()) + "-" + fallback;
    }
    return joined;
  }

  private static Boolean bool(JsonNode node, String where) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (node.isBoolean()) {
      return node.booleanValue();
    }
    if (node.isTextual() && Booleans.isBoolean(node.asText())) {
      return Booleans.isTrue(node.asText());
    }
    throw new ConfigException(
        where + " is '" + ConfigException.oneLine(node.asText()) + "'; write true or false");
  }
}
