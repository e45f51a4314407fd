package dev.eksnode.amibuilder.remote;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.config.hosts.HostConfigEntryResolver;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.apache.sshd.core.CoreModuleProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SSH connection to the build instance, shared by every provisioner. Commands run on their own
 * channels over that connection; {@link #reconnect()} replaces it after a reboot.
 */
public final class SshSession implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SshSession.class);
  private static final Duration MAX_ATTEMPT = Duration.ofSeconds(20);

  /** A last attempt squeezed into a few milliseconds would only report its own timeout. */
  private static final Duration MIN_ATTEMPT = Duration.ofSeconds(2);

  private static final Duration CHANNEL_OPEN_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(2);
  private static final Pattern BOOT_ID = Pattern.compile("[0-9a-fA-F-]{16,64}");
  static final String BOOT_ID_COMMAND = "cat /proc/sys/kernel/random/boot_id";

  /** Writes a command's standard input; the stream is closed (EOF) afterwards. */
  @FunctionalInterface
  public interface InputWriter {
    void write(OutputStream stdin) throws IOException;
  }

  /** Consumes a command's standard output as a stream. */
  @FunctionalInterface
  public interface OutputReader {
    void read(InputStream stdout) throws IOException;
  }

  private final SshTarget target;
  private final HostKeyPolicy hostKeys;
  private volatile Redactor redactor;
  private final SshClient client;
  private final AtomicInteger connects = new AtomicInteger();
  private final AtomicInteger channels = new AtomicInteger();
  private volatile ClientSession session;
  private volatile String cachedBootId;

  private SshSession(SshTarget target, HostKeyPolicy hostKeys, Redactor redactor) {
    this.target = target;
    this.hostKeys = hostKeys;
    this.redactor = redactor;
    this.client = SshClient.setUpDefaultClient();
    // Nothing from ~/.ssh (config, keys, known_hosts) may influence a build: only the build's key
    // and policy.
    client.setHostConfigEntryResolver(HostConfigEntryResolver.EMPTY);
    client.setKeyIdentityProvider(KeyIdentityProvider.EMPTY_KEYS_PROVIDER);
    client.setServerKeyVerifier(hostKeys);
    CoreModuleProperties.PREFERRED_AUTHS.set(client, "publickey");
    // Without it Nagle's algorithm and delayed ACKs add ~40 ms to every small request/response
    // exchange.
    CoreModuleProperties.TCP_NODELAY.set(client, true);
    // Scripts such as a kernel upgrade can be silent for many minutes; liveness comes from
    // heartbeats.
    CoreModuleProperties.IDLE_TIMEOUT.set(client, Duration.ZERO);
    if (!target.keepAliveInterval().isZero()) {
      CoreModuleProperties.HEARTBEAT_INTERVAL.set(client, target.keepAliveInterval());
      CoreModuleProperties.HEARTBEAT_NO_REPLY_MAX.set(client, 4);
    }
    client.start();
  }

  /**
   * Connects, retrying refused connections, timeouts and rejected authentication (the instance may
   * not have installed the key yet) until the target's connect timeout. A host-key mismatch fails
   * at once.
   */
  public static SshSession connect(SshTarget target, HostKeyPolicy hostKeys, Redactor redactor)
      throws InterruptedException {
    SshSession ssh =
        new SshSession(target, hostKeys, redactor == null ? Redactor.none() : redactor);
    try {
      ssh.connectWithRetry(target.connectTimeout());
      return ssh;
    } catch (RuntimeException | InterruptedException e) {
      ssh.close();
      throw e;
    }
  }

  public SshTarget target() {
    return target;
  }

  public Redactor redactor() {
    return redactor;
  }

  /**
   * Masks these values too, from now on, in everything the session shows: output lines of later
   * commands, logged commands and error messages. For secrets that exist only once the session is
   * up, such as pre-signed URLs made just before the provisioner that reads them.
   */
  public synchronized void redactAlso(java.util.Collection<String> secrets) {
    redactor = redactor.and(secrets);
  }

  public HostKeyPolicy hostKeyPolicy() {
    return hostKeys;
  }

  public boolean isConnected() {
    ClientSession current = session;
    return current != null && current.isOpen() && !current.isClosing();
  }

  /** Number of successful connections (1 plus reconnects). */
  public int connectCount() {
    return connects.get();
  }

  /** Number of channels (commands, uploads, downloads) opened, i.e. remote round trips. */
  public int channelCount() {
    return channels.get();
  }

  /** Drops the current connection and connects again within the connect timeout. */
  public void reconnect() throws InterruptedException {
    dropConnection();
    connectWithRetry(target.connectTimeout());
  }

  /**
   * Fails when the connection is gone. Only a provisioner with expect_disconnect may lose it, and
   * that one waits for the reboot and reconnects itself; a connection found closed before the next
   * provisioner means the host rebooted unannounced or the connection was cut, and a silent
   * reconnect would run the rest on a host in an unknown state.
   */
  public void requireConnected(String what) {
    if (!isConnected()) {
      throw new ConnectionLostException(
          "the SSH connection to "
              + target.describe()
              + " was closed before "
              + what
              + " started: the host rebooted or the connection was cut, and no provisioner announced it with "
              + "expect_disconnect; if the provisioner before it reboots the host, set expect_disconnect: true on it");
    }
  }

  /** Runs a command with the target's PTY setting, streaming its output lines. */
  public ExecResult exec(String command, LineSink sink) throws InterruptedException {
    return exec(command, target.pty(), sink);
  }

  public ExecResult exec(String command, boolean pty, LineSink sink) throws InterruptedException {
    return run(command, pty, sink, null, null, null);
  }

  /** Runs a command without a PTY (so bytes pass unchanged) and feeds its standard input. */
  public ExecResult execWithInput(String command, InputWriter input, LineSink sink)
      throws InterruptedException {
    return run(command, false, sink, input, null, null);
  }

  /**
   * Runs a command without a PTY and hands its standard output to a reader; stderr goes to the
   * sink.
   */
  public ExecResult execReadingOutput(String command, OutputReader reader, LineSink stderrSink)
      throws InterruptedException {
    return run(command, false, stderrSink, null, reader, null);
  }

  /**
   * The kernel's boot id. It cannot change while one connection stays up (a reboot ends it), so it
   * is read once per connection.
   */
  public String bootId() throws InterruptedException {
    String known = cachedBootId;
    if (known != null && isConnected()) {
      return known;
    }
    String id = readBootId(CHANNEL_OPEN_TIMEOUT);
    if (id == null) {
      throw new ConnectionLostException("could not read the boot id from " + target.describe());
    }
    return id;
  }

  /**
   * Reads the boot id within the timeout; null when the connection is unusable or the answer is
   * odd.
   */
  String readBootId(Duration timeout) throws InterruptedException {
    ClientSession current = session;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ExecResult result;
    try {
      // The stream read is bounded by the timeout (see run), so a half-dead connection cannot hang
      // it.
      result =
          run(
              BOOT_ID_COMMAND,
              false,
              LineSink.discard(),
              null,
              stdout -> stdout.transferTo(out),
              timeout);
    } catch (ConnectionLostException e) {
      return null;
    }
    String id = out.toString(StandardCharsets.US_ASCII).strip();
    if (!result.succeeded() || !BOOT_ID.matcher(id).matches()) {
      LOG.debug(
          "Unexpected boot id answer from {}: {} '{}'", target.describe(), result.describe(), id);
      return null;
    }
    if (current == session) {
      cachedBootId = id;
    }
    return id;
  }

  /**
   * One connection attempt within the timeout, for callers that poll (reboot detection). Returns
   * false when the host does not answer yet; a host-key mismatch still throws.
   */
  boolean tryConnectOnce(Duration timeout) throws InterruptedException {
    dropConnection();
    try {
      session = openSession(timeout);
      connects.incrementAndGet();
      return true;
    } catch (IOException | RuntimeException e) {
      rethrowHostKeyRejection(e);
      LOG.debug("Connect attempt to {} failed: {}", target.describe(), describeError(e));
      return false;
    }
  }

  /** Cuts the current connection: a command running on it ends as disconnected. */
  public void dropConnection() {
    ClientSession current = session;
    session = null;
    cachedBootId = null;
    if (current != null) {
      current.close(true);
    }
  }

  @Override
  public void close() {
    dropConnection();
    client.stop();
  }

  private void connectWithRetry(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Duration backoff = FIRST_BACKOFF;
    Exception lastError = null;
    int attempts = 0;
    while (true) {
      attempts++;
      long remaining = deadline - System.nanoTime();
      Duration attemptTimeout = Duration.ofNanos(Math.max(remaining, MIN_ATTEMPT.toNanos()));
      if (attemptTimeout.compareTo(MAX_ATTEMPT) > 0) {
        attemptTimeout = MAX_ATTEMPT;
      }
      try {
        session = openSession(attemptTimeout);
        cachedBootId = null;
        connects.incrementAndGet();
        LOG.debug("Connected to {} after {} attempt(s)", target.describe(), attempts);
        return;
      } catch (IOException | RuntimeException e) {
        rethrowHostKeyRejection(e);
        if (Thread.currentThread().isInterrupted() || e instanceof InterruptedIOException) {
          throw new InterruptedException("interrupted while connecting to " + target.describe());
        }
        lastError = e;
        LOG.debug("SSH attempt {} to {} failed: {}", attempts, target.describe(), describeError(e));
      }
      remaining = deadline - System.nanoTime();
      if (remaining <= 0) {
        throw new SshConnectException(
            "could not connect over SSH to "
                + target.describe()
                + " within "
                + timeout.toSeconds()
                + " s ("
                + attempts
                + " attempts); last error: "
                + redactor.redact(describeError(lastError)),
            attempts,
            lastError);
      }
      TimeUnit.NANOSECONDS.sleep(Math.min(backoff.toNanos(), remaining));
      backoff = backoff.multipliedBy(2);
      if (backoff.compareTo(MAX_BACKOFF) > 0) {
        backoff = MAX_BACKOFF;
      }
    }
  }

  private ClientSession openSession(Duration timeout) throws IOException {
    ClientSession opened =
        client
            .connect(target.username(), target.host(), target.port())
            .verify(timeout)
            .getSession();
    try {
      opened.addPublicKeyIdentity(target.keyPair());
      opened.auth().verify(timeout);
      return opened;
    } catch (IOException | RuntimeException e) {
      opened.close(true);
      throw e;
    }
  }

  private void rethrowHostKeyRejection(Exception e) {
    hostKeys
        .takeRejection()
        .ifPresent(
            reason -> {
              throw new HostKeyMismatchException(
                  "SSH to " + target.describe() + " refused: " + reason);
            });
  }

  private ExecResult run(
      String command,
      boolean pty,
      LineSink sink,
      InputWriter input,
      OutputReader reader,
      Duration timeout)
      throws InterruptedException {
    hostKeys.checkNotFailed();
    ClientSession current = session;
    if (current == null || !current.isOpen()) {
      throw new ConnectionLostException("not connected to " + target.describe());
    }
    LOG.debug(
        "[host={}] exec{}: {}", target.describe(), pty ? " (pty)" : "", redactor.redact(command));
    LineSplitter out = new LineSplitter(OutputKind.STDOUT, sink, redactor);
    LineSplitter err = new LineSplitter(OutputKind.STDERR, sink, redactor);
    ChannelExec channel;
    try {
      channel = current.createExecChannel(command);
    } catch (IOException e) {
      throw new ConnectionLostException(
          "cannot start a command on " + target.describe() + ": " + describeError(e), e);
    }
    long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
    try {
      channel.setUsePty(pty);
      if (pty) {
        channel.setPtyType("xterm");
      }
      if (reader == null) {
        channel.setOut(out);
      }
      channel.setErr(err);
      channels.incrementAndGet();
      channel.open().verify(timeout == null ? CHANNEL_OPEN_TIMEOUT : timeout);
      IOException streamError = null;
      try (OutputStream stdin = channel.getInvertedIn()) {
        if (input != null) {
          input.write(stdin);
        }
      } catch (IOException e) {
        streamError = e;
      }
      if (reader != null) {
        try (InputStream stdout = channel.getInvertedOut()) {
          if (timeout != null
              && stdout instanceof org.apache.sshd.common.channel.ChannelPipedInputStream piped) {
            piped.setTimeout(timeout.toMillis());
          }
          reader.read(stdout);
          // Unread output would fill the window and the remote command would never finish.
          stdout.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
          if (streamError == null) {
            streamError = e;
          }
        }
      }
      if (!awaitClosed(channel, deadline)) {
        channel.close(true);
        hostKeys.checkNotFailed();
        return new ExecResult(ExecResult.Ending.DISCONNECTED, -1, null);
      }
      out.close();
      err.close();
      ExecResult result = resultOf(channel, current);
      // The console may have contradicted the host key while the command ran (and the connection
      // was cut).
      hostKeys.checkNotFailed();
      if (streamError != null && result.succeeded()) {
        throw new ConnectionLostException(
            "streaming data for '"
                + redactor.redact(command)
                + "' on "
                + target.describe()
                + " failed: "
                + describeError(streamError),
            streamError);
      }
      if (result.ending() == ExecResult.Ending.DISCONNECTED) {
        cachedBootId = null;
      }
      return result;
    } catch (IOException e) {
      channel.close(true);
      hostKeys.checkNotFailed();
      if (!current.isOpen()) {
        return new ExecResult(ExecResult.Ending.DISCONNECTED, -1, null);
      }
      throw new ConnectionLostException(
          "command on " + target.describe() + " failed to start: " + describeError(e), e);
    } catch (InterruptedException e) {
      channel.close(true);
      throw e;
    }
  }

  private static boolean awaitClosed(ChannelExec channel, long deadline)
      throws InterruptedException {
    Set<ClientChannelEvent> wanted = EnumSet.of(ClientChannelEvent.CLOSED);
    while (true) {
      if (Thread.interrupted()) {
        throw new InterruptedException("interrupted while waiting for a remote command");
      }
      long slice =
          Math.min(500, Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      Set<ClientChannelEvent> state = channel.waitFor(wanted, slice);
      if (state.contains(ClientChannelEvent.CLOSED)) {
        return true;
      }
      if (deadline != Long.MAX_VALUE && System.nanoTime() >= deadline) {
        return false;
      }
    }
  }

  private static ExecResult resultOf(ChannelExec channel, ClientSession current) {
    Integer status = channel.getExitStatus();
    if (status != null) {
      return ExecResult.exited(status);
    }
    String signal = channel.getExitSignal();
    if (signal != null) {
      return new ExecResult(ExecResult.Ending.SIGNALLED, -1, signal);
    }
    // OpenSSH always reports a status or a signal unless the connection itself went away.
    current.close(true);
    return new ExecResult(ExecResult.Ending.DISCONNECTED, -1, null);
  }

  static String describeError(Throwable error) {
    if (error == null) {
      return "none recorded";
    }
    String message = String.valueOf(error.getMessage());
    if (message.contains("No more authentication methods available")) {
      return "authentication failed: the server did not accept the build's key (" + message + ")";
    }
    Throwable root = error;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String top = error.getClass().getSimpleName() + ": " + error.getMessage();
    if (root == error) {
      return top;
    }
    return top + " (caused by " + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
  }
}
