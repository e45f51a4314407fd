package dev.eksnode.amibuilder.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The build's half of {@code bin/ami-builder}'s second class-data-sharing layer: when the launcher
 * records one ({@code -XX:ArchiveClassesAtExit}), it names a marker in the system property {@value
 * #MARKER}, and a build that finished with exit 0 creates it. The launcher adopts a recording only
 * with its marker, so the layer holds the classes of a whole build, never of one that stopped
 * early.
 */
final class CdsRecording {
  static final String MARKER = "amibuilder.cds.marker";

  private CdsRecording() {}

  /** Creates the marker if this run records the layer; a failure only costs the layer. */
  static void buildSucceeded() {
    String marker = System.getProperty(MARKER);
    if (marker == null || marker.isBlank()) {
      return;
    }
    try {
      Files.writeString(Path.of(marker), "");
    } catch (IOException | RuntimeException e) {
      // The next k8s run records again.
    }
  }
}
