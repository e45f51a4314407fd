package dev.eksnode.amibuilder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eksnode.amibuilder.ebs.BuildEvent;
import dev.eksnode.amibuilder.pipeline.BuildId;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The banner and the start event say which setting chose the build's region. */
class BuildEventRendererTest {
  private final StringWriter out = new StringWriter();

  private BuildEventRenderer renderer(boolean json) {
    CliContext ctx =
        new CliContext(
            new PrintWriter(out, true),
            new PrintWriter(new StringWriter(), true),
            Map.of(),
            Clock.fixed(Instant.parse("2026-11-25T10:15:30Z"), ZoneOffset.UTC),
            Path.of("."),
            Path.of("."));
    return new BuildEventRenderer(ctx, new Console(ctx, json, false));
  }

  @Test
  void banner_namesTheRegionAndItsSource() {
    renderer(false)
        .accept(
            new BuildEvent.Planned(
                "", "amazon-eks-node-1.23-v1", "1.23.9", "x86_64", "us-east-2", "AWS_REGION"));
    assertEquals(
        "Building AMI amazon-eks-node-1.23-v1 for Kubernetes 1.23.9 on x86_64, region us-east-2"
            + " (from AWS_REGION)",
        out.toString().strip());
  }

  @Test
  void buildStarted_json_carriesTheRegionSource() throws Exception {
    BuildId id = BuildId.parse("ab-20261125T1015-abcdef");
    renderer(true)
        .accept(
            new BuildEvent.Started(
                id,
                "",
                "amazon-eks-node-1.23-v1",
                "eu-west-1",
                Path.of("j.json"),
                "profile 'dev' region"));
    JsonNode event = new ObjectMapper().readTree(out.toString());
    assertEquals("build_started", event.get("event").asText());
    assertEquals("eu-west-1", event.get("region").asText());
    assertEquals("profile 'dev' region", event.get("region_source").asText());
  }

  /** In a matrix every JSON event names its entry; a lone build's events have no such field. */
  @Test
  void matrixEvents_json_carryTheEntryName_loneEventsDoNot() throws Exception {
    BuildId id = BuildId.parse("ab-20261125T1015-abcdef");
    BuildEventRenderer r = renderer(true);
    r.accept(new BuildEvent.StepStarted(id, "[1.29-arm64] ", "preflight"));
    r.accept(new BuildEvent.StepStarted(id, "", "preflight"));
    List<JsonNode> events = new java.util.ArrayList<>();
    for (String line : out.toString().strip().split("\n")) {
      events.add(new ObjectMapper().readTree(line));
    }
    assertEquals("1.29-arm64", events.get(0).get("entry").asText());
    assertEquals("preflight", events.get(0).get("step").asText());
    assertFalse(events.get(1).has("entry"), events.get(1).toString());
    assertEquals("1.29-arm64", BuildEventRenderer.entryOf("[1.29-arm64] "));
    assertNull(BuildEventRenderer.entryOf(""));
  }

  @Test
  void seconds_areShortUnderAMinute_thenMinutesAndSeconds() {
    assertEquals("42 s", BuildEventRenderer.seconds(Duration.ofMillis(41_600)));
    assertEquals("3 m 05 s", BuildEventRenderer.seconds(Duration.ofSeconds(185)));
  }
}
