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
 * execute_command with {@code {{.Path}}} and {@code {{.Vars}}} ({@code KEY='value' } pairs, including
 * PACKER_BUILD_NAME and PACKER_BUILDER_TYPE), as the SSH user, with the target's PTY setting.
 *
 * <p>Without a PTY the upload and the run share one channel ({@code cat > path && ...}), one round trip
 * per script; a PTY would mangle the script bytes on stdin, so then the upload takes its own channel.
 * The script file is removed after it ran, in the same command.
 */
public final class ShellProvisioner implements Provisioner {
  private static final Logger LOG = LoggerFactory.getLogger(ShellProvisioner.class);

  private final ShellProvisionerConfig config;
  private final String remotePath;

  public ShellProvisioner(ShellProvisionerConfig config) {
    this.config = config;
    String file = config.remoteFile() != null
        ? config.remoteFile()
        : "script_" + ThreadLocalRandom.current().nextInt(10_000) + ".sh";
    this.remotePath = config.remoteFolder().endsWith("/")
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

  /** The {@code {{.Vars}}} text: Packer's variables first so a user value with the same name wins. */
  public String renderedVars() {
    Map<String, String> vars = new LinkedHashMap<>();
    vars.put("PACKER_BUILD_NAME", config.buildName());
    vars.put("PACKER_BUILDER_TYPE", config.builderType());
    vars.putAll(config.environmentVars());
    return ShellQuoting.renderVars(vars);
  }

  /** The command that runs one uploaded script and removes it, keeping the script's exit status. */
  public String runCommand() {
    String command = ShellQuoting.renderExecuteCommand(config.executeCommand(), remotePath, renderedVars());
    return "{ " + command + "\n}; __ab_status=$?; rm -f " + quote(remotePath) + "; exit $__ab_status";
  }

  @Override
  public void provision(SshSession ssh, LineSink output) throws InterruptedException {
    pause(config.pauseBefore(), "pause_before");
    if (!config.inline().isEmpty()) {
      runOne(ssh, output, inlineScript(), description());
    } else {
      for (Path script : config.scriptFiles()) {
        String label = config.name() != null ? config.name() + " (" + script.getFileName() + ")"
            : "shell " + script;
        runOne(ssh, output, readScript(script), label);
      }
    }
    pause(config.pauseAfter(), "pause_after");
  }

  private void runOne(SshSession ssh, LineSink output, byte[] content, String what) throws InterruptedException {
    ssh.ensureConnected();
    long started = System.nanoTime();
    String bootBefore = config.expectDisconnect() ? ssh.bootId() : null;
    OutputTail tail = new OutputTail(OutputTail.DEFAULT_LINES);
    LineSink sink = output.andThen(tail);
    ExecResult result;
    if (ssh.target().pty()) {
      ExecResult upload = ssh.execWithInput("cat > " + quote(remotePath), stdin -> stdin.write(content), tail);
      if (!upload.succeeded()) {
        checkConnectionAfter(upload, what);
        throw new ProvisionerFailedException("uploading " + what + " to " + remotePath, upload, tail.lines());
      }
      result = ssh.exec(runCommand(), true, sink);
    } else {
      result = ssh.execWithInput("cat > " + quote(remotePath) + " && " + runCommand(),
          stdin -> stdin.write(content), sink);
    }
    long ended = System.nanoTime();
    LOG.debug("{}: {} after {} ms", what, result.describe(), (ended - started) / 1_000_000);
    boolean scriptEndedCleanly = result.ending() == ExecResult.Ending.EXITED
        && config.validExitCodes().contains(result.exitStatus());
    if (result.ending() == ExecResult.Ending.EXITED && !scriptEndedCleanly) {
      throw new ProvisionerFailedException(what, result, tail.lines());
    }
    if (config.expectDisconnect()) {
      RebootWatcher.awaitReboot(ssh, bootBefore, ended, what);
      removeLeftOverScript(ssh);
      return;
    }
    if (result.ending() == ExecResult.Ending.SIGNALLED) {
      throw new ProvisionerFailedException(what, result, tail.lines());
    }
    checkConnectionAfter(result, what);
  }

  private void checkConnectionAfter(ExecResult result, String what) {
    if (result.ending() == ExecResult.Ending.DISCONNECTED) {
      throw new ConnectionLostException("the SSH connection dropped while " + what
          + " was running and expect_disconnect is not set; if the script reboots the host, set "
          + "expect_disconnect: true on this provisioner");
    }
  }

  private void removeLeftOverScript(SshSession ssh) throws InterruptedException {
    // The reboot interrupted the "rm -f" that normally follows the script.
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
      Thread.sleep(duration.toMillis());
    }
  }

  @Override
  public String toString() {
    return "ShellProvisioner[" + description() + ", remotePath=" + remotePath + "]";
  }
}
