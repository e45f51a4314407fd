package dev.eksnode.amibuilder.remote;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.Set;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;

/**
 * Writes a key pair's private half as an unencrypted OpenSSH private key file, the format {@code
 * ssh -i} reads. Only for {@code --debug-keep-key}: otherwise the build's key never leaves memory.
 */
public final class PrivateKeyFile {
  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");

  private PrivateKeyFile() {}

  /**
   * Creates {@code file} (which must not exist) with mode 0600 from the start, so the key is never
   * readable by anyone else, not even between creating and restricting the file.
   *
   * @param comment the key's comment, as {@code ssh-keygen -l} shows it
   */
  public static void write(Path file, KeyPair pair, String comment) throws IOException {
    boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    if (posix) {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
      // The umask can only take bits away, but set the mode outright so it is exactly 0600.
      Files.setPosixFilePermissions(file, OWNER_ONLY);
    } else {
      Files.createFile(file);
    }
    try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.WRITE)) {
      OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(pair, comment, null, out);
    } catch (GeneralSecurityException e) {
      Files.deleteIfExists(file);
      throw new IOException("cannot encode the private key: " + e.getMessage(), e);
    }
  }
}
