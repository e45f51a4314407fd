package dev.eksnode.amibuilder.ebs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.eksnode.amibuilder.config.Variable;
import dev.eksnode.amibuilder.template.BuildSpec;
import dev.eksnode.amibuilder.template.FileProvisionerSpec;
import dev.eksnode.amibuilder.template.ProvisionerSpec;
import dev.eksnode.amibuilder.template.ShellProvisionerSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The "bake key" of a build: a sha256 over everything that decides what ends up in the AMI, so a
 * second build from the same inputs can reuse the first one's AMI ({@code --reuse}).
 *
 * <p>What counts, as canonical JSON (keys sorted):
 *
 * <ul>
 *   <li>{@code settings}: the rendered amazon-ebs settings except the AMI name, the distribution
 *       ({@code ami_regions}, {@code region_kms_key_ids}, {@code ami_users}, {@code ami_groups},
 *       {@code snapshot_users}: a reuse makes the missing copies and applies the sharing), the tags
 *       of the temporary instance and its volumes, {@code aws_polling} and {@code ssh_timeout};
 *   <li>{@code variables}: every resolved variable except {@link #IGNORED_VARIABLES};
 *   <li>{@code provisioners}: per provisioner its rendered fields, the content of every script it
 *       runs (sha256, by file name) and of every file it uploads (for a directory every entry: path
 *       inside it, kind, executable bit, sha256); a download counts by its remote path;
 *   <li>{@code source_ami}: the resolved source AMI id;
 *   <li>{@code tool}: {@code ami-builder/<major version>}.
 * </ul>
 *
 * <p>Time-derived text is replaced before hashing wherever it appears: the AMI name, the build's
 * {@code timestamp}, {@code isotime} (default layout and every layout the template uses) and {@code
 * uuid}; secrets become {@code <secret>} (they never count, and never leave the process); the
 * template directory becomes {@code <template_dir>}. Package specs with wildcards (a yum {@code
 * containerd-1.6.*}) count by their text.
 *
 * @param value the fingerprint, 64 hex digits: the {@value #TAG} tag
 * @param parts a digest per input (settings, variables, source AMI, tool, each provisioner), full
 *     sha256 hex, in order
 * @param labels what each part is called in an explanation, same keys
 */
public record InputsFingerprint(
    String value, Map<String, String> parts, Map<String, String> labels) {

  /** The tag every AMI and copy of a build carries: the full fingerprint. */
  public static final String TAG = "ami-builder:inputs";

  /** A compact digest per input, so a later miss can say which one changed. */
  public static final String PARTS_TAG = "ami-builder:inputs:parts";

  /** Names and credentials, not inputs: they never count. */
  public static final Set<String> IGNORED_VARIABLES =
      Set.of(
          "ami_name",
          "ami_regions",
          "ami_users",
          "creator",
          "aws_access_key_id",
          "aws_secret_access_key",
          "aws_session_token");

  private static final int MAX_TAG_VALUE = 256;

  // Writes the trees of maps, lists and plain values made below (a duration is already its text).
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  private static final Pattern ISOTIME_LAYOUT = Pattern.compile("isotime\\s+[`\"]([^`\"]+)[`\"]");

  public InputsFingerprint {
    parts = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(parts));
    labels = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(labels));
  }

  /**
   * The fingerprint of {@code spec} built from {@code sourceAmiId}.
   *
   * @param createdBy the {@code ami-builder:created-by} value, e.g. {@code ami-builder/0.1.0}: its
   *     major version counts
   */
  public static InputsFingerprint of(BuildSpec spec, String sourceAmiId, String createdBy) {
    return prepare(spec, createdBy).withSource(sourceAmiId);
  }

  /**
   * Everything of the fingerprint but the source AMI: the settings, the variables, the tool and
   * every uploaded file's digest, the costly part, which the preflight works out while it looks the
   * source up.
   */
  public static Prepared prepare(BuildSpec spec, String createdBy) {
    Scrubber scrub = Scrubber.of(spec);
    Map<String, Object> parts = new LinkedHashMap<>();
    Map<String, String> labels = new LinkedHashMap<>();
    parts.put("settings", scrub.apply(settings(spec)));
    labels.put("settings", "builder settings");
    parts.put("variables", scrub.apply(variables(spec)));
    labels.put("variables", "variables");
    parts.put("tool", toolVersion(createdBy));
    labels.put("tool", "ami-builder major version");
    for (ProvisionerSpec p : spec.provisioners()) {
      String key = "provisioners[" + p.index() + "]";
      parts.put(key, scrub.apply(provisioner(p)));
      labels.put(key, key + " (" + shortLabel(p) + ")");
    }
    return new Prepared(parts, labels);
  }

  /**
   * A fingerprint waiting for its source AMI: every other input, scrubbed, in order (files already
   * read to their digests), and each one's digest, worked out on the preflight's pool.
   *
   * @param parts each input's value by name
   * @param labels what each input is called in an explanation, same keys
   * @param digests each input's sha256 hex over its canonical JSON, same keys
   */
  public record Prepared(
      Map<String, Object> parts, Map<String, String> labels, Map<String, String> digests) {
    public Prepared {
      parts = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(parts));
      labels = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(labels));
      digests = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(digests));
    }

    Prepared(Map<String, Object> parts, Map<String, String> labels) {
      this(parts, labels, digestsOf(parts));
    }

    private static Map<String, String> digestsOf(Map<String, Object> parts) {
      Map<String, String> out = new LinkedHashMap<>();
      parts.forEach((k, v) -> out.put(k, sha256(canonical(v))));
      return out;
    }

    /**
     * The fingerprint with {@code sourceAmiId} (null: none) as the source AMI, which comes just
     * before the tool in the order of the parts.
     */
    public InputsFingerprint withSource(String sourceAmiId) {
      String source = sourceAmiId == null ? "" : sourceAmiId;
      Map<String, Object> all = new LinkedHashMap<>();
      Map<String, String> names = new LinkedHashMap<>();
      Map<String, String> partDigests = new LinkedHashMap<>();
      parts.forEach(
          (k, v) -> {
            if (k.equals("tool")) {
              all.put("source_ami", source);
              names.put("source_ami", "source AMI");
              partDigests.put("source_ami", sha256(canonical(source)));
            }
            all.put(k, v);
            names.put(k, labels.get(k));
            partDigests.put(k, digests.get(k));
          });
      return new InputsFingerprint(sha256(canonical(new TreeMap<>(all))), partDigests, names);
    }
  }

  /** {@code ami-builder/<major>} from the created-by value; a development build keeps its word. */
  static String toolVersion(String createdBy) {
    String version = createdBy.substring(createdBy.indexOf('/') + 1);
    int dot = version.indexOf('.');
    return "ami-builder/" + (dot > 0 ? version.substring(0, dot) : version);
  }

  /** The two tags that go on every AMI, copy and snapshot of the build. */
  public Map<String, String> tags() {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put(TAG, value);
    tags.put(PARTS_TAG, partsTagValue());
    return tags;
  }

  /**
   * The parts as {@code key=digest} pairs with short keys ({@code s} settings, {@code v} variables,
   * {@code a} source AMI, {@code t} tool, {@code 0}.. provisioners): digests of 8 hex digits, fewer
   * when that is what fits in a tag value.
   */
  String partsTagValue() {
    for (int width : new int[] {8, 6, 4}) {
      String text = partsText(width);
      if (text.length() <= MAX_TAG_VALUE) {
        return text;
      }
    }
    String text = partsText(4);
    return text.substring(0, text.lastIndexOf(' ', MAX_TAG_VALUE));
  }

  private String partsText(int width) {
    List<String> pairs = new ArrayList<>();
    parts.forEach((k, v) -> pairs.add(shortKey(k) + "=" + v.substring(0, width)));
    return String.join(" ", pairs);
  }

  /**
   * The inputs whose digest differs from a {@value #PARTS_TAG} value read from an earlier AMI, by
   * their labels (an input only one side has counts as changed); empty when the tag is missing or
   * says nothing differs.
   */
  public List<String> changedSince(String previousPartsTag) {
    if (previousPartsTag == null || previousPartsTag.isBlank()) {
      return List.of();
    }
    Map<String, String> before = new LinkedHashMap<>();
    for (String pair : previousPartsTag.trim().split("\\s+")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        before.put(pair.substring(0, eq), pair.substring(eq + 1));
      }
    }
    List<String> changed = new ArrayList<>();
    Set<String> seen = new java.util.HashSet<>();
    parts.forEach(
        (k, digest) -> {
          String key = shortKey(k);
          seen.add(key);
          String old = before.get(key);
          if (old == null || old.isEmpty() || !digest.startsWith(old)) {
            changed.add(labels.get(k));
          }
        });
    before.keySet().stream()
        .filter(k -> !seen.contains(k))
        .forEach(k -> changed.add("provisioners[" + k + "] (gone now)"));
    return changed;
  }

  private static String shortKey(String key) {
    return switch (key) {
      case "settings" -> "s";
      case "variables" -> "v";
      case "source_ami" -> "a";
      case "tool" -> "t";
      default -> key.substring(key.indexOf('[') + 1, key.indexOf(']'));
    };
  }

  private static String shortLabel(ProvisionerSpec p) {
    if (p instanceof FileProvisionerSpec file) {
      return "file "
          + (file.direction() == FileProvisionerSpec.Direction.DOWNLOAD ? "download " : "")
          + String.join(",", file.sources().stream().map(InputsFingerprint::baseName).toList());
    }
    return p.label();
  }

  private static String baseName(String source) {
    Path name = Path.of(source).getFileName();
    return (name == null ? source : name.toString()) + (source.endsWith("/") ? "/" : "");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> settings(BuildSpec spec) {
    Map<String, Object> s = (Map<String, Object>) tree(spec.settings());
    ((Map<String, Object>) s.get("image")).remove("name");
    s.remove("distribution");
    s.remove("polling");
    ((Map<String, Object>) s.get("ssh")).remove("timeout");
    Map<String, Object> tags = (Map<String, Object>) s.get("tags");
    tags.remove("run");
    tags.remove("runVolume");
    return s;
  }

  private static Map<String, Object> variables(BuildSpec spec) {
    Map<String, Object> out = new TreeMap<>();
    for (Variable v : spec.variables().all()) {
      if (!IGNORED_VARIABLES.contains(v.name())) {
        out.put(v.name(), spec.template().isSensitive(v.name()) ? "<secret>" : v.value());
      }
    }
    return out;
  }

  private static Map<String, Object> provisioner(ProvisionerSpec p) {
    Map<String, Object> out = new TreeMap<>();
    if (p instanceof ShellProvisionerSpec shell) {
      out.put("type", "shell");
      List<Object> scripts = new ArrayList<>();
      for (Path script : shell.scripts()) {
        scripts.add(Map.of("name", script.getFileName().toString(), "sha256", fileDigest(script)));
      }
      out.put("scripts", scripts);
      out.put("inline", shell.inline());
      out.put("inline_shebang", String.valueOf(shell.inlineShebang()));
      out.put("environment_vars", shell.environmentVars());
      out.put("execute_command", String.valueOf(shell.executeCommand()));
      out.put("remote_folder", String.valueOf(shell.remoteFolder()));
      out.put("expect_disconnect", shell.expectDisconnect());
    } else if (p instanceof FileProvisionerSpec file) {
      out.put("destination", file.destination());
      if (file.direction() == FileProvisionerSpec.Direction.DOWNLOAD) {
        out.put("type", "download");
        out.put("sources", file.sources());
      } else {
        out.put("type", "upload");
        List<Object> sources = new ArrayList<>();
        for (String source : file.sources()) {
          sources.add(upload(source));
        }
        out.put("sources", sources);
      }
    }
    return out;
  }

  /**
   * One upload source as the file provisioner sends it: its name (which decides where it lands
   * unless the text ends in a slash) and every entry with its content.
   */
  private static Map<String, Object> upload(String source) {
    Map<String, Object> out = new TreeMap<>();
    Path root = Path.of(source);
    out.put("contents_only", source.endsWith("/"));
    out.put("name", baseName(source));
    List<Object> entries = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      entries.add(entry(root, ""));
    } else {
      try (Stream<Path> walk = Files.walk(root)) {
        for (Path path : walk.sorted(Comparator.comparing(Path::toString)).toList()) {
          entries.add(entry(path, root.relativize(path).toString().replace('\\', '/')));
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read upload source " + source, e);
      }
    }
    out.put("entries", entries);
    return out;
  }

  private static Map<String, Object> entry(Path path, String relative) {
    Map<String, Object> e = new TreeMap<>();
    e.put("path", relative);
    try {
      if (Files.isSymbolicLink(path)) {
        e.put("kind", "link");
        e.put("target", Files.readSymbolicLink(path).toString());
      } else if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
        e.put("kind", "dir");
      } else {
        e.put("kind", "file");
        e.put("executable", executable(path));
        e.put("sha256", fileDigest(path));
      }
    } catch (IOException ex) {
      throw new UncheckedIOException("cannot read " + path, ex);
    }
    return e;
  }

  /** The owner's execute bit (the mode the upload keeps), whoever runs the build. */
  private static boolean executable(Path path) throws IOException {
    try {
      return Files.getPosixFilePermissions(path)
          .contains(java.nio.file.attribute.PosixFilePermission.OWNER_EXECUTE);
    } catch (UnsupportedOperationException e) {
      return Files.isExecutable(path);
    }
  }

  private static String fileDigest(Path file) {
    MessageDigest md = digest();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[64 * 1024];
      for (int n; (n = in.read(buffer)) > 0; ) {
        md.update(buffer, 0, n);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    return HexFormat.of().formatHex(md.digest());
  }

  /**
   * The settings records as maps, lists and plain values, the tree Jackson's {@code convertValue}
   * made of them when the fingerprint was introduced (each component by name, null ones too, a
   * {@link Duration} as its text), so that the fingerprint keeps its value. Read through the record
   * components: Jackson's first conversion of these records (introspecting each type) cost some 100
   * ms of CPU in the preflight.
   */
  static Object tree(Object value) {
    if (value instanceof Record record) {
      Map<String, Object> out = new LinkedHashMap<>();
      for (RecordComponent component : record.getClass().getRecordComponents()) {
        try {
          out.put(component.getName(), tree(component.getAccessor().invoke(record)));
        } catch (ReflectiveOperationException e) {
          throw new IllegalStateException("cannot read " + component, e);
        }
      }
      return out;
    }
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> out = new LinkedHashMap<>();
      map.forEach((k, v) -> out.put(String.valueOf(k), tree(v)));
      return out;
    }
    if (value instanceof List<?> list) {
      List<Object> out = new ArrayList<>(list.size());
      list.forEach(v -> out.add(tree(v)));
      return out;
    }
    if (value instanceof Duration duration) {
      return duration.toString();
    }
    return value;
  }

  static String canonical(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("inputs do not serialize", e);
    }
  }

  private static String sha256(String text) {
    return HexFormat.of().formatHex(digest().digest(text.getBytes(StandardCharsets.UTF_8)));
  }

  private static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Replaces time-derived text, names and secrets in every string of a tree of maps and lists. */
  private record Scrubber(Map<String, String> replacements) {
    static Scrubber of(BuildSpec spec) {
      Map<String, String> r =
          new TreeMap<>(
              Comparator.comparing(String::length)
                  .reversed()
                  .thenComparing(Comparator.naturalOrder()));
      List<Map.Entry<String, String>> pairs = new ArrayList<>();
      pairs.add(Map.entry(spec.settings().image().name(), "<ami_name>"));
      pairs.add(Map.entry(spec.variables().value("ami_name"), "<ami_name>"));
      spec.secrets().forEach(s -> pairs.add(Map.entry(s, "<secret>")));
      for (String credential :
          List.of("aws_access_key_id", "aws_secret_access_key", "aws_session_token")) {
        pairs.add(Map.entry(spec.variables().value(credential), "<secret>"));
      }
      if (spec.runUuid() != null) {
        pairs.add(Map.entry(spec.runUuid(), "<uuid>"));
      }
      if (spec.startedAt() != null) {
        var time = spec.startedAt().atOffset(ZoneOffset.UTC);
        pairs.add(Map.entry(Long.toString(spec.startedAt().getEpochSecond()), "<timestamp>"));
        pairs.add(Map.entry(DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(time), "<isotime>"));
        String all =
            spec.template().builder()
                + " "
                + spec.template().provisioners()
                + " "
                + spec.template().variables();
        Matcher m = ISOTIME_LAYOUT.matcher(all);
        while (m.find()) {
          try {
            pairs.add(
                Map.entry(
                    DateTimeFormatter.ofPattern(
                            dev.eksnode.amibuilder.template.GoLayout.toJavaPattern(
                                m.group(1), "isotime"))
                        .format(time),
                    "<isotime>"));
          } catch (RuntimeException e) {
            // A layout the renderer would have refused already; nothing to scrub.
          }
        }
      }
      pairs.add(Map.entry(spec.template().directory().toString(), "<template_dir>"));
      for (Map.Entry<String, String> p : pairs) {
        // Very short values would scrub unrelated text.
        if (p.getKey() != null && p.getKey().length() >= 4) {
          r.putIfAbsent(p.getKey(), p.getValue());
        }
      }
      return new Scrubber(r);
    }

    @SuppressWarnings("unchecked")
    Object apply(Object value) {
      if (value instanceof String s) {
        String out = s;
        for (Map.Entry<String, String> e : replacements.entrySet()) {
          out = out.replace(e.getKey(), e.getValue());
        }
        return out;
      }
      if (value instanceof Map<?, ?> map) {
        Map<String, Object> out = new TreeMap<>();
        ((Map<String, Object>) map).forEach((k, v) -> out.put(k, apply(v)));
        return out;
      }
      if (value instanceof List<?> list) {
        return list.stream().map(this::apply).toList();
      }
      return value;
    }
  }
}
