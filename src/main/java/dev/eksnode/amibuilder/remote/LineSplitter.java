package dev.eksnode.amibuilder.remote;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Turns a remote byte stream into redacted lines for a {@link LineSink} as the bytes arrive. */
final class LineSplitter extends OutputStream {
  /** A line longer than this (a progress bar without newlines) is passed on in pieces. */
  private static final int MAX_LINE_BYTES = 16 * 1024;

  private final OutputKind kind;
  private final LineSink sink;
  private final Redactor redactor;
  private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
  private boolean closed;

  LineSplitter(OutputKind kind, LineSink sink, Redactor redactor) {
    this.kind = kind;
    this.sink = sink;
    this.redactor = redactor;
  }

  @Override
  public synchronized void write(int b) {
    if (b == '\n') {
      emit();
    } else {
      pending.write(b);
      if (pending.size() >= MAX_LINE_BYTES) {
        emit();
      }
    }
  }

  @Override
  public synchronized void write(byte[] bytes, int offset, int length) {
    int start = offset;
    int end = offset + length;
    for (int i = offset; i < end; i++) {
      if (bytes[i] == '\n') {
        pending.write(bytes, start, i - start);
        emit();
        start = i + 1;
      } else if (pending.size() + (i - start) >= MAX_LINE_BYTES) {
        pending.write(bytes, start, i - start);
        emit();
        start = i;
      }
    }
    pending.write(bytes, start, end - start);
  }

  /** Passes on a last line that had no newline; safe to call more than once. */
  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      if (pending.size() > 0) {
        emit();
      }
    }
  }

  private void emit() {
    String line = pending.toString(StandardCharsets.UTF_8);
    pending.reset();
    if (line.endsWith("\r")) {
      line = line.substring(0, line.length() - 1);
    }
    sink.accept(kind, redactor.redact(line));
  }
}
