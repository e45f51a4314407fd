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
 * Decides whether to trust the build instance's host key. Keys the instance printed on its console pin
 * the first connection; without them the first key seen is trusted. Either way the accepted key is
 * remembered and every later connection (after a reboot too) must present the same key.
 */
public final class HostKeyPolicy implements ServerKeyVerifier {
  private static final Logger LOG = LoggerFactory.getLogger(HostKeyPolicy.class);

  private final ConsoleHostKeys pinned;
  private final AtomicReference<PublicKey> accepted = new AtomicReference<>();
  private final AtomicReference<String> lastRejection = new AtomicReference<>();

  private HostKeyPolicy(ConsoleHostKeys pinned) {
    this.pinned = pinned;
  }

  /** Pins to the console keys when there are any, else trusts on first use. */
  public static HostKeyPolicy fromConsole(ConsoleHostKeys consoleKeys) {
    return new HostKeyPolicy(consoleKeys == null ? ConsoleHostKeys.empty() : consoleKeys);
  }

  public static HostKeyPolicy trustOnFirstUse() {
    return new HostKeyPolicy(ConsoleHostKeys.empty());
  }

  @Override
  public boolean verifyServerKey(ClientSession session, SocketAddress remoteAddress, PublicKey serverKey) {
    String fingerprint = Ed25519Keys.sha256Fingerprint(serverKey);
    PublicKey known = accepted.get();
    if (known != null) {
      if (KeyUtils.compareKeys(known, serverKey)) {
        return true;
      }
      return reject("host key of " + remoteAddress + " changed: expected " + Ed25519Keys.sha256Fingerprint(known)
          + " (accepted earlier in this build), got " + fingerprint
          + "; refusing to connect because the instance may have been replaced or the connection intercepted");
    }
    if (!pinned.isEmpty()) {
      if (!pinned.matches(serverKey)) {
        return reject("host key " + fingerprint + " of " + remoteAddress
            + " does not match the keys the instance printed on its console: " + pinned.describe());
      }
      LOG.debug("Host key {} of {} matches the console output", fingerprint, remoteAddress);
    } else {
      LOG.info("Trusting host key {} of {} on first use (no host keys in the console output)", fingerprint,
          remoteAddress);
    }
    if (!accepted.compareAndSet(null, serverKey) && !KeyUtils.compareKeys(accepted.get(), serverKey)) {
      return reject("host key of " + remoteAddress + " changed during connect: got " + fingerprint);
    }
    return true;
  }

  /** The key accepted so far, if any connection succeeded. */
  public Optional<PublicKey> acceptedKey() {
    return Optional.ofNullable(accepted.get());
  }

  public boolean isPinned() {
    return !pinned.isEmpty();
  }

  /** Returns and clears the reason of the last refusal, so the session can throw a precise error. */
  Optional<String> takeRejection() {
    return Optional.ofNullable(lastRejection.getAndSet(null));
  }

  private boolean reject(String reason) {
    LOG.debug("Rejecting host key: {}", reason);
    lastRejection.set(reason);
    return false;
  }
}
