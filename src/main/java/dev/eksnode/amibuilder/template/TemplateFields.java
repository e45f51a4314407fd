package dev.eksnode.amibuilder.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eksnode.amibuilder.config.Booleans;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Typed, rendered access to one JSON object's fields, with errors that name the field. */
final class TemplateFields {
  final Map<String, JsonNode> raw;
  final Interpolator in;
  final String where;

  TemplateFields(Map<String, JsonNode> raw, Interpolator in, String where) {
    this.raw = raw;
    this.in = in;
    this.where = where;
  }

  /** The fields of one JSON object, in the order written. */
  static Map<String, JsonNode> fieldsOf(JsonNode node) {
    Map<String, JsonNode> m = new LinkedHashMap<>();
    node.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue()));
    return m;
  }

  /** The fields of the object under {@code key}, or null when the key is absent. */
  TemplateFields object(String key) {
    JsonNode n = raw(key);
    return n == null ? null : new TemplateFields(fieldsOf(n), in, where + "." + key);
  }

  JsonNode raw(String key) {
    JsonNode n = raw.get(key);
    return n == null || n.isNull() ? null : n;
  }

  void onlyKeys(Set<String> allowed) {
    for (String k : raw.keySet()) {
      if (!allowed.contains(k) && !k.startsWith("_")) {
        throw new TemplateException(
            where + ": unsupported key '" + k + "'; use one of " + String.join(", ", allowed));
      }
    }
  }

  String text(String key, String fallback) {
    JsonNode n = raw(key);
    if (n == null) {
      return fallback;
    }
    if (!n.isValueNode()) {
      throw new TemplateException(
          where
              + "."
              + key
              + ": must be a single value, not "
              + n.getNodeType().toString().toLowerCase(Locale.ROOT));
    }
    String v = in.render(n.asText(), where + "." + key);
    return v.isEmpty() ? fallback : v;
  }

  String required(String key, String fix) {
    String v = text(key, "");
    if (v.isEmpty()) {
      throw new TemplateException(where + "." + key + " is empty; " + fix);
    }
    return v;
  }

  boolean bool(String key, boolean fallback) {
    String v = text(key, "");
    if (v.isEmpty()) {
      return fallback;
    }
    if (!Booleans.isBoolean(v)) {
      throw new TemplateException(
          where + "." + key + " = '" + v + "': not a boolean; use true or false");
    }
    return Booleans.isTrue(v);
  }

  Boolean optionalBool(String key) {
    String v = text(key, "");
    return v.isEmpty() ? null : bool(key, false);
  }

  int integer(String key, int fallback) {
    String v = text(key, "");
    if (v.isEmpty()) {
      return fallback;
    }
    try {
      return Integer.parseInt(v.strip());
    } catch (NumberFormatException e) {
      throw new TemplateException(where + "." + key + " = '" + v + "': not a whole number");
    }
  }

  Duration duration(String key, Duration fallback) {
    Duration d = durationOrNull(key);
    return d == null ? fallback : d;
  }

  Duration durationOrNull(String key) {
    String v = text(key, "");
    if (v.isEmpty()) {
      return null;
    }
    Duration d = GoDuration.parseOrNull(v);
    if (d == null) {
      throw new TemplateException(
          where + "." + key + " = '" + v + "': not a duration; write e.g. 90s, 5m or 1h30m");
    }
    return d;
  }

  /**
   * A JSON document given as an object (its strings rendered, then written as JSON) or as a string
   * of JSON (rendered as it is); null when absent.
   */
  String json(String key) {
    JsonNode n = raw(key);
    if (n == null) {
      return null;
    }
    if (n.isValueNode()) {
      return text(key, null);
    }
    if (!n.isObject()) {
      throw new TemplateException(
          where + "." + key + ": must be a JSON object or a string holding one");
    }
    return rendered(n, where + "." + key).toString();
  }

  /** A copy of {@code node} with every string value rendered. */
  private JsonNode rendered(JsonNode node, String path) {
    if (node.isTextual()) {
      return JsonNodeFactory.instance.textNode(in.render(node.asText(), path));
    }
    if (node.isObject()) {
      ObjectNode out = JsonNodeFactory.instance.objectNode();
      node.fields()
          .forEachRemaining(
              e -> out.set(e.getKey(), rendered(e.getValue(), path + "." + e.getKey())));
      return out;
    }
    if (node.isArray()) {
      ArrayNode out = JsonNodeFactory.instance.arrayNode();
      for (int i = 0; i < node.size(); i++) {
        out.add(rendered(node.get(i), path + "[" + i + "]"));
      }
      return out;
    }
    return node.deepCopy();
  }

  /** A comma-separated string or a JSON array of strings; empty entries dropped. */
  List<String> list(String key) {
    JsonNode n = raw(key);
    List<String> out = new ArrayList<>();
    if (n == null) {
      return out;
    }
    if (n.isArray()) {
      for (int i = 0; i < n.size(); i++) {
        for (String part :
            in.render(n.get(i).asText(), where + "." + key + "[" + i + "]").split(",")) {
          if (!part.isBlank()) {
            out.add(part.strip());
          }
        }
      }
      return out;
    }
    for (String part : text(key, "").split(",")) {
      if (!part.isBlank()) {
        out.add(part.strip());
      }
    }
    return out;
  }

  /** A JSON array of strings kept whole (commas are content here, as in inline commands). */
  List<String> stringArray(String key) {
    JsonNode n = raw(key);
    List<String> out = new ArrayList<>();
    if (n == null) {
      return out;
    }
    if (!n.isArray()) {
      throw new TemplateException(where + "." + key + ": must be a list of strings");
    }
    for (int i = 0; i < n.size(); i++) {
      out.add(in.render(n.get(i).asText(), where + "." + key + "[" + i + "]"));
    }
    return out;
  }

  Map<String, String> map(String key) {
    JsonNode n = raw(key);
    Map<String, String> out = new LinkedHashMap<>();
    if (n == null) {
      return out;
    }
    if (!n.isObject()) {
      throw new TemplateException(where + "." + key + ": must be an object of names to strings");
    }
    n.fields()
        .forEachRemaining(
            e ->
                out.put(
                    e.getKey(),
                    in.render(e.getValue().asText(), where + "." + key + "." + e.getKey())));
    return out;
  }

  List<AmazonEbsSettings.BlockDevice> devices(String key) {
    JsonNode n = raw(key);
    List<AmazonEbsSettings.BlockDevice> out = new ArrayList<>();
    if (n == null) {
      return out;
    }
    if (!n.isArray()) {
      throw new TemplateException(where + "." + key + ": must be a list of block device mappings");
    }
    for (int i = 0; i < n.size(); i++) {
      TemplateFields d =
          new TemplateFields(fieldsOf(n.get(i)), in, where + "." + key + "[" + i + "]");
      d.onlyKeys(
          Set.of(
              "device_name",
              "volume_type",
              "volume_size",
              "delete_on_termination",
              "encrypted",
              "iops",
              "throughput",
              "kms_key_id"));
      String size = d.text("volume_size", "");
      String iops = d.text("iops", "");
      String throughput = d.text("throughput", "");
      out.add(
          new AmazonEbsSettings.BlockDevice(
              d.required("device_name", "name the device, e.g. /dev/xvda"),
              d.text("volume_type", "gp2"),
              size.isEmpty() ? null : d.integer("volume_size", 0),
              d.bool("delete_on_termination", true),
              d.optionalBool("encrypted"),
              iops.isEmpty() ? null : d.integer("iops", 0),
              throughput.isEmpty() ? null : d.integer("throughput", 0)));
    }
    return out;
  }
}
