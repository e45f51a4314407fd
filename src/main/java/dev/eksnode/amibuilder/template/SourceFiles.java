package dev.eksnode.amibuilder.template;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The local files a template names (user data, upload sources, shell scripts), resolved against the
 * working directory. Checked while rendering, so a wrong path stops the build before anything
 * exists in AWS.
 */
final class SourceFiles {
  private final Path workingDir;

  SourceFiles(Path workingDir) {
    this.workingDir = workingDir;
  }

  /**
   * The contents of {@code user_data_file}; {@code where} is the builder's path in the template.
   */
  String readUserData(String where, String file) {
    try {
      return Files.readString(workingDir.resolve(file));
    } catch (IOException e) {
      throw new TemplateException(
          where + ".user_data_file: cannot read '" + file + "'; check the path");
    }
  }

  /** Every source of an upload must exist now; a download's sources live on the instance. */
  void requireUploadSources(String where, List<String> sources) {
    for (String s : sources) {
      if (!Files.exists(workingDir.resolve(s))) {
        throw new TemplateException(
            where + " (file): source '" + s + "' does not exist; check the path");
      }
    }
  }

  /** A shell provisioner's script as the build will read it. */
  Path script(String name) {
    return workingDir.resolve(name).normalize();
  }

  void requireScripts(String where, List<Path> scripts) {
    for (Path p : scripts) {
      if (!Files.isRegularFile(p)) {
        throw new TemplateException(
            where + " (shell): script '" + p + "' does not exist; check the path");
      }
    }
  }
}
