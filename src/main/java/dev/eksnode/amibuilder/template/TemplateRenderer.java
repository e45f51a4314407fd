package dev.eksnode.amibuilder.template;

import com.fasterxml.jackson.databind.JsonNode;
import dev.eksnode.amibuilder.config.Booleans;
import dev.eksnode.amibuilder.config.ConfigException;
import dev.eksnode.amibuilder.config.Variable;
import dev.eksnode.amibuilder.config.VariableLayers;
import dev.eksnode.amibuilder.config.VariableValidator;
import dev.eksnode.amibuilder.config.Variables;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns a loaded template and merged variables into a {@link BuildSpec}: variable values are rendered (they may refer
 * to each other and to the environment), validated, and then every builder field, provisioner and post-processor is
 * rendered, typed and checked by the same rules as the variables ({@link BuilderValidator}).
 */
public final class TemplateRenderer {

  private final Map<String, String> environment;
  private final Instant now;
  private final String runUuid;
  private final Path workingDir;

  public TemplateRenderer(Map<String, String> environment, Instant now, String runUuid, Path workingDir) {
    this.environment = Map.copyOf(environment);
    this.now = now;
    this.runUuid = runUuid;
    this.workingDir = workingDir;
  }

  /** Renders {@code {{user}}}/{@code {{env}}} references inside variable values, keeping each value's source. */
  public Variables resolveVariables(Template template, Variables merged) {
    Map<String, String> resolved = new HashMap<>();
    Deque<String> resolving = new ArrayDeque<>();
    List<Variable> out = new ArrayList<>();
    for (Variable v : merged.all()) {
      String value = resolve(v.name(), template, merged, resolved, resolving);
      out.add(new Variable(v.name(), value, v.source()));
    }
    return Variables.of(out, merged.warnings());
  }

  private String resolve(
      String name, Template template, Variables merged, Map<String, String> resolved, Deque<String> resolving) {
    String done = resolved.get(name);
    if (done != null) {
      return done;
    }
    Variable v = merged.get(name);
    if (v == null) {
      checkDeclared(template, name, "variable reference");
      return "";
    }
    if (resolving.contains(name)) {
      throw new ConfigException("variable " + name + " (from " + v.source().describe() + ") refers to itself through "
          + String.join(" -> ", resolving) + " -> " + name + "; break the cycle");
    }
    resolving.push(name);
    RenderContext ctx = context(template, n -> resolve(n, template, merged, resolved, resolving), Map.of());
    String value = new Interpolator(ctx).render(v.value(), "variable " + name + " (from " + v.source().describe() + ")");
    resolving.pop();
    resolved.put(name, value);
    return value;
  }

  /** Validates the variables and renders the whole template. */
  public BuildSpec render(Template template, Variables merged, VariableValidator.Purpose purpose) {
    Variables vars = resolveVariables(template, merged);
    new VariableValidator().validate(vars, purpose);
    RenderContext ctx = context(template, name -> {
      checkDeclared(template, name, "template");
      return vars.value(name);
    }, Map.of());
    Interpolator in = new Interpolator(ctx);
    String file = "template " + template.path();

    Fields b = new Fields(template.builder(), in, file + ": builders[0]");
    String buildName = b.text("name", "amazon-ebs");
    AmazonEbsSettings settings = new AmazonEbsSettings(
        b.required("region", "set aws_region"),
        b.text("custom_endpoint_ec2", ""),
        b.text("source_ami", ""),
        sourceAmiFilter(b),
        b.required("instance_type", "set instance_type"),
        b.devices("launch_block_device_mappings"),
        b.devices("ami_block_device_mappings"),
        polling(b),
        b.list("ami_regions"),
        b.list("ami_users"),
        b.list("snapshot_users"),
        b.list("ami_groups"),
        b.text("ssh_username", "ec2-user"),
        b.text("ssh_interface", ""),
        b.bool("ssh_pty", false),
        b.text("ssh_host", ""),
        b.integer("ssh_port", 22),
        b.duration("ssh_timeout", Duration.ofMinutes(5)),
        b.list("temporary_security_group_source_cidrs"),
        b.text("security_group_id", ""),
        b.optionalBool("associate_public_ip_address"),
        b.bool("encrypt_boot", false),
        b.text("kms_key_id", ""),
        b.map("region_kms_key_ids"),
        b.map("run_tags"),
        b.map("run_volume_tags"),
        b.map("tags"),
        b.map("snapshot_tags"),
        b.text("subnet_id", ""),
        b.text("iam_instance_profile", ""),
        metadata(b),
        userData(b),
        b.required("ami_name", "set ami_name"),
        b.text("ami_description", ""));
    if (settings.amiGroups().stream().anyMatch(g -> !g.equals("all"))) {
      throw new TemplateException(file + ": builders[0].ami_groups: only \"all\" is a valid group; remove the others");
    }
    new BuilderValidator(template.builder(), file + ": builders[0]").validate(settings);

    List<ProvisionerSpec> provisioners = new ArrayList<>();
    for (int i = 0; i < template.provisioners().size(); i++) {
      provisioners.add(provisioner(template.provisioners().get(i), i, in, file + ": provisioners[" + i + "]"));
    }
    List<ManifestSpec> manifests = new ArrayList<>();
    for (int i = 0; i < template.postProcessors().size(); i++) {
      JsonNode pp = template.postProcessors().get(i);
      Fields f = new Fields(fieldsOf(pp), in, file + ": post-processors[" + i + "]");
      manifests.add(new ManifestSpec(f.text("output", "packer-manifest.json"), f.bool("strip_path", false),
          f.map("custom_data")));
    }
    return new BuildSpec(buildName, template, vars, settings, provisioners, manifests, secrets(template, vars), runUuid,
        now, ctx);
  }

