package dev.eksnode.amibuilder.remote;

import java.net.SocketAddress;
import java.security.PublicKey;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether to trust the build instance's host key. Keys the instance printed on its console
 * pin the connection; until they are known (cloud-init prints them late in the boot, often after
 * SSH answers) the first key seen is trusted. Either way the accepted key is remembered and every
 * later connection (after a reboot too) must present the same key. Console keys that arrive after a
 * key was trusted on first use must include that key, or the policy turns {@linkplain #failure()
 * failed} for good.
 */
public final class HostKeyPolicy implements ServerKeyVerifier {
  private static final Logger LOG = LoggerFactory.getLogger(HostKeyPolicy.class);

  private final AtomicReference<ConsoleHostKeys> pinned;
  private final AtomicReference<PublicKey> accepted = new AtomicReference<>();
  private final AtomicReference<String> lastRejection = new AtomicReference<>();
  private final AtomicReference<String> failure = new AtomicReference<>();

  private HostKeyPolicy(ConsoleHostKeys pinned) {
    this.pinned = new AtomicReference<>(pinned);
  }

  /**
   * Pins to the console keys when there are any, else trusts on first use until {@link #pin} is
   * called.
   */
  public static HostKeyPolicy fromConsole(ConsoleHostKeys consoleKeys) {
    return new HostKeyPolicy(consoleKeys == null ? ConsoleHostKeys.empty() : consoleKeys);
  }

  public static HostKeyPolicy trustOnFirstUse() {
    return new HostKeyPolicy(ConsoleHostKeys.empty());
  }

  // Synchronized with pin: a key must not be trusted on first use while console keys are being
  // installed.
  @Override
  public synchronized boolean verifyServerKey(
      ClientSession session, SocketAddress remoteAddress, PublicKey serverKey) {
    String fingerprint = Ed25519Keys.sha256Fingerprint(serverKey);
    String failed = failure.get();
    if (failed != null) {
      return reject(failed);
    }
    PublicKey known = accepted.get();
    if (known != null) {
      if (KeyUtils.compareKeys(known, serverKey)) {
        return true;
      }
      return reject(
          "host key of "
              + remoteAddress
              + " changed: expected "
              + Ed25519Keys.sha256Fingerprint(known)
              + " (accepted earlier in this build), got "
              + fingerprint
              + "; refusing to connect because the instance may have been replaced or the connection intercepted");
    }
    ConsoleHostKeys console = pinned.get();
    if (!console.isEmpty()) {
      if (!console.matches(serverKey)) {
        return reject(
            "host key "
                + fingerprint
                + " of "
                + remoteAddress
                + " does not match the keys the instance printed on its console: "
                + console.describe());
      }
      LOG.debug("Host key {} of {} matches the console output", fingerprint, remoteAddress);
    } else {
      LOG.info(
          "Trusting host key {} of {} on first use (no host keys in the console output yet)",
          fingerprint,
          remoteAddress);
    }
    accepted.set(serverKey);
    return true;
  }

  /**
   * Pins the keys the console printed. Returns false, and fails the policy, when a key already
   * trusted on first use is not among them: the connection so far went to some other host.
   */
  public synchronized boolean pin(ConsoleHostKeys consoleKeys) {
    if (consoleKeys == null || consoleKeys.isEmpty() || failure.get() != null) {
      return failure.get() == null;
    }
    pinned.set(consoleKeys);
    PublicKey known = accepted.get();
    if (known != null && !consoleKeys.matches(known)) {
      String reason =
          "host key "
              + Ed25519Keys.sha256Fingerprint(known)
              + " trusted on first use does not match "
              + "the keys the instance later printed on its console ("
              + consoleKeys.describe()
              + "); the connection may have been intercepted";
      failure.set(reason);
      LOG.debug("Host key policy failed: {}", reason);
      return false;
    }
    LOG.debug("Pinned the host key to the console output: {}", consoleKeys.describe());
    return true;
  }

  /**
   * Why the policy failed for good (the console contradicted a key trusted on first use), if it
   * did.
   */
  public Optional<String> failure() {
    return Optional.ofNullable(failure.get());
  }

  /**
   * Throws when the console contradicted the key in use; the session checks around every command.
   */
  public void checkNotFailed() {
    String failed = failure.get();
    if (failed != null) {
      throw new HostKeyMismatchException(failed);
    }
  }

  /** The key accepted so far, if any connection succeeded. */
  public Optional<PublicKey> acceptedKey() {
    return Optional.ofNullable(accepted.get());
  }

  public boolean isPinned() {
    return !pinned.get().isEmpty();
  }

  /**
   * Returns and clears the reason of the last refusal, so the session can throw a precise error.
   */
  Optional<String> takeRejection() {
    return Optional.ofNullable(lastRejection.getAndSet(null));
  }

  private boolean reject(String reason) {
    LOG.debug("Rejecting host key: {}", reason);
    lastRejection.set(reason);
    return false;
  }
}
