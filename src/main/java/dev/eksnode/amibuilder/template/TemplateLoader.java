package dev.eksnode.amibuilder.template;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.eksnode.amibuilder.config.DidYouMean;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Loads a Packer JSON template: the subset used by EKS node templates. Unknown keys are rejected by
 * name, so a template that relies on a Packer feature we do not implement fails before anything is
 * created.
 */
public final class TemplateLoader {
  static final Set<String> TOP_LEVEL =
      Set.of(
          "variables",
          "sensitive-variables",
          "builders",
          "provisioners",
          "post-processors",
          "description",
          "min_packer_version");

  static final Set<String> BUILDER_KEYS =
      new TreeSet<>(
          List.of(
              "type",
              "name",
              "region",
              "source_ami",
              "source_ami_filter",
              "instance_type",
              "launch_block_device_mappings",
              "ami_block_device_mappings",
              "aws_polling",
              "ami_regions",
              "ami_users",
              "snapshot_users",
              "ami_groups",
              "ssh_username",
              "ssh_interface",
              "ssh_pty",
              "ssh_host",
              "ssh_port",
              "ssh_timeout",
              "temporary_security_group_source_cidrs",
              "security_group_id",
              "associate_public_ip_address",
              "encrypt_boot",
              "kms_key_id",
              "region_kms_key_ids",
              "run_tags",
              "run_volume_tags",
              "snapshot_tags",
              "subnet_id",
              "tags",
              "ami_name",
              "ami_description",
              "custom_endpoint_ec2",
              "iam_instance_profile",
              "temporary_iam_instance_profile_policy_document",
              "metadata_options",
              "user_data",
              "user_data_file"));

  static final Set<String> SHELL_KEYS =
      new TreeSet<>(
          List.of(
              "type",
              "script",
              "scripts",
              "inline",
              "inline_shebang",
              "environment_vars",
              "execute_command",
              "remote_folder",
              "expect_disconnect",
              "pause_before",
              "pause_after",
              "reboot_timeout"));

  static final Set<String> FILE_KEYS =
      new TreeSet<>(
          List.of("type", "source", "sources", "destination", "direction", "pause_before"));

  static final Set<String> MANIFEST_KEYS =
      new TreeSet<>(List.of("type", "output", "strip_path", "custom_data"));

  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();

