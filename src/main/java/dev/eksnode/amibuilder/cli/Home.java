package dev.eksnode.amibuilder.cli;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Finds the installation directory (the one holding templates/, files/ and scripts/). */
final class Home {
  private Home() {}

  static Path locate(Map<String, String> env) {
    String explicit = System.getProperty("amibuilder.home", env.get("AMI_BUILDER_HOME"));
    if (explicit != null && !explicit.isBlank()) {
      return Path.of(explicit).toAbsolutePath().normalize();
    }
    try {
      Path jar = Path.of(Home.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      // target/ami-builder.jar or target/classes: the installation is the directory above target/.
      for (Path p = jar; p != null; p = p.getParent()) {
        if (Files.isDirectory(p.resolve("templates"))) {
          return p;
        }
      }
    } catch (URISyntaxException | SecurityException | NullPointerException e) {
      // fall back to the working directory
    }
    return Path.of("").toAbsolutePath();
  }
}