  private RenderContext context(
      Template template, java.util.function.UnaryOperator<String> user, Map<String, String> dots) {
    return new RenderContext(user, environment::get, now, template.directory(), runUuid, Map.of(), dots);
  }

  private static void checkDeclared(Template template, String name, String where) {
    if (!template.variables().containsKey(name) && !VariableLayers.TOOL_VARIABLES.contains(name)) {
      throw new TemplateException("template " + template.path() + ": " + where + " uses undeclared variable '" + name
          + "'; declare it under \"variables\"");
    }
  }

  private static Set<String> secrets(Template template, Variables vars) {
    Set<String> out = new LinkedHashSet<>();
    for (Variable v : vars.all()) {
      if (template.isSensitive(v.name()) && v.value().length() >= 4) {
        out.add(v.value());
      }
    }
    return out;
  }

  private static AmazonEbsSettings.SourceAmiFilter sourceAmiFilter(Fields b) {
    JsonNode node = b.raw("source_ami_filter");
    if (node == null) {
      return null;
    }
    Fields f = new Fields(fieldsOf(node), b.in, b.where + ".source_ami_filter");
    f.onlyKeys(Set.of("filters", "owners", "most_recent"));
    List<String> owners = new ArrayList<>();
    for (String o : f.list("owners")) {
      for (String part : o.split(",")) {
        if (!part.isBlank()) {
          owners.add(part.strip());
        }
      }
    }
    return new AmazonEbsSettings.SourceAmiFilter(f.map("filters"), owners, f.bool("most_recent", false));
  }

  private static AmazonEbsSettings.Polling polling(Fields b) {
    JsonNode node = b.raw("aws_polling");
    if (node == null) {
      // Generous for real AMIs (Packer's default of 40 x 15 s has timed out for EKS images).
      return new AmazonEbsSettings.Polling(Duration.ofSeconds(15), 180);
    }
    Fields f = new Fields(fieldsOf(node), b.in, b.where + ".aws_polling");
    f.onlyKeys(Set.of("delay_seconds", "max_attempts"));
    return new AmazonEbsSettings.Polling(Duration.ofSeconds(f.integer("delay_seconds", 15)), f.integer("max_attempts", 180));
  }

  private static AmazonEbsSettings.MetadataOptions metadata(Fields b) {
    JsonNode node = b.raw("metadata_options");
    if (node == null) {
      return new AmazonEbsSettings.MetadataOptions("required", "enabled", 1);
    }
    Fields f = new Fields(fieldsOf(node), b.in, b.where + ".metadata_options");
    f.onlyKeys(Set.of("http_tokens", "http_endpoint", "http_put_response_hop_limit", "instance_metadata_tags"));
    String tokens = f.text("http_tokens", "required");
    if (!Set.of("required", "optional").contains(tokens)) {
      throw new TemplateException(f.where + ".http_tokens = '" + tokens + "': use required or optional");
    }
    return new AmazonEbsSettings.MetadataOptions(tokens, f.text("http_endpoint", "enabled"),
        f.integer("http_put_response_hop_limit", 1));
  }

  private String userData(Fields b) {
    String inline = b.text("user_data", "");
    String file = b.text("user_data_file", "");
    if (!inline.isEmpty() && !file.isEmpty()) {
      throw new TemplateException(b.where + ": set user_data or user_data_file, not both");
    }
    if (file.isEmpty()) {
      return inline;
    }
    try {
      return Files.readString(workingDir.resolve(file));
    } catch (IOException e) {
      throw new TemplateException(b.where + ".user_data_file: cannot read '" + file + "'; check the path");
    }
  }