  public Template load(Path path) {
    String name = path.toString();
    JsonNode root;
    try {
      root = JSON.readTree(Files.readString(path));
    } catch (NoSuchFileException e) {
      throw new TemplateException(
          "template " + name + " does not exist; pass an existing file with --template");
    } catch (JsonProcessingException e) {
      throw new TemplateException(
          "template "
              + name
              + ": malformed JSON"
              + location(e)
              + ": "
              + e.getOriginalMessage().lines().findFirst().orElse("")
              + "; fix the file's syntax");
    } catch (IOException e) {
      throw new TemplateException(
          "template "
              + name
              + " cannot be read: "
              + e.getMessage()
              + "; check the path and permissions");
    }
    if (root == null || !root.isObject()) {
      throw new TemplateException(
          "template " + name + ": the top level must be a JSON object with 'builders'");
    }
    checkKeys(root, TOP_LEVEL, "template " + name, true);

    Map<String, String> variables = new LinkedHashMap<>();
    JsonNode vars = root.path("variables");
    if (!vars.isMissingNode()) {
      if (!vars.isObject()) {
        throw new TemplateException(
            "template " + name + ": 'variables' must be an object of name: default");
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = vars.fields(); it.hasNext(); ) {
        var e = it.next();
        variables.put(
            e.getKey(), scalar(e.getValue(), "template " + name + ": variables." + e.getKey()));
      }
    }
    Set<String> sensitive = new LinkedHashSet<>();
    for (JsonNode s : root.path("sensitive-variables")) {
      sensitive.add(s.asText());
    }

    JsonNode builders = root.path("builders");
    if (!builders.isArray() || builders.size() != 1) {
      throw new TemplateException(
          "template "
              + name
              + ": exactly one builder of type amazon-ebs is supported, found "
              + (builders.isArray() ? builders.size() : 0)
              + "; keep a single 'builders' entry");
    }
    JsonNode builder = builders.get(0);
    String where = "template " + name + ": builders[0]";
    if (!builder.isObject() || !"amazon-ebs".equals(builder.path("type").asText())) {
      throw new TemplateException(
          where
              + ": builder type '"
              + builder.path("type").asText()
              + "' is not supported; use \"type\": \"amazon-ebs\"");
    }
    checkKeys(builder, BUILDER_KEYS, where, false);
    Map<String, JsonNode> builderFields = new LinkedHashMap<>();
    builder.fields().forEachRemaining(e -> builderFields.put(e.getKey(), e.getValue()));
    checkExpressions(builder, where);

    List<JsonNode> provisioners = new ArrayList<>();
    JsonNode provs = root.path("provisioners");
    for (int i = 0; i < provs.size(); i++) {
      JsonNode p = provs.get(i);
      String pw = "template " + name + ": provisioners[" + i + "]";
      String type = p.path("type").asText();
      switch (type) {
        case "shell" -> checkKeys(p, SHELL_KEYS, pw + " (shell)", false);
        case "file" -> checkKeys(p, FILE_KEYS, pw + " (file)", false);
        default ->
            throw new TemplateException(
                pw
                    + ": provisioner type '"
                    + type
                    + "' is not supported; use \"shell\" or \"file\"");
      }
      checkExpressions(p, pw);
      provisioners.add(p);
    }

    List<JsonNode> postProcessors = new ArrayList<>();
    JsonNode pps = root.path("post-processors");
    for (int i = 0; i < pps.size(); i++) {
      JsonNode entry = pps.get(i);
      List<JsonNode> chain = new ArrayList<>();
      if (entry.isArray()) {
        entry.forEach(chain::add);
      } else {
        chain.add(entry);
      }
      for (JsonNode pp : chain) {
        String pw = "template " + name + ": post-processors[" + i + "]";
        String type = pp.isTextual() ? pp.asText() : pp.path("type").asText();
        if (!"manifest".equals(type)) {
          throw new TemplateException(
              pw + ": post-processor type '" + type + "' is not supported; only \"manifest\" is");
        }
        if (pp.isObject()) {
          checkKeys(pp, MANIFEST_KEYS, pw + " (manifest)", false);
          checkExpressions(pp, pw);
        }
        postProcessors.add(pp);
      }
    }
    return new Template(path, variables, sensitive, builderFields, provisioners, postProcessors);
  }

  private static void checkKeys(
      JsonNode node, Set<String> allowed, String where, boolean allowComments) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (key.startsWith("_") || (allowComments && key.startsWith("_"))) {
        continue; // Packer treats underscore keys as comments.
      }
      if (!allowed.contains(key)) {
        throw new TemplateException(
            where
                + ": unsupported key '"
                + key
                + "'"
                + DidYouMean.suggest(key, allowed)
                    .map(s -> " (did you mean '" + s + "'?)")
                    .orElse("")
                + "; remove it or use one of: "
                + String.join(", ", new TreeSet<>(allowed)));
      }
    }
  }

  private static void checkExpressions(JsonNode node, String where) {
    if (node.isTextual()) {
      Interpolator.check(node.asText(), where);
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        checkExpressions(node.get(i), where + "[" + i + "]");
      }
    } else if (node.isObject()) {
      node.fields().forEachRemaining(e -> checkExpressions(e.getValue(), where + "." + e.getKey()));
    }
  }

  static String scalar(JsonNode node, String where) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (node.isValueNode()) {
      return node.asText();
    }
    throw new TemplateException(
        where
            + ": must be a string, number, boolean or null, not "
            + node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT));
  }

  private static String location(JsonProcessingException e) {
    var loc = e.getLocation();
    if (e instanceof JsonParseException || loc != null) {
      return loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
    }
    return "";
  }
}
