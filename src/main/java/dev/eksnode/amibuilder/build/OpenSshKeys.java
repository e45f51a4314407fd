package dev.eksnode.amibuilder.build;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.Base64;

/** Temporary ed25519 keys: generated in the JVM, public half written as an OpenSSH {@code authorized_keys} line. */
public final class OpenSshKeys {
  /** An X.509 SubjectPublicKeyInfo of an Ed25519 key is this 12-byte header followed by the 32 key bytes. */
  private static final int SPKI_HEADER = 12;
  private static final int ED25519_KEY = 32;

  private OpenSshKeys() {}

  public static KeyPair generateEd25519() {
    try {
      return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM cannot generate Ed25519 keys", e);
    }
  }

  /** {@code ssh-ed25519 AAAA... comment}. */
  public static String publicLine(PublicKey key, String comment) {
    byte[] spki = key.getEncoded();
    if (spki.length != SPKI_HEADER + ED25519_KEY) {
      throw new IllegalArgumentException("not an Ed25519 public key (" + key.getAlgorithm() + ")");
    }
    byte[] raw = Arrays.copyOfRange(spki, SPKI_HEADER, spki.length);
    ByteArrayOutputStream blob = new ByteArrayOutputStream();
    writeString(blob, "ssh-ed25519".getBytes(StandardCharsets.US_ASCII));
    writeString(blob, raw);
    return "ssh-ed25519 " + Base64.getEncoder().encodeToString(blob.toByteArray())
        + (comment == null || comment.isBlank() ? "" : " " + comment);
  }

  private static void writeString(ByteArrayOutputStream out, byte[] bytes) {
    int n = bytes.length;
    out.write(n >>> 24);
    out.write(n >>> 16);
    out.write(n >>> 8);
    out.write(n);
    out.write(bytes, 0, n);
  }
}