  private ProvisionerSpec provisioner(JsonNode node, int index, Interpolator in, String where) {
    Fields f = new Fields(fieldsOf(node), in, where);
    String type = f.text("type", "");
    if (type.equals("file")) {
      String direction = f.text("direction", "upload");
      List<String> sources = new ArrayList<>(f.list("sources"));
      String source = f.text("source", "");
      if (!source.isEmpty()) {
        sources.add(0, source);
      }
      if (sources.isEmpty()) {
        throw new TemplateException(where + " (file): needs \"source\" or \"sources\"");
      }
      String destination = f.required("destination", "set the destination path");
      FileProvisionerSpec.Direction dir = switch (direction) {
        case "upload" -> FileProvisionerSpec.Direction.UPLOAD;
        case "download" -> FileProvisionerSpec.Direction.DOWNLOAD;
        default -> throw new TemplateException(where + ".direction = '" + direction + "': use upload or download");
      };
      if (dir == FileProvisionerSpec.Direction.UPLOAD) {
        for (String s : sources) {
          if (!Files.exists(workingDir.resolve(s))) {
            throw new TemplateException(where + " (file): source '" + s + "' does not exist; check the path");
          }
        }
      }
      return new FileProvisionerSpec(index, sources, destination, dir);
    }
    List<Path> scripts = new ArrayList<>();
    String script = f.text("script", "");
    if (!script.isEmpty()) {
      scripts.add(workingDir.resolve(script).normalize());
    }
    for (String s : f.list("scripts")) {
      scripts.add(workingDir.resolve(s).normalize());
    }
    List<String> inline = f.stringArray("inline");
    int kinds = (scripts.isEmpty() ? 0 : 1) + (inline.isEmpty() ? 0 : 1);
    if (kinds != 1) {
      throw new TemplateException(where + " (shell): set exactly one of script, scripts or inline");
    }
    for (Path p : scripts) {
      if (!Files.isRegularFile(p)) {
        throw new TemplateException(where + " (shell): script '" + p + "' does not exist; check the path");
      }
    }
    String remoteFolder = f.text("remote_folder", "");
    List<String> env = f.stringArray("environment_vars");
    for (String e : env) {
      int eq = e.indexOf('=');
      // Only the name part goes into the message: the value may be a rendered credential.
      String name = eq < 0 ? "(no '=' in the entry)" : "'" + e.substring(0, eq) + "'";
      if (!e.matches("(?s)[A-Za-z_][A-Za-z0-9_]*=.*")) {
        throw new TemplateException(where + ".environment_vars: entry with name " + name
            + " is not NAME=value with a shell-safe NAME (letters, digits, _; not starting with a digit)");
      }
      if (e.indexOf('\0') >= 0) {
        throw new TemplateException(where + ".environment_vars: the value of " + name
            + " contains a NUL character, which no shell variable can hold; remove it");
      }
    }
    return new ShellProvisionerSpec(index, scripts, inline, f.text("inline_shebang", "/bin/sh -e"),
        env,
        f.text("execute_command", ShellProvisionerSpec.DEFAULT_EXECUTE_COMMAND),
        remoteFolder.isEmpty() ? "/tmp" : remoteFolder,
        f.bool("expect_disconnect", false),
        f.durationOrNull("pause_before"),
        f.durationOrNull("pause_after"),
        f.durationOrNull("reboot_timeout"));
  }

  private static Map<String, JsonNode> fieldsOf(JsonNode node) {
    Map<String, JsonNode> m = new LinkedHashMap<>();
    node.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue()));
    return m;
  }

  /** Typed, rendered access to one JSON object's fields, with errors that name the field. */
  private static final class Fields {
    final Map<String, JsonNode> raw;
    final Interpolator in;
    final String where;

    Fields(Map<String, JsonNode> raw, Interpolator in, String where) {
      this.raw = raw;
      this.in = in;
      this.where = where;
    }

    JsonNode raw(String key) {
      JsonNode n = raw.get(key);
      return n == null || n.isNull() ? null : n;
    }

    void onlyKeys(Set<String> allowed) {
      for (String k : raw.keySet()) {
        if (!allowed.contains(k) && !k.startsWith("_")) {
          throw new TemplateException(where + ": unsupported key '" + k + "'; use one of " + String.join(", ", allowed));
        }
      }
    }

    String text(String key, String fallback) {
      JsonNode n = raw(key);
      if (n == null) {
        return fallback;
      }
      if (!n.isValueNode()) {
        throw new TemplateException(where + "." + key + ": must be a single value, not " + n.getNodeType().toString()
            .toLowerCase(Locale.ROOT));
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
        throw new TemplateException(where + "." + key + " = '" + v + "': not a boolean; use true or false");
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
        throw new TemplateException(where + "." + key + " = '" + v + "': not a duration; write e.g. 90s, 5m or 1h30m");
      }
      return d;
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
          for (String part : in.render(n.get(i).asText(), where + "." + key + "[" + i + "]").split(",")) {
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
      n.fields().forEachRemaining(e -> out.put(e.getKey(),
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
        Fields d = new Fields(fieldsOf(n.get(i)), in, where + "." + key + "[" + i + "]");
        d.onlyKeys(Set.of("device_name", "volume_type", "volume_size", "delete_on_termination", "encrypted", "iops",
            "throughput", "kms_key_id"));
        String size = d.text("volume_size", "");
        String iops = d.text("iops", "");
        String throughput = d.text("throughput", "");
        out.add(new AmazonEbsSettings.BlockDevice(
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
}
