package dev.eksnode.amibuilder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

/** Snapshot progress as bars on a terminal, as plain lines in a log, and as JSON events. */
class ProgressRenderingTest {
  private static final BuildId ID = BuildId.parse("ab-20261125T1015-abcdef");
  private static final String WHAT = "AMI ami-0123 available";
  private final StringWriter out = new StringWriter();

  private CliContext ctx() {
    return new CliContext(
        new PrintWriter(out, true),
        new PrintWriter(new StringWriter(), true),
        Map.of(),
        Clock.fixed(Instant.parse("2026-11-25T10:15:30Z"), ZoneOffset.UTC),
        Path.of("."),
        Path.of("."));
  }

  private BuildEventRenderer renderer(boolean json, ProgressBars bars) {
    CliContext ctx = ctx();
    return new BuildEventRenderer(ctx, new Console(ctx, json, false), "--on-error abort", bars);
  }

  private static BuildEvent.Progress progress(int percent, String state, long seconds) {
    return new BuildEvent.Progress(
        ID, "", WHAT, "us-west-2", "ami-0123", state, percent, Duration.ofSeconds(seconds));
  }

  /** Bars 100 columns wide, ASCII or colour, redrawn every 20 ms. */
  private ProgressBars bars(boolean color) {
    return new ProgressBars(new PrintWriter(out, true), color, 100, 20);
  }

  private String awaitOutput(String wanted) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!out.toString().contains(wanted) && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    return out.toString();
  }

  @Test
  void terminal_drawsABarWithPercentElapsedAndState_inPlace() throws Exception {
    BuildEventRenderer renderer = renderer(false, bars(false));
    renderer.accept(progress(40, "pending", 65));

    String text = awaitOutput("pending");
    assertTrue(text.contains("ami-0123 us-west-2"), text);
    assertTrue(text.contains(" 40%"), text);
    assertTrue(text.contains("pending"), text);
    // The clock started 65 s before the bar appeared.
    assertTrue(text.contains("0:01:0"), text);
    // ASCII style: '[', '=' blocks, no colour codes.
    assertTrue(text.contains("[") && text.contains("="), text);
    assertFalse(text.contains("\u001b[3"), "no colour with --no-color: " + text);

    renderer.accept(progress(100, "available", 70));
    String last = lastFrame(out.toString());
    assertTrue(last.contains("100%") && last.contains("available"), last);
    // Every frame drawn carries the state, the very first one included.
    for (String frame : out.toString().split("\r|\n|\u001b\\[\\d+[AB]")) {
      if (frame.contains("%")) {
        assertTrue(frame.contains("pending") || frame.contains("available"), frame);
      }
    }
  }

  @Test
  void terminal_redrawsWithCursorMoves_andOtherLinesCloseTheBarsFirst() throws Exception {
    BuildEventRenderer renderer = renderer(false, bars(false));
    renderer.accept(progress(10, "pending", 1));
    awaitOutput("pending");
    renderer.accept(progress(55, "pending", 20));
    String text = awaitOutput("55%");
    assertTrue(text.contains("\u001b[1A"), "redrawn in place: " + text);

    // While a bar is open, wait lines stay off the screen (the bar shows state and time).
    renderer.accept(new BuildEvent.Waiting(ID, "", WHAT, "pending", Duration.ofSeconds(30)));
    assertFalse(out.toString().contains("waiting for"), out.toString());

    renderer.accept(new BuildEvent.StepStarted(ID, "", "tag"));
    String after = out.toString();
    assertTrue(after.endsWith("==> tag" + System.lineSeparator()), after);
    int bytes = after.length();
    Thread.sleep(100);
    assertEquals(bytes, out.toString().length(), "a closed bar is not redrawn");
  }

  @Test
  void terminal_copies_stackOneBarPerRegion() throws Exception {
    BuildEventRenderer renderer = renderer(false, bars(true));
    renderer.accept(progress(30, "pending", 5));
    renderer.accept(
        new BuildEvent.Progress(
            ID,
            "",
            "AMI ami-0456 available",
            "eu-west-1",
            "ami-0456",
            "pending",
            5,
            Duration.ofSeconds(2)));
    String text = awaitOutput("ami-0456 eu-west-1");
    awaitOutput("\u001b[2A");
    text = out.toString();
    assertTrue(text.contains("ami-0123 us-west-2"), text);
    assertTrue(text.contains("\u001b[2A"), "the first bar sits two lines up: " + text);
    assertTrue(text.contains("\u001b[3"), "colour by default: " + text);
    renderer.accept(new BuildEvent.StepStarted(ID, "", "share"));
  }

  @Test
  void plain_printsOneLinePerChange_withoutRedrawing() {
    BuildEventRenderer renderer = renderer(false, null);
    renderer.accept(progress(40, "pending", 65));
    renderer.accept(new BuildEvent.Waiting(ID, "", WHAT, "pending", Duration.ofSeconds(95)));

    List<String> lines = out.toString().lines().toList();
    assertEquals(
        List.of(
            "  snapshots of ami-0123 in us-west-2: 40% (pending, 65 s)",
            "  waiting for " + WHAT + ": pending (95 s)"),
        lines);
    assertFalse(out.toString().contains("\r") || out.toString().contains("\u001b"));
  }

  @Test
  void json_progressEvent_carriesPercentStateAndElapsed() throws Exception {
    BuildEventRenderer renderer = renderer(true, null);
    renderer.accept(progress(40, "pending", 65));

    JsonNode event = new ObjectMapper().readTree(out.toString());
    assertEquals("progress", event.get("event").asText());
    assertEquals(ID.value(), event.get("build_id").asText());
    assertEquals(WHAT, event.get("what").asText());
    assertEquals("us-west-2", event.get("region").asText());
    assertEquals("ami-0123", event.get("image_id").asText());
    assertEquals("pending", event.get("state").asText());
    assertEquals(40, event.get("percent").asInt());
    assertEquals(65, event.get("elapsed_seconds").asInt());
    assertEquals("2026-11-25T10:15:30Z", event.get("time").asText());
  }

  /** The text after the last carriage return or cursor move. */
  private static String lastFrame(String text) {
    int cut = Math.max(text.lastIndexOf('\r', text.length() - 2), 0);
    return text.substring(cut);
  }
}
