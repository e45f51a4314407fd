package dev.eksnode.amibuilder.cli;

import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * A PrintStream over the command's PrintWriter, for APIs (the interrupt guard) that want a stream.
 */
final class LineStream extends OutputStream {
  private final PrintWriter writer;
  private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();

  private LineStream(PrintWriter writer) {
    this.writer = writer;
  }

  static PrintStream over(PrintWriter writer) {
    return new PrintStream(new LineStream(writer), true, StandardCharsets.UTF_8);
  }

  @Override
  public synchronized void write(int b) {
    line.write(b);
    if (b == '\n') {
      flush();
    }
  }

  @Override
  public synchronized void flush() {
    if (line.size() > 0) {
      writer.print(line.toString(StandardCharsets.UTF_8));
      line.reset();
    }
    writer.flush();
  }
}
