package dev.eksnode.amibuilder.cli;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** A terminal whose person types these lines in order, then closes the input. */
public final class ScriptedTerminal implements Terminal {
  private final Deque<String> lines;
  private final AtomicInteger reads = new AtomicInteger();

  public ScriptedTerminal(String... lines) {
    this.lines = new ArrayDeque<>(List.of(lines));
  }

  @Override
  public synchronized String readLine() {
    reads.incrementAndGet();
    return lines.pollFirst();
  }

  /** How many lines were asked for, the end of input included. */
  public int reads() {
    return reads.get();
  }
}
