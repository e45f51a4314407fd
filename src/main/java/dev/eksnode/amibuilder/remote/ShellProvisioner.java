package dev.eksnode.amibuilder.remote;

import static dev.eksnode.amibuilder.remote.ShellQuoting.quote;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs scripts the way Packer's shell provisioner does: upload to remote_folder, then run
 * execute_command with {@code {{.Path}}} and {@code {{.Vars}}} ({@code KEY='value' } pairs,
 * including PACKER_BUILD_NAME and PACKER_BUILDER_TYPE), as the SSH user, with the target's PTY
 * setting.
 *
 * <p>Without a PTY the upload and the run share one channel, one round trip per script; a PTY would
 * mangle the script bytes on stdin, so then the upload takes its own channel. The script file is
 * removed after it ran, in the same command.
 *
 * <p>The rendered command holds the environment_vars, credentials included, so it never travels as
 * the SSH exec request: SSH libraries log that request at debug level, and the remote side may too.
 * It goes on standard input instead, as the first line before the script, and the remote shell
 * {@code eval}s it: the same text run by the same login shell, so execute_command means exactly
 * what it means to Packer. With a PTY the line waits in a file only the user can read, removed
 * before the command runs.
 */
public final class ShellProvisioner implements Provisioner {
  private static final Logger LOG = LoggerFactory.getLogger(ShellProvisioner.class);

  /**
   * {@code read} takes bytes off a pipe one at a time, so {@code cat} after it gets exactly the
   * script.
   */
  private static final String READ_LINE = "IFS= read -r __ab_run";

  private static final String EVAL_LINE = "eval \"$(printf '%b' \"$__ab_run\")\"";

  /** Waits for pause_before/pause_after; tests substitute one that records the pauses. */
  @FunctionalInterface
  interface Pauser {
    void pause(String field, Duration duration) throws InterruptedException;
  }

  private final ShellProvisionerConfig config;
  private final String remotePath;
  private final Pauser pauser;

  public ShellProvisioner(ShellProvisionerConfig config) {
    this(config, (field, duration) -> Thread.sleep(duration.toMillis()));
  }

  ShellProvisioner(ShellProvisionerConfig config, Pauser pauser) {
    this.config = config;
    this.pauser = pauser;
    String file =
        config.remoteFile() != null
            ? config.remoteFile()
            : "script_" + ThreadLocalRandom.current().nextInt(10_000) + ".sh";
    this.remotePath =
        config.remoteFolder().endsWith("/")
            ? config.remoteFolder() + file
            : config.remoteFolder() + "/" + file;
  }

  public ShellProvisionerConfig config() {
    return config;
  }

  /** Where scripts are uploaded on the instance. */
  public String remotePath() {
    return remotePath;
  }

  @Override
  public String description() {
    if (config.name() != null && !config.name().isBlank()) {
      return config.name();
    }
    if (!config.inline().isEmpty()) {
      return "shell inline";
    }
    return "shell " + String.join(", ", config.scriptFiles().stream().map(Path::toString).toList());
  }

  /**
   * The {@code {{.Vars}}} text: Packer's variables first so a user value with the same name wins.
   */
  public String renderedVars() {
    Map<String, String> vars = new LinkedHashMap<>();
    vars.put("PACKER_BUILD_NAME", config.buildName());
    vars.put("PACKER_BUILDER_TYPE", config.builderType());
    vars.putAll(config.environmentVars());
    return ShellQuoting.renderVars(vars);
  }

  /** The command that runs one uploaded script and removes it, keeping the script's exit status. */
  public String runCommand() {
    String command =
        ShellQuoting.renderExecuteCommand(config.executeCommand(), remotePath, renderedVars());
    return "{ "
        + command
        + "\n}; __ab_status=$?; rm -f "
        + quote(remotePath)
        + "; exit $__ab_status";
  }

  /**
   * The run command as one line for the remote shell's {@code read -r}: backslashes doubled and
   * newlines as {@code \n}, which {@code printf %b} turns back into the original text.
   */
  static String encodeLine(String command) {
    return command.replace("\\", "\\\\").replace("\n", "\\n");
  }

  /** Reads the encoded run line from stdin, then the script, then runs the line. */
  String uploadAndRunCommand() {
    return READ_LINE + " && cat > " + quote(remotePath) + " && " + EVAL_LINE;
  }

  /** For a PTY: reads the encoded run line and the script, keeping the line in a user-only file. */
  String uploadForPtyCommand() {
    return READ_LINE
        + " && cat > "
        + quote(remotePath)
        + " && (umask 077 && printf '%s\\n' \"$__ab_run\" > "
        + quote(runLinePath())
        + ")";
  }

  /** For a PTY: takes the run line out of its file, removes the file, runs the line. */
  String runFromFileCommand() {
    return "__ab_run=$(cat "
        + quote(runLinePath())
        + ") && rm -f "
        + quote(runLinePath())
        + " && "
        + EVAL_LINE;
  }

  private String runLinePath() {
    return remotePath + ".run";
  }

