package dev.eksnode.amibuilder.bench;

/**
 * A main that does nothing: {@code bin/benchmark} starts it with the JVM flags of {@code
 * bin/ami-builder} to measure what starting a JVM costs on this machine, the floor under every
 * command.
 */
public final class EmptyMain {
  private EmptyMain() {}

  public static void main(String[] args) {
    // nothing: the process's wall time is the JVM's start and exit
  }
}
