package dev.eksnode.amibuilder.template;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Renders and types one provisioner (file or shell), checking that the local files it names exist.
 */
final class ProvisionerReader {
  private final SourceFiles files;

  ProvisionerReader(SourceFiles files) {
    this.files = files;
  }

  /**
   * {@code f} holds the provisioner's fields; its path names it as {@code template <file>:
   * provisioners[i]}.
   */
  ProvisionerSpec read(TemplateFields f, int index) {
    return f.text("type", "").equals("file") ? file(f, index) : shell(f, index);
  }

  private FileProvisionerSpec file(TemplateFields f, int index) {
    String where = f.where;
    String direction = f.text("direction", "upload");
    List<String> sources = new ArrayList<>(f.list("sources"));
    String source = f.text("source", "");
    if (!source.isEmpty()) {
      sources.add(0, source);
    }
    if (sources.isEmpty()) {
      throw new TemplateException(where + " (file): needs \"source\" or \"sources\"");
    }
    String destination = f.required("destination", "set the destination path");
    FileProvisionerSpec.Direction dir =
        switch (direction) {
          case "upload" -> FileProvisionerSpec.Direction.UPLOAD;
          case "download" -> FileProvisionerSpec.Direction.DOWNLOAD;
          default ->
              throw new TemplateException(
                  where + ".direction = '" + direction + "': use upload or download");
        };
    if (dir == FileProvisionerSpec.Direction.UPLOAD) {
      files.requireUploadSources(where, sources);
    }
    return new FileProvisionerSpec(index, sources, destination, dir);
  }

  private ShellProvisionerSpec shell(TemplateFields f, int index) {
    String where = f.where;
    List<Path> scripts = new ArrayList<>();
    String script = f.text("script", "");
    if (!script.isEmpty()) {
      scripts.add(files.script(script));
    }
    for (String s : f.list("scripts")) {
      scripts.add(files.script(s));
    }
    List<String> inline = f.stringArray("inline");
    int kinds = (scripts.isEmpty() ? 0 : 1) + (inline.isEmpty() ? 0 : 1);
    if (kinds != 1) {
      throw new TemplateException(where + " (shell): set exactly one of script, scripts or inline");
    }
    files.requireScripts(where, scripts);
    String remoteFolder = f.text("remote_folder", "");
    List<String> env = f.stringArray("environment_vars");
    for (String e : env) {
      int eq = e.indexOf('=');
      // Only the name part goes into the message: the value may be a rendered credential.
      String name = eq < 0 ? "(no '=' in the entry)" : "'" + e.substring(0, eq) + "'";
      if (!e.matches("(?s)[A-Za-z_][A-Za-z0-9_]*=.*")) {
        throw new TemplateException(
            where
                + ".environment_vars: entry with name "
                + name
                + " is not NAME=value with a shell-safe NAME (letters, digits, _; not starting with a digit)");
      }
      if (e.indexOf('\0') >= 0) {
        throw new TemplateException(
            where
                + ".environment_vars: the value of "
                + name
                + " contains a NUL character, which no shell variable can hold; remove it");
      }
    }
    return new ShellProvisionerSpec(
        index,
        scripts,
        inline,
        f.text("inline_shebang", "/bin/sh -e"),
        env,
        f.text("execute_command", ShellProvisionerSpec.DEFAULT_EXECUTE_COMMAND),
        remoteFolder.isEmpty() ? "/tmp" : remoteFolder,
        f.bool("expect_disconnect", false),
        f.durationOrNull("pause_before"),
        f.durationOrNull("pause_after"),
        f.durationOrNull("reboot_timeout"));
  }
}
