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
  private final boolean eager;

  private LineStream(PrintWriter writer, boolean eager) {
    this.writer = writer;
    this.eager = eager;
  }

  static PrintStream over(PrintWriter writer) {
    return new PrintStream(new LineStream(writer, false), true, StandardCharsets.UTF_8);
  }

  /**
   * A stream that passes every write on at once, for output that redraws a line in place ({@code
   * \r} and cursor moves, no line end) such as a progress bar.
   */
  static PrintStream eager(PrintWriter writer) {
    return new PrintStream(new LineStream(writer, true), true, StandardCharsets.UTF_8);
  }

  @Override
  public synchronized void write(byte[] bytes, int off, int len) {
    if (!eager) {
      for (int i = off; i < off + len; i++) {
        write(bytes[i]);
      }
      return;
    }
    line.write(bytes, off, len);
    flush();
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