  @Override
  public void provision(SshSession ssh, LineSink output) throws InterruptedException {
    pause(config.pauseBefore(), "pause_before");
    if (!config.inline().isEmpty()) {
      runOne(ssh, output, inlineScript(), description());
    } else {
      for (Path script : config.scriptFiles()) {
        String label =
            config.name() != null
                ? config.name() + " (" + script.getFileName() + ")"
                : "shell " + script;
        runOne(ssh, output, readScript(script), label);
      }
    }
    pause(config.pauseAfter(), "pause_after");
  }

  private void runOne(SshSession ssh, LineSink output, byte[] content, String what)
      throws InterruptedException {
    ssh.requireConnected(what);
    long started = System.nanoTime();
    String bootBefore = config.expectDisconnect() ? ssh.bootId() : null;
    OutputTail tail = new OutputTail(OutputTail.DEFAULT_LINES);
    LineSink sink = output.andThen(tail);
    ExecResult result;
    byte[] runLine = (encodeLine(runCommand()) + "\n").getBytes(StandardCharsets.UTF_8);
    SshSession.InputWriter lineThenScript =
        stdin -> {
          stdin.write(runLine);
          stdin.write(content);
        };
    if (ssh.target().pty()) {
      ExecResult upload = ssh.execWithInput(uploadForPtyCommand(), lineThenScript, tail);
      if (!upload.succeeded()) {
        checkConnectionAfter(upload, what);
        throw new ProvisionerFailedException(
            "uploading " + what + " to " + remotePath, upload, tail.lines());
      }
      result = ssh.exec(runFromFileCommand(), true, sink);
    } else {
      result = ssh.execWithInput(uploadAndRunCommand(), lineThenScript, sink);
    }
    long ended = System.nanoTime();
    LOG.debug("{}: {} after {} ms", what, result.describe(), (ended - started) / 1_000_000);
    boolean scriptEndedCleanly =
        result.ending() == ExecResult.Ending.EXITED
            && config.validExitCodes().contains(result.exitStatus());
    if (result.ending() == ExecResult.Ending.EXITED && !scriptEndedCleanly) {
      throw new ProvisionerFailedException(what, result, tail.lines());
    }
    if (config.expectDisconnect()) {
      RebootWatcher.Outcome outcome =
          RebootWatcher.awaitHost(ssh, bootBefore, ended, result.ending(), what);
      if (outcome == RebootWatcher.Outcome.STAYED_UP
          && result.ending() == ExecResult.Ending.SIGNALLED) {
        // expect_disconnect excuses losing the connection, not a script killed on a host that
        // stayed up.
        throw new ProvisionerFailedException(what, result, tail.lines());
      }
      if (outcome != RebootWatcher.Outcome.REBOOTED) {
        output.accept(OutputKind.STDOUT, noRebootLine(outcome, bootBefore));
      }
      if (result.ending() != ExecResult.Ending.EXITED) {
        removeLeftOverScript(ssh);
      }
      return;
    }
    if (result.ending() == ExecResult.Ending.SIGNALLED) {
      throw new ProvisionerFailedException(what, result, tail.lines());
    }
    checkConnectionAfter(result, what);
  }

  private void checkConnectionAfter(ExecResult result, String what) {
    if (result.ending() == ExecResult.Ending.DISCONNECTED) {
      throw new ConnectionLostException(
          "the SSH connection dropped while "
              + what
              + " was running and expect_disconnect is not set; if the script reboots the host, set "
              + "expect_disconnect: true on this provisioner");
    }
  }

  /** The build output line for a script with expect_disconnect after which the host stayed up. */
  static String noRebootLine(RebootWatcher.Outcome outcome, String bootId) {
    String how =
        outcome == RebootWatcher.Outcome.SAME_BOOT_AFTER_DROP
            ? "the connection dropped and came back on the same boot"
            : "the host kept its connection and boot";
    return "expect_disconnect: no reboot happened ("
        + how
        + ", boot id "
        + bootId
        + "); continuing";
  }

  private void removeLeftOverScript(SshSession ssh) throws InterruptedException {
    // The lost connection cut off the "rm -f" that normally follows the script.
    ExecResult removed = ssh.exec("rm -f " + quote(remotePath), false, LineSink.discard());
    if (!removed.succeeded()) {
      LOG.debug("could not remove {} after the reboot: {}", remotePath, removed.describe());
    }
  }

  private byte[] inlineScript() {
    StringBuilder text = new StringBuilder("#!").append(config.inlineShebang()).append('\n');
    for (String command : config.inline()) {
      text.append(command).append('\n');
    }
    return text.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] readScript(Path script) {
    try {
      return Files.readAllBytes(script);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read script " + script + ": " + e.getMessage(), e);
    }
  }

  private void pause(Duration duration, String field) throws InterruptedException {
    if (duration != null && !duration.isZero()) {
      LOG.info("{}: {} {} s", description(), field, duration.toMillis() / 1000.0);
      pauser.pause(field, duration);
    }
  }

  @Override
  public String toString() {
    return "ShellProvisioner[" + description() + ", remotePath=" + remotePath + "]";
  }
}
