package dev.eksnode.amibuilder.remote;

/**
 * Receives remote output one line at a time, already redacted, without the line terminator. Called
 * from SSH I/O threads while the command runs, so it must be quick and thread-safe.
 */
@FunctionalInterface
public interface LineSink {
  void accept(OutputKind kind, String line);

  static LineSink discard() {
    return (kind, line) -> {};
  }

  /** Feeds both sinks. */
  default LineSink andThen(LineSink other) {
    return (kind, line) -> {
      accept(kind, line);
      other.accept(kind, line);
    };
  }
}
