package dev.eksnode.amibuilder.ebs;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How to enter the instance of a build that failed and was kept ({@code --on-error abort}, or abort
 * answered to {@code --on-error ask}).
 *
 * @param instanceId the kept instance
 * @param host the address the build connected to (or would have); null when the instance has none
 *     SSH could use
 * @param port SSH port
 * @param username login user
 * @param keyFile where {@code --debug-keep-key} wrote the temporary private key; null when it was
 *     not written
 * @param keyProblem why the key could not be written although asked for; null otherwise
 */
public record KeptAccess(
    String instanceId, String host, int port, String username, Path keyFile, String keyProblem) {

  /** What the ssh line shows for the key when the build did not write it. */
  public static final String KEY_PLACEHOLDER = "<your key>";

  public KeptAccess {
    Objects.requireNonNull(instanceId, "instanceId");
    Objects.requireNonNull(username, "username");
  }

  /**
   * The command that opens a shell on the instance, {@code ssh -i KEY -p PORT USER@HOST}, with the
   * written key or {@link #KEY_PLACEHOLDER}; null without a host.
   */
  public String sshCommand() {
    if (host == null) {
      return null;
    }
    String key = keyFile == null ? KEY_PLACEHOLDER : shellWord(keyFile.toString());
    return "ssh -i " + key + " -p " + port + " " + shellWord(username + "@" + host);
  }

  /** {@code word} as it can be pasted into a POSIX shell: single-quoted when it must be. */
  static String shellWord(String word) {
    if (word.matches("[A-Za-z0-9_@%+=:,./-]+")) {
      return word;
    }
    return "'" + word.replace("'", "'\\''") + "'";
  }
}
