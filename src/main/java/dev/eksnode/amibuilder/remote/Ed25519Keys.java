package dev.eksnode.amibuilder.remote;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.keyprovider.KeyPairProvider;

/** Generates the build's temporary ed25519 key, kept in memory only. */
public final class Ed25519Keys {
  private Ed25519Keys() {}

  /** A generated key and its public half as one OpenSSH line, ready for EC2 ImportKeyPair. */
  public record GeneratedKey(KeyPair keyPair, String publicKeyLine) {
    @Override
    public String toString() {
      return "GeneratedKey[" + publicKeyLine + "]";
    }
  }

  public static GeneratedKey generate() {
    return generate("ami-builder");
  }

  /**
   * @param comment the third field of the OpenSSH line (shown by EC2 nowhere, useful on the
   *     instance)
   */
  public static GeneratedKey generate(String comment) {
    try {
      KeyPair pair = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
      String line = openSshLine(pair.getPublic());
      if (comment != null && !comment.isBlank()) {
        line = line + " " + comment.strip();
      }
      return new GeneratedKey(pair, line);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate an ed25519 key: " + e.getMessage(), e);
    }
  }

  /** {@code ssh-ed25519 AAAA...} without a comment. */
  public static String openSshLine(PublicKey key) {
    return PublicKeyEntry.toString(key);
  }

  /** {@code SHA256:...} as ssh-keygen -l prints it. */
  public static String sha256Fingerprint(PublicKey key) {
    return KeyUtils.getFingerPrint(org.apache.sshd.common.digest.BuiltinDigests.sha256, key);
  }
}
