package dev.eksnode.amibuilder.remote;

import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.apache.sshd.common.digest.BuiltinDigests;

/**
 * Host keys that cloud-init printed on the instance console, used to pin the SSH host key.
 *
 * @param fingerprints fingerprints from the FINGERPRINTS block, e.g. {@code SHA256:abc...} or MD5
 *     hex pairs
 * @param keys full public keys from the KEYS block
 */
public record ConsoleHostKeys(List<Fingerprint> fingerprints, List<PublicKey> keys) {
  private static final String FINGERPRINTS_BEGIN = "-----BEGIN SSH HOST KEY FINGERPRINTS-----";
  private static final String FINGERPRINTS_END = "-----END SSH HOST KEY FINGERPRINTS-----";
  private static final String KEYS_BEGIN = "-----BEGIN SSH HOST KEY KEYS-----";
  private static final String KEYS_END = "-----END SSH HOST KEY KEYS-----";
  // cloud-init prefixes lines with "ec2: " and the kernel log may add "[  12.3] cloud-init[42]: ".
  private static final Pattern FINGERPRINT_LINE =
      Pattern.compile(
          "(\\d+)\\s+(SHA256:[A-Za-z0-9+/]+=*|MD5:[0-9a-f:]{47}|(?:[0-9a-f]{2}:){15}[0-9a-f]{2})\\s.*?\\((\\w+)\\)\\s*$");
  private static final Pattern KEY_LINE =
      Pattern.compile("((?:ssh|ecdsa|sk)-[A-Za-z0-9@.-]+)\\s+(AAAA[A-Za-z0-9+/]+=*)");

  /** One fingerprint line: bits, the fingerprint text, and the key type in parentheses. */
  public record Fingerprint(int bits, String value, String type) {
    boolean matches(PublicKey key) {
      if (value.startsWith("SHA256:")) {
        return value.equals(KeyUtils.getFingerPrint(BuiltinDigests.sha256, key));
      }
      String hex = value.startsWith("MD5:") ? value.substring(4) : value;
      return ("MD5:" + hex).equalsIgnoreCase(KeyUtils.getFingerPrint(BuiltinDigests.md5, key));
    }
  }

  public ConsoleHostKeys {
    fingerprints = List.copyOf(fingerprints);
    keys = List.copyOf(keys);
  }

  public static ConsoleHostKeys empty() {
    return new ConsoleHostKeys(List.of(), List.of());
  }

  /**
   * Reads the last complete fingerprint and key blocks from decoded console output. Output without
   * the blocks (not yet printed, or truncated) gives an empty result rather than an error.
   */
  public static ConsoleHostKeys parse(String consoleOutput) {
    if (consoleOutput == null || consoleOutput.isEmpty()) {
      return empty();
    }
    List<String> lines = consoleOutput.lines().toList();
    List<Fingerprint> fingerprints = new ArrayList<>();
    for (String line : lastBlock(lines, FINGERPRINTS_BEGIN, FINGERPRINTS_END)) {
      Matcher m = FINGERPRINT_LINE.matcher(line);
      if (m.find()) {
        fingerprints.add(
            new Fingerprint(
                Integer.parseInt(m.group(1)), m.group(2), m.group(3).toUpperCase(Locale.ROOT)));
      }
    }
    List<PublicKey> keys = new ArrayList<>();
    for (String line : lastBlock(lines, KEYS_BEGIN, KEYS_END)) {
      Matcher m = KEY_LINE.matcher(line);
      if (m.find()) {
        PublicKey key = decode(m.group(1) + " " + m.group(2));
        if (key != null) {
          keys.add(key);
        }
      }
    }
    return new ConsoleHostKeys(fingerprints, keys);
  }

  public boolean isEmpty() {
    return fingerprints.isEmpty() && keys.isEmpty();
  }

  /** True when the key is listed, by full key or by fingerprint. */
  public boolean matches(PublicKey key) {
    for (PublicKey known : keys) {
      if (KeyUtils.compareKeys(known, key)) {
        return true;
      }
    }
    for (Fingerprint fingerprint : fingerprints) {
      if (fingerprint.matches(key)) {
        return true;
      }
    }
    return false;
  }

  /** Short description for messages: the fingerprints, then those of the full keys. */
  public String describe() {
    List<String> parts = new ArrayList<>();
    fingerprints.forEach(f -> parts.add(f.value() + " (" + f.type() + ")"));
    keys.forEach(
        k ->
            parts.add(
                KeyUtils.getFingerPrint(BuiltinDigests.sha256, k) + " (" + k.getAlgorithm() + ")"));
    return String.join(", ", parts);
  }

  private static List<String> lastBlock(List<String> lines, String begin, String end) {
    List<String> result = List.of();
    List<String> current = null;
    for (String line : lines) {
      if (line.contains(begin)) {
        current = new ArrayList<>();
      } else if (line.contains(end)) {
        if (current != null) {
          result = current;
        }
        current = null;
      } else if (current != null) {
        current.add(line);
      }
    }
    return result;
  }

  private static PublicKey decode(String entry) {
    try {
      return PublicKeyEntry.parsePublicKeyEntry(entry)
          .resolvePublicKey(null, null, PublicKeyEntryResolver.IGNORING);
    } catch (Exception e) {
      // An unsupported or garbled key line must not prevent pinning on the others.
      return null;
    }
  }
}
