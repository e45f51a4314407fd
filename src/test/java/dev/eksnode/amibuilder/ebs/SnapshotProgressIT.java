package dev.eksnode.amibuilder.ebs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eksnode.amibuilder.cli.TestHome;
import dev.eksnode.amibuilder.rig.MotoExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshot progress while an image is pending, through the CLI against moto. Moto makes images
 * available at once and reports every snapshot at 100 %, so the fault proxy keeps the new image
 * pending for a while and answers the first DescribeSnapshots calls with 0 % and 40 %.
 */
class SnapshotProgressIT {
  @RegisterExtension static final MotoExtension MOTO = new MotoExtension();
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration PENDING = Duration.ofMillis(1500);
  @TempDir Path tmp;

  @Test
  void json_sendsOneProgressEventPerChange_andStopsAskingAtHundredPercent() throws Exception {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      keepPending(rig, "CreateImage");
      rig.proxy.on("DescribeSnapshots").call(1).rewrite(body -> progress(body, "0%"));
      rig.proxy.on("DescribeSnapshots").call(2).rewrite(body -> progress(body, "40%"));

      TestHome.Result r = rig.build("--json");

      assertEquals(0, r.code(), r.err());
      List<JsonNode> progress = progressEvents(r);
      List<String> seen =
          progress.stream()
              .map(e -> e.get("percent").asInt() + " " + e.get("state").asText())
              .toList();
      assertEquals(List.of("0 pending", "40 pending", "100 pending", "100 available"), seen);
      JsonNode first = progress.get(0);
      assertEquals(BuildRig.REGION, first.get("region").asText());
      assertTrue(first.get("image_id").asText().startsWith("ami-"), first.toString());
      assertEquals(
          "AMI " + first.get("image_id").asText() + " available", first.get("what").asText());
      assertTrue(first.has("build_id") && first.has("elapsed_seconds"), first.toString());
      // Once the snapshots were seen complete, the image polls go on alone.
      assertEquals(3, rig.proxy.count("DescribeSnapshots"), rig.proxy.countsByAction().toString());
    }
  }

  @Test
  void plainOutputWithoutTerminal_asksNoSnapshotProgress() throws Exception {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      keepPending(rig, "CreateImage");

      TestHome.Result r = rig.build();

      assertEquals(0, r.code(), r.err());
      assertEquals(0, rig.proxy.count("DescribeSnapshots"), rig.proxy.countsByAction().toString());
      assertTrue(r.out().contains("waiting for AMI "), r.out());
      assertFalse(r.out().contains("\r") || r.out().contains("\u001b"), "no redrawing in a log");
    }
  }

  @Test
  void json_imageAvailableAtOnce_sendsNoProgressAndMakesNoSnapshotCall() throws Exception {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      TestHome.Result r = rig.build("--json");

      assertEquals(0, r.code(), r.err());
      assertEquals(List.of(), progressEvents(r));
      assertEquals(0, rig.proxy.count("DescribeSnapshots"), rig.proxy.countsByAction().toString());
    }
  }

  @Test
  void json_copies_reportProgressPerRegion() throws Exception {
    try (BuildRig rig = new BuildRig(MOTO, tmp, "us-east-1")) {
      keepPending(rig, "CreateImage");
      keepPending(rig, "CopyImage");

      TestHome.Result r = rig.build("--json", "ami_regions=us-east-1");

      assertEquals(0, r.code(), r.err());
      List<JsonNode> progress = progressEvents(r);
      Set<String> regions =
          progress.stream().map(e -> e.get("region").asText()).collect(Collectors.toSet());
      assertEquals(Set.of("us-west-2", "us-east-1"), regions, progress.toString());
      for (String region : regions) {
        List<String> states =
            progress.stream()
                .filter(e -> e.get("region").asText().equals(region))
                .map(e -> e.get("percent").asInt() + " " + e.get("state").asText())
                .toList();
        assertEquals(List.of("100 pending", "100 available"), states, region);
      }
    }
  }

  @Test
  void json_encryptedBoot_reportsTheSteppingStoneAndTheEncryptedImage() throws Exception {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      keepPending(rig, "CreateImage");
      keepPending(rig, "CopyImage");

      TestHome.Result r = rig.build("--json", "encrypted=true");

      assertEquals(0, r.code(), r.err());
      List<JsonNode> progress = progressEvents(r);
      List<String> images =
          progress.stream().map(e -> e.get("image_id").asText()).distinct().toList();
      assertEquals(2, images.size(), "the unencrypted image, then the encrypted copy: " + progress);
      for (String image : images) {
        List<String> states =
            progress.stream()
                .filter(e -> e.get("image_id").asText().equals(image))
                .map(e -> e.get("percent").asInt() + " " + e.get("state").asText())
                .toList();
        assertEquals(List.of("100 pending", "100 available"), states, image);
      }
    }
  }

  /** The image stays pending for {@link #PENDING} after {@code call}. */
  private static void keepPending(BuildRig rig, String call) {
    rig.proxy
        .on("DescribeImages")
        .within(PENDING, call)
        .rewrite(
            body ->
                body.replace(
                    "<imageState>available</imageState>", "<imageState>pending</imageState>"));
  }

  private static String progress(String body, String percent) {
    return body.replace("<progress>100%</progress>", "<progress>" + percent + "</progress>");
  }

  private static List<JsonNode> progressEvents(TestHome.Result r) throws Exception {
    List<JsonNode> events = new ArrayList<>();
    for (String line : r.out().lines().filter(l -> !l.isBlank()).toList()) {
      JsonNode event = JSON.readTree(line);
      if (event.get("event").asText().equals("progress")) {
        events.add(event);
      }
    }
    return events;
  }
}
