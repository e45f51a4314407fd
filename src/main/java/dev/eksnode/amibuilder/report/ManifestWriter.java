package dev.eksnode.amibuilder.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes Packer's manifest format: {@code {"builds": [...], "last_run_uuid": ...}}. Like Packer's
 * manifest post-processor it appends a build record to an existing file, so a series of builds
 * leaves one history.
 */
public final class ManifestWriter {
  private static final Logger LOG = LoggerFactory.getLogger(ManifestWriter.class);
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /**
   * One build's record. {@code amis} maps region to AMI id; {@code reused} names the regions whose
   * AMI an earlier bake of the same inputs made ({@code --reuse}), written as {@code "reused":
   * {region: ami}} only when there are any.
   */
  public record BuildRecord(
      String name,
      String builderType,
      Instant buildTime,
      Map<String, String> amis,
      String runUuid,
      Map<String, String> customData,
      java.util.Set<String> reused) {

    public BuildRecord {
      reused = java.util.Set.copyOf(reused);
    }

    /** A record of a build that reused nothing. */
    public BuildRecord(
        String name,
        String builderType,
        Instant buildTime,
        Map<String, String> amis,
        String runUuid,
        Map<String, String> customData) {
      this(name, builderType, buildTime, amis, runUuid, customData, java.util.Set.of());
    }

    /** Packer's artifact id: {@code region:ami} pairs sorted and comma-joined. */
    public String artifactId() {
      List<String> parts = new ArrayList<>();
      new TreeMap<>(amis).forEach((region, ami) -> parts.add(region + ":" + ami));
      return String.join(",", parts);
    }
  }

  private ManifestWriter() {}

  /**
   * Appends {@code record} to {@code file} (created if missing) and returns what the file now
   * holds.
   */
  public static JsonNode append(Path file, BuildRecord record) {
    ObjectNode root = null;
    if (Files.isRegularFile(file)) {
      try {
        JsonNode existing = JSON.readTree(file.toFile());
        if (existing instanceof ObjectNode o
            && (o.get("builds") == null || o.get("builds").isArray())) {
          root = o;
        } else {
          LOG.warn("{} is not a manifest; starting a new one", file);
        }
      } catch (IOException e) {
        Path aside =
            file.resolveSibling(
                file.getFileName() + ".unreadable-" + record.buildTime().getEpochSecond());
        LOG.warn("{} is not valid JSON; moved it to {} and started a new manifest", file, aside);
        move(file, aside);
      }
    }
    if (root == null) {
      root = JSON.createObjectNode();
    }
    ArrayNode builds =
        root.has("builds") ? (ArrayNode) root.get("builds") : root.putArray("builds");
    ObjectNode b = builds.addObject();
    b.put("name", record.name());
    b.put("builder_type", record.builderType());
    b.put("build_time", record.buildTime().getEpochSecond());
    b.putNull("files");
    b.put("artifact_id", record.artifactId());
    b.put("packer_run_uuid", record.runUuid());
    ObjectNode custom = b.putObject("custom_data");
    new TreeMap<>(record.customData()).forEach(custom::put);
    if (!record.reused().isEmpty()) {
      ObjectNode reused = b.putObject("reused");
      new TreeMap<>(record.amis())
          .forEach(
              (region, ami) -> {
                if (record.reused().contains(region)) {
                  reused.put(region, ami);
                }
              });
    }
    root.put("last_run_uuid", record.runUuid());
    write(file, root);
    return root;
  }

  private static void write(Path file, JsonNode root) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      Path tmp = Files.createTempFile(parent, ".manifest", ".tmp");
      Files.writeString(tmp, JSON.writeValueAsString(root) + "\n");
      try {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write manifest " + file, e);
    }
  }

  private static void move(Path from, Path to) {
    try {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot move " + from, e);
    }
  }
}
