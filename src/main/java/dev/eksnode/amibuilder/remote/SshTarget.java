package dev.eksnode.amibuilder.remote;

import java.security.KeyPair;
import java.time.Duration;
import java.util.Objects;

/**
 * Where and how to reach a build instance over SSH.
 *
 * @param host address of the instance
 * @param port SSH port, usually 22
 * @param username login user (ssh_username)
 * @param keyPair the in-memory ed25519 key imported for this build; never written to disk here
 * @param connectTimeout how long to keep trying to connect (ssh_timeout)
 * @param keepAliveInterval interval of SSH keep-alive requests; zero disables them
 * @param pty whether commands run with a pseudo-terminal (ssh_pty)
 * @param rebootTimeout how long a reboot may take until SSH answers with a new boot id
 * @param rebootStartGrace how long the host must keep answering on its old boot, over an unbroken
 *     connection, after a script with expect_disconnect ended, before ami-builder concludes that no
 *     reboot is coming and moves on
 */
public record SshTarget(
    String host,
    int port,
    String username,
    KeyPair keyPair,
    Duration connectTimeout,
    Duration keepAliveInterval,
    boolean pty,
    Duration rebootTimeout,
    Duration rebootStartGrace) {

  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofMinutes(5);
  public static final Duration DEFAULT_KEEPALIVE = Duration.ofSeconds(15);
  public static final Duration DEFAULT_REBOOT_TIMEOUT = Duration.ofMinutes(10);

  /**
   * {@code reboot} and {@code shutdown -r now} return once systemd has queued the reboot, so the
   * script often exits, and reports success, before the host starts going down. systemd stops the
   * login sessions among the first units, which closes the SSH connection, usually well within a
   * second; 3 s covers that race with room for a busy host. It is also what a script that never
   * reboots costs, so it stays short: a reboot scheduled later than that is not waited for.
   */
  public static final Duration DEFAULT_REBOOT_START_GRACE = Duration.ofSeconds(3);

  public SshTarget {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(keyPair, "keyPair");
    if (host.isBlank()) {
      throw new IllegalArgumentException("ssh host must not be empty");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("ssh port out of range: " + port);
    }
    connectTimeout = positiveOr(connectTimeout, DEFAULT_CONNECT_TIMEOUT, "connectTimeout");
    keepAliveInterval = keepAliveInterval == null ? DEFAULT_KEEPALIVE : keepAliveInterval;
    if (keepAliveInterval.isNegative()) {
      throw new IllegalArgumentException("keepAliveInterval must not be negative");
    }
    rebootTimeout = positiveOr(rebootTimeout, DEFAULT_REBOOT_TIMEOUT, "rebootTimeout");
    rebootStartGrace = positiveOr(rebootStartGrace, DEFAULT_REBOOT_START_GRACE, "rebootStartGrace");
  }

  /** A target with every timing at its default (ssh_timeout 5 min, reboot 10 min) and a PTY. */
  public static SshTarget of(String host, int port, String username, KeyPair keyPair) {
    return new SshTarget(host, port, username, keyPair, null, null, true, null, null);
  }

  public SshTarget withConnectTimeout(Duration timeout) {
    return new SshTarget(
        host,
        port,
        username,
        keyPair,
        timeout,
        keepAliveInterval,
        pty,
        rebootTimeout,
        rebootStartGrace);
  }

  public SshTarget withPty(boolean usePty) {
    return new SshTarget(
        host,
        port,
        username,
        keyPair,
        connectTimeout,
        keepAliveInterval,
        usePty,
        rebootTimeout,
        rebootStartGrace);
  }

  public SshTarget withReboot(Duration timeout, Duration startGrace) {
    return new SshTarget(
        host, port, username, keyPair, connectTimeout, keepAliveInterval, pty, timeout, startGrace);
  }

  public SshTarget withKeyPair(KeyPair other) {
    return new SshTarget(
        host,
        port,
        username,
        other,
        connectTimeout,
        keepAliveInterval,
        pty,
        rebootTimeout,
        rebootStartGrace);
  }

  /** {@code user@host:port}, for messages. */
  public String describe() {
    return username + "@" + host + ":" + port;
  }

  @Override
  public String toString() {
    // The key pair's toString could expose private material in some providers.
    return "SshTarget[" + describe() + ", pty=" + pty + ", connectTimeout=" + connectTimeout + "]";
  }

  private static Duration positiveOr(Duration value, Duration fallback, String name) {
    if (value == null) {
      return fallback;
    }
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, got " + value);
    }
    return value;
  }
}
