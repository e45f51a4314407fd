package dev.eksnode.amibuilder.remote;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Packer-style shell provisioner. Exactly one of {@code inline}, {@code script}, {@code scripts}
 * is set.
 *
 * @param name label for output and errors; null derives one from the script names
 * @param inline commands written into one generated script
 * @param inlineShebang first line of the generated script (default {@code /bin/sh -e})
 * @param script a single local script
 * @param scripts local scripts run in order
 * @param environmentVars rendered as {@code KEY='value'} into {@code {{.Vars}}}
 * @param executeCommand template with {@code {{.Path}}} and {@code {{.Vars}}}
 * @param remoteFolder where scripts are uploaded (default /tmp)
 * @param remoteFile file name in remoteFolder (default {@code script_<random>.sh})
 * @param pauseBefore wait before the first script; null or zero for none
 * @param pauseAfter wait after the last script; only when set
 * @param expectDisconnect the script may reboot the host or drop the connection; afterwards wait
 *     for a new boot id if the host goes away, move on if it stays up
 * @param validExitCodes exit statuses that count as success (default {0})
 * @param buildName value of PACKER_BUILD_NAME
 * @param builderType value of PACKER_BUILDER_TYPE
 */
public record ShellProvisionerConfig(
    String name,
    List<String> inline,
    String inlineShebang,
    Path script,
    List<Path> scripts,
    Map<String, String> environmentVars,
    String executeCommand,
    String remoteFolder,
    String remoteFile,
    Duration pauseBefore,
    Duration pauseAfter,
    boolean expectDisconnect,
    Set<Integer> validExitCodes,
    String buildName,
    String builderType) {

  public static final String DEFAULT_EXECUTE_COMMAND = "chmod +x {{.Path}}; {{.Vars}} {{.Path}}";
  public static final String DEFAULT_INLINE_SHEBANG = "/bin/sh -e";
  public static final String DEFAULT_REMOTE_FOLDER = "/tmp";
  public static final String AMAZON_EBS = "amazon-ebs";

  public ShellProvisionerConfig {
    inline = inline == null ? List.of() : List.copyOf(inline);
    scripts = scripts == null ? List.of() : List.copyOf(scripts);
    int sources =
        (inline.isEmpty() ? 0 : 1) + (script == null ? 0 : 1) + (scripts.isEmpty() ? 0 : 1);
    if (sources != 1) {
      throw new IllegalArgumentException(
          "a shell provisioner needs exactly one of inline, script or scripts"
              + (name == null ? "" : ": " + name));
    }
    inlineShebang = blankOr(inlineShebang, DEFAULT_INLINE_SHEBANG);
    environmentVars = environmentVars == null ? Map.of() : new LinkedHashMap<>(environmentVars);
    environmentVars.keySet().forEach(ShellQuoting::requireEnvName);
    environmentVars = java.util.Collections.unmodifiableMap(environmentVars);
    executeCommand = blankOr(executeCommand, DEFAULT_EXECUTE_COMMAND);
    ShellQuoting.validateExecuteCommand(executeCommand);
    remoteFolder = blankOr(remoteFolder, DEFAULT_REMOTE_FOLDER);
    if (remoteFile != null && (remoteFile.isBlank() || remoteFile.contains("/"))) {
      throw new IllegalArgumentException(
          "remote_file must be a plain file name, got '" + remoteFile + "'");
    }
    validExitCodes =
        validExitCodes == null || validExitCodes.isEmpty() ? Set.of(0) : Set.copyOf(validExitCodes);
    buildName = blankOr(buildName, AMAZON_EBS);
    builderType = blankOr(builderType, AMAZON_EBS);
    requireNotNegative(pauseBefore, "pause_before");
    requireNotNegative(pauseAfter, "pause_after");
  }

  public static Builder inline(String... commands) {
    return new Builder().inline(List.of(commands));
  }

  public static Builder script(Path script) {
    return new Builder().script(script);
  }

  public static Builder scripts(List<Path> scripts) {
    return new Builder().scripts(scripts);
  }

  /** Every script to run, in order (script, or scripts). Empty for inline. */
  public List<Path> scriptFiles() {
    List<Path> all = new ArrayList<>();
    if (script != null) {
      all.add(script);
    }
    all.addAll(scripts);
    return all;
  }

  private static String blankOr(String value, String fallback) {
    return value == null || value.isBlank() ? fallback : value;
  }

  private static void requireNotNegative(Duration value, String field) {
    if (value != null && value.isNegative()) {
      throw new IllegalArgumentException(field + " must not be negative: " + value);
    }
  }

  /** Fluent construction for callers and tests; every field defaults as Packer does. */
  public static final class Builder {
    private String name;
    private List<String> inline;
    private String inlineShebang;
    private Path script;
    private List<Path> scripts;
    private Map<String, String> environmentVars = new LinkedHashMap<>();
    private String executeCommand;
    private String remoteFolder;
    private String remoteFile;
    private Duration pauseBefore;
    private Duration pauseAfter;
    private boolean expectDisconnect;
    private Set<Integer> validExitCodes;
    private String buildName;
    private String builderType;

    public Builder name(String value) {
      name = value;
      return this;
    }

    public Builder inline(List<String> value) {
      inline = value;
      return this;
    }

    public Builder inlineShebang(String value) {
      inlineShebang = value;
      return this;
    }

    public Builder script(Path value) {
      script = value;
      return this;
    }

    public Builder scripts(List<Path> value) {
      scripts = value;
      return this;
    }

    public Builder env(String key, String value) {
      environmentVars.put(key, value);
      return this;
    }

    public Builder environmentVars(Map<String, String> value) {
      environmentVars = new LinkedHashMap<>(value);
      return this;
    }

    public Builder executeCommand(String value) {
      executeCommand = value;
      return this;
    }

    public Builder remoteFolder(String value) {
      remoteFolder = value;
      return this;
    }

    public Builder remoteFile(String value) {
      remoteFile = value;
      return this;
    }

    public Builder pauseBefore(Duration value) {
      pauseBefore = value;
      return this;
    }

    public Builder pauseAfter(Duration value) {
      pauseAfter = value;
      return this;
    }

    public Builder expectDisconnect(boolean value) {
      expectDisconnect = value;
      return this;
    }

    public Builder validExitCodes(Set<Integer> value) {
      validExitCodes = value;
      return this;
    }

    public Builder buildName(String value) {
      buildName = value;
      return this;
    }

    public Builder builderType(String value) {
      builderType = value;
      return this;
    }

    public ShellProvisionerConfig build() {
      return new ShellProvisionerConfig(
          name,
          inline,
          inlineShebang,
          script,
          scripts,
          environmentVars,
          executeCommand,
          remoteFolder,
          remoteFile,
          pauseBefore,
          pauseAfter,
          expectDisconnect,
          validExitCodes,
          buildName,
          builderType);
    }
  }
}
