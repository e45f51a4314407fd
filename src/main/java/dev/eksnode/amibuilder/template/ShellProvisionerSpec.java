package dev.eksnode.amibuilder.template;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A rendered {@code shell} provisioner. {@code executeCommand} still holds {@code {{.Path}}} and
 * {@code {{.Vars}}}, which the remote side fills per script. Durations are null when the template
 * does not set them.
 */
public record ShellProvisionerSpec(
    int index,
    List<Path> scripts,
    List<String> inline,
    String inlineShebang,
    List<String> environmentVars,
    String executeCommand,
    String remoteFolder,
    boolean expectDisconnect,
    Duration pauseBefore,
    Duration pauseAfter,
    Duration rebootTimeout)
    implements ProvisionerSpec {

  public static final String DEFAULT_EXECUTE_COMMAND = "chmod +x {{.Path}}; {{.Vars}} {{.Path}}";

  public ShellProvisionerSpec {
    scripts = List.copyOf(scripts);
    inline = List.copyOf(inline);
    environmentVars = List.copyOf(environmentVars);
  }

  @Override
  public String label() {
    if (!scripts.isEmpty()) {
      return "shell "
          + scripts.get(0).getFileName()
          + (scripts.size() > 1 ? " +" + (scripts.size() - 1) : "");
    }
    return "shell inline#" + index;
  }
}
