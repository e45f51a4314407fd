package dev.eksnode.amibuilder.rig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real OpenSSH server per test class, standing in for the build instance. It listens on a free
 * loopback port, runs as root inside its own mount namespace where {@code
 * /proc/sys/kernel/random/boot_id} is a file the fixture controls, and accepts exactly the public
 * keys a test writes with {@link #authorize(String...)}. Stopping it kills every session too, like
 * a host going down.
 *
 * <p>Use it as {@code @RegisterExtension static final SshdExtension SSHD = new SshdExtension();}.
 */
public final class SshdExtension implements BeforeAllCallback, AfterAllCallback {
  private static final Path SSHD = Path.of("/usr/sbin/sshd");
  private static final Path SSH_KEYGEN = Path.of("/usr/bin/ssh-keygen");
  private static final Path UNSHARE = Path.of("/usr/bin/unshare");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

  private Path dir;
  private int port;
  private Process process;
  private Thread rebootWatcher;
  private volatile RebootPlan rebootPlan;
  private final List<Thread> helpers = new ArrayList<>();
  private final Boot boot;

  /**
   * What a fixture built on this one does around each start: {@link #prepare} runs in the test JVM
   * before the first start, {@link #namespaceCommand} inside sshd's fresh mount namespace before
   * every start (each boot).
   */
  public interface Boot {
    void prepare(Path fixtureDir) throws IOException;

    /** A shell command; sshd starts only when it succeeds. */
    String namespaceCommand(Path fixtureDir);
  }

  /** A plain sshd: nothing but the boot id is changed in its namespace. */
  public SshdExtension() {
    this(null);
  }

  /** An sshd whose namespace the given boot customises (see {@link NodeHostExtension}). */
  public SshdExtension(Boot boot) {
    this.boot = boot;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    for (Path tool : List.of(SSHD, SSH_KEYGEN, UNSHARE)) {
      if (!Files.isExecutable(tool)) {
        throw new IllegalStateException(
            tool
                + " is missing: the sshd test fixture needs openssh-server and "
                + "util-linux; run bin/run-tests, which installs them");
      }
    }
    dir = Files.createTempDirectory("sshd-fixture-");
    port = freePort();
    // sshd refuses to start without its privilege-separation directory, absent until the service
    // ran once.
    Files.createDirectories(Path.of("/run/sshd"));
    Files.writeString(dir.resolve("authorized_keys"), "");
    Files.createDirectories(dir.resolve("home"));
    writeBootId(UUID.randomUUID().toString());
    generateHostKey();
    writeConfig();
    if (boot != null) {
      boot.prepare(dir);
    }
    start();
  }

  /**
   * The fixture's private directory: host key, config, boot id, log and whatever a {@link Boot}
   * keeps there.
   */
  public Path fixtureDir() {
    return dir;
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    if (rebootWatcher != null) {
      rebootWatcher.interrupt();
    }
    for (Thread helper : helpers) {
      helper.interrupt();
      helper.join(5_000);
    }
    stop();
    if (dir != null) {
      try (Stream<Path> paths = Files.walk(dir)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  public String host() {
    return "127.0.0.1";
  }

  public int port() {
    return port;
  }

  /**
   * Sessions log in as root: the fixture itself runs as root and creating users would outlive the
   * test.
   */
  public String user() {
    return "root";
  }

  /** A scratch directory (removed after the class) where tests may let remote commands write. */
  public Path workDir() {
    return dir.resolve("home");
  }

  /** Replaces the authorized keys with exactly these OpenSSH public-key lines. */
  public void authorize(String... publicKeyLines) {
    try {
      Files.writeString(dir.resolve("authorized_keys"), String.join("\n", publicKeyLines) + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** Starts sshd (again) on the same port and waits until it accepts TCP connections. */
  public synchronized void start() {
    if (isRunning()) {
      return;
    }
    Path log = dir.resolve("sshd.log");
    // The machine's own shell start-up files (root's ~/.bashrc runs pyenv here) would run before
    // every command and
    // make the tests slow or, with a stale pyenv lock, hang: inside the namespace they are hidden
    // behind empty files.
    String quiet =
        "touch "
            + dir.resolve("empty-rc")
            + " && for rc in /root/.bashrc /root/.profile /root/.bash_profile; "
            + "do if [ -f \"$rc\" ]; then mount --bind "
            + dir.resolve("empty-rc")
            + " \"$rc\"; fi; done && ";
    String inner =
        "mount --bind "
            + dir.resolve("boot_id")
            + " /proc/sys/kernel/random/boot_id && "
            + quiet
            + (boot == null ? "" : boot.namespaceCommand(dir) + " && ")
            + "exec "
            + SSHD
            + " -D -e -f "
            + dir.resolve("sshd_config");
    ProcessBuilder builder =
        new ProcessBuilder(UNSHARE.toString(), "-m", "--propagation", "private", "sh", "-c", inner);
    builder.redirectErrorStream(true);
    builder.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start sshd: " + e.getMessage(), e);
    }
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "sshd exited with " + process.exitValue() + ":\n" + logTail());
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(host(), port), 200);
        return;
      } catch (IOException notYet) {
        sleep(20);
      }
    }
    throw new IllegalStateException(
        "sshd did not listen on port " + port + " within " + START_TIMEOUT + ":\n" + logTail());
  }

  /** Kills the listener and every session (and what they run), like a host going down. */
  public synchronized void stop() {
    if (process == null) {
      return;
    }
    List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
    process.destroyForcibly();
    tree.forEach(ProcessHandle::destroyForcibly);
    try {
      process.waitFor(5, TimeUnit.SECONDS);
      // The session processes are not our children: once killed they stay zombies until whoever
      // adopted them reaps them, which took 1-2 s per simulated reboot here. A zombie runs nothing
      // and holds no socket, so count it as gone.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (tree.stream().anyMatch(SshdExtension::running)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("session processes still alive after 5 s");
        }
        Thread.sleep(5);
      }
    } catch (Exception e) {
      throw new IllegalStateException("sshd did not stop: " + e.getMessage(), e);
    }
    process = null;
  }

  /** Alive and not a zombie (state Z in /proc/PID/stat). */
  private static boolean running(ProcessHandle handle) {
    if (!handle.isAlive()) {
      return false;
    }
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(handle.pid()), "stat"));
      int close = stat.lastIndexOf(')');
      return close < 0 || close + 2 >= stat.length() || stat.charAt(close + 2) != 'Z';
    } catch (IOException e) {
      return false; // gone between the two checks
    }
  }

  /** Stops now and starts again after the delay, in the background ("sshd starts late"). */
  public void restartAfter(Duration delay) {
    stop();
    Thread helper =
        new Thread(
            () -> {
              try {
                Thread.sleep(delay.toMillis());
                start();
              } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
              }
            },
            "sshd-late-start");
    helper.setDaemon(true);
    synchronized (this) {
      helpers.add(helper);
    }
    helper.start();
  }

  /** What {@code cat /proc/sys/kernel/random/boot_id} prints inside sessions. */
  public String bootId() {
    try {
      return Files.readString(dir.resolve("boot_id")).strip();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Changes the boot id in place; sessions started after this see it (the bind mount follows the
   * inode).
   */
  public void writeBootId(String id) {
    try {
      Files.writeString(dir.resolve("boot_id"), id + "\n", StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * What happens when a remote command asks for a reboot through {@link #rebootTrigger()}.
   *
   * @param downtime how long sshd stays down
   * @param newBootId whether the host comes back with a new boot id (false: only sshd restarted)
   * @param newHostKey whether it comes back with a different host key (a replaced instance)
   */
  public record RebootPlan(Duration downtime, boolean newBootId, boolean newHostKey) {
    public static RebootPlan reboot(Duration downtime) {
      return new RebootPlan(downtime, true, false);
    }
  }

  /**
   * Simulates a reboot: all sessions die, the boot id changes, sshd answers again after the
   * downtime.
   */
  public void reboot(Duration downtime) {
    reboot(RebootPlan.reboot(downtime));
  }

  public void reboot(RebootPlan plan) {
    stop();
    if (plan.newBootId()) {
      writeBootId(UUID.randomUUID().toString());
    }
    if (plan.newHostKey()) {
      replaceHostKey();
    }
    sleep(plan.downtime().toMillis());
    start();
  }

  /**
   * File whose creation by a remote command makes the fixture carry out the armed {@link
   * RebootPlan}, so a provisioner script can "reboot the host" (e.g. {@code touch <file>; sleep
   * 60}).
   */
  public Path rebootTrigger() {
    return dir.resolve("reboot-request");
  }

  /** Reboots on every trigger until the class ends or the plan is replaced by another call. */
  public synchronized void armReboot(Duration downtime) {
    armReboot(RebootPlan.reboot(downtime));
  }

  public synchronized void armReboot(RebootPlan plan) {
    rebootPlan = plan;
    if (rebootWatcher != null) {
      return;
    }
    rebootWatcher =
        new Thread(
            () -> {
              while (!Thread.currentThread().isInterrupted()) {
                try {
                  if (Files.deleteIfExists(rebootTrigger())) {
                    reboot(rebootPlan);
                  } else {
                    Thread.sleep(20);
                  }
                } catch (InterruptedException e) {
                  return;
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              }
            },
            "sshd-reboot-watcher");
    rebootWatcher.setDaemon(true);
    rebootWatcher.start();
  }

  /**
   * Generates a new host key and restarts sshd with it (an instance replaced behind the same
   * address).
   */
  public void changeHostKey() {
    stop();
    replaceHostKey();
    start();
  }

  private void replaceHostKey() {
    try {
      Files.deleteIfExists(dir.resolve("ssh_host_ed25519_key"));
      Files.deleteIfExists(dir.resolve("ssh_host_ed25519_key.pub"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    generateHostKey();
  }

  /** The server's public host key as an OpenSSH line. */
  public String hostPublicKeyLine() {
    try {
      return Files.readString(dir.resolve("ssh_host_ed25519_key.pub")).strip();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The host key's fingerprint line as {@code ssh-keygen -l} (and cloud-init) print it. */
  public String hostKeyFingerprintLine() {
    return run(List.of(
            SSH_KEYGEN.toString(), "-l", "-f", dir.resolve("ssh_host_ed25519_key.pub").toString()))
        .strip();
  }

  public String logTail() {
    try {
      List<String> lines = Files.readAllLines(dir.resolve("sshd.log"));
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no sshd log: " + e.getMessage() + ")";
    }
  }

  private void generateHostKey() {
    run(
        List.of(
            SSH_KEYGEN.toString(),
            "-q",
            "-t",
            "ed25519",
            "-N",
            "",
            "-C",
            "fixture-host",
            "-f",
            dir.resolve("ssh_host_ed25519_key").toString()));
  }

  private void writeConfig() throws IOException {
    List<String> lines =
        new ArrayList<>(
            List.of(
                "Port " + port,
                "ListenAddress " + host(),
                "HostKey " + dir.resolve("ssh_host_ed25519_key"),
                "PidFile " + dir.resolve("sshd.pid"),
                "AuthorizedKeysFile " + dir.resolve("authorized_keys"),
                "PermitRootLogin yes",
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "UsePAM no",
                "StrictModes no",
                "PrintMotd no",
                "PrintLastLog no",
                "MaxStartups 100",
                "MaxSessions 100",
                "LogLevel VERBOSE",
                "Subsystem sftp internal-sftp"));
    Path config = dir.resolve("sshd_config");
    // Newer OpenSSH (9.8+) penalises clients that fail auth or drop connections, which tests do on
    // purpose.
    lines.add("PerSourcePenalties no");
    Files.write(config, lines);
    if (!configValid(config)) {
      lines.remove(lines.size() - 1);
      Files.write(config, lines);
      if (!configValid(config)) {
        throw new IllegalStateException(
            "generated sshd_config is invalid:\n"
                + run(List.of(SSHD.toString(), "-t", "-f", config.toString())));
      }
    }
  }

  private boolean configValid(Path config) {
    try {
      Process check =
          new ProcessBuilder(SSHD.toString(), "-t", "-f", config.toString())
              .redirectErrorStream(true)
              .start();
      check.getInputStream().readAllBytes();
      return check.waitFor() == 0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static String run(List<String> command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed:\n" + output);
      }
      return output;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
