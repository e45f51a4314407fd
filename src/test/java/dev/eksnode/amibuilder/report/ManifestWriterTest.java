package dev.eksnode.amibuilder.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestWriterTest {
  @TempDir Path dir;

  private static ManifestWriter.BuildRecord record(String uuid, Map<String, String> amis) {
    return new ManifestWriter.BuildRecord(
        "amazon-ebs",
        "amazon-ebs",
        Instant.ofEpochSecond(1674000000L),
        amis,
        uuid,
        Map.of("source_ami_name", "amzn2-ami-minimal-hvm-2.0", "source_ami_id", "ami-0aaa"));
  }

  @Test
  void artifactId_isSortedRegionAmiPairs() {
    assertEquals(
        "eu-west-1:ami-3,us-east-1:ami-2,us-west-2:ami-1",
        record("u", Map.of("us-west-2", "ami-1", "us-east-1", "ami-2", "eu-west-1", "ami-3"))
            .artifactId());
  }

  @Test
  void append_createsThenAppends_inPackerFormat() throws Exception {
    Path file = dir.resolve("out/manifest.json");
    ManifestWriter.append(file, record("run-1", Map.of("us-west-2", "ami-1")));
    ManifestWriter.append(file, record("run-2", Map.of("us-west-2", "ami-9")));
    JsonNode root = new ObjectMapper().readTree(file.toFile());
    assertEquals(2, root.get("builds").size());
    assertEquals("run-2", root.get("last_run_uuid").asText());
    JsonNode first = root.get("builds").get(0);
    assertEquals("amazon-ebs", first.get("name").asText());
    assertEquals("amazon-ebs", first.get("builder_type").asText());
    assertEquals(1674000000L, first.get("build_time").asLong());
    assertTrue(first.get("files").isNull());
    assertEquals("us-west-2:ami-1", first.get("artifact_id").asText());
    assertEquals("run-1", first.get("packer_run_uuid").asText());
    assertEquals("ami-0aaa", first.get("custom_data").get("source_ami_id").asText());
  }

  @Test
  void append_toUnreadableFile_movesItAsideAndStartsFresh() throws Exception {
    Path file = Files.writeString(dir.resolve("manifest.json"), "{not json");
    ManifestWriter.append(file, record("run-1", Map.of("us-west-2", "ami-1")));
    assertEquals(1, new ObjectMapper().readTree(file.toFile()).get("builds").size());
    assertTrue(Files.exists(dir.resolve("manifest.json.unreadable-1674000000")));
  }
}
