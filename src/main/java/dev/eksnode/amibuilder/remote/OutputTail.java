package dev.eksnode.amibuilder.remote;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/** Keeps the last lines of output, for error messages. */
final class OutputTail implements LineSink {
  static final int DEFAULT_LINES = 20;

  private final int capacity;
  private final Deque<String> lines = new ArrayDeque<>();

  OutputTail(int capacity) {
    this.capacity = capacity;
  }

  @Override
  public synchronized void accept(OutputKind kind, String line) {
    if (lines.size() == capacity) {
      lines.removeFirst();
    }
    lines.addLast(line);
  }

  synchronized List<String> lines() {
    return List.copyOf(lines);
  }
}
