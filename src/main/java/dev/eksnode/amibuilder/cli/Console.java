package dev.eksnode.amibuilder.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * Terminal output for people and, with {@code --json}, one JSON event per line on stdout for CI.
 * Warnings and errors go to stderr as single lines.
 */
public final class Console {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final CliContext ctx;
  private final boolean json;
  private final boolean quiet;

  public Console(CliContext ctx, boolean json, boolean quiet) {
    this.ctx = ctx;
    this.json = json;
    this.quiet = quiet;
  }

  public boolean json() {
    return json;
  }

  /** Progress for people; silent with -q or --json. */
  public void info(String line) {
    if (!quiet && !json) {
      ctx.out().println(line);
      ctx.out().flush();
    }
  }

  /** A result line for people (printed even with -q); ignored with --json. */
  public void result(String line) {
    if (!json) {
      ctx.out().println(line);
      ctx.out().flush();
    }
  }

  public void warn(String line) {
    if (json) {
      event("warning", Map.of("message", line));
    } else {
      ctx.err().println("warning: " + line);
      ctx.err().flush();
    }
  }

  /** One JSON event line (only with --json). */
  public void event(String type, Map<String, ?> fields) {
    if (!json) {
      return;
    }
    ObjectNode node = JSON.createObjectNode();
    node.put("event", type);
    node.put("time", ctx.clock().instant().toString());
    fields.forEach((k, v) -> node.set(k, JSON.valueToTree(v)));
    ctx.out().println(node.toString());
    ctx.out().flush();
  }
}
