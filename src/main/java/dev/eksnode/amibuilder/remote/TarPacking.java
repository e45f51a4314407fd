package dev.eksnode.amibuilder.remote;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the tar stream of an upload and unpacks the tar stream of a download, keeping file modes.
 */
final class TarPacking {
  private static final Logger LOG = LoggerFactory.getLogger(TarPacking.class);
  private static final PosixFilePermission[] BITS = {
    PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
        PosixFilePermission.OTHERS_READ,
    PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
        PosixFilePermission.GROUP_READ,
    PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
        PosixFilePermission.OWNER_READ
  };

  /** One local path and its name inside the archive. */
  record Item(Path local, String name) {}

  private TarPacking() {}

  /**
   * Lists what a local source contributes: with a trailing slash the directory's contents, without
   * it the directory itself (its name first), in a stable order.
   */
  static List<Item> itemsOf(String localSource) throws IOException {
    Path root = Path.of(localSource);
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException("upload source " + localSource + " does not exist");
    }
    List<Item> items = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      items.add(new Item(root, root.getFileName().toString()));
      return items;
    }
    boolean contentsOnly = localSource.endsWith("/");
    String prefix = contentsOnly ? "" : root.toAbsolutePath().normalize().getFileName() + "/";
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path path : walk.sorted().toList()) {
        String relative = root.relativize(path).toString().replace('\\', '/');
        if (relative.isEmpty()) {
          if (!contentsOnly) {
            items.add(new Item(path, prefix));
          }
          continue;
        }
        String name =
            prefix + relative + (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS) ? "/" : "");
        items.add(new Item(path, name));
      }
    }
    return items;
  }

  static void writeTar(List<Item> items, OutputStream out) throws IOException {
    TarArchiveOutputStream tar = new TarArchiveOutputStream(out);
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    for (Item item : items) {
      Path path = item.local();
      TarArchiveEntry entry;
      if (Files.isSymbolicLink(path)) {
        entry = new TarArchiveEntry(item.name(), TarConstants.LF_SYMLINK);
        entry.setLinkName(Files.readSymbolicLink(path).toString());
      } else {
        entry = new TarArchiveEntry(path.toFile(), item.name());
      }
      entry.setMode(modeOf(path, entry));
      // Only the modification time travels: GNU tar on the instance warns about every
      // libarchive-style creation/access time header ("Ignoring unknown extended header keyword").
      entry.setCreationTime(null);
      entry.setLastAccessTime(null);
      entry.setStatusChangeTime(null);
      entry.setUserId(0);
      entry.setGroupId(0);
      entry.setUserName("");
      entry.setGroupName("");
      tar.putArchiveEntry(entry);
      if (entry.isFile()) {
        Files.copy(path, tar);
      }
      tar.closeArchiveEntry();
    }
    tar.finish();
  }

  /**
   * Unpacks a download into {@code target}. Entries named {@code ./x} (contents of a directory)
   * land inside target; a single file entry is written to {@code fileTarget}. Names that would
   * escape the target and links are refused, since the remote side decides the names.
   */
  static int extract(InputStream in, Path target, Path fileTarget) throws IOException {
    TarArchiveInputStream tar = new TarArchiveInputStream(in);
    Path base = target.toAbsolutePath().normalize();
    Path singleFile = fileTarget == null ? null : fileTarget.toAbsolutePath().normalize();
    int files = 0;
    TarArchiveEntry entry;
    while ((entry = tar.getNextEntry()) != null) {
      String name = entry.getName();
      if (name.startsWith("./")) {
        name = name.substring(2);
      }
      if (name.isEmpty() || name.equals(".")) {
        continue;
      }
      if (entry.isSymbolicLink() || entry.isLink()) {
        LOG.warn("skipping link {} in download (links are not downloaded)", name);
        continue;
      }
      boolean toSingleFile = singleFile != null && entry.isFile() && !name.contains("/");
      Path destination = toSingleFile ? singleFile : base.resolve(name).normalize();
      // Every other entry, also in a download that names a file target, must stay below the target.
      if (!toSingleFile && !destination.startsWith(base)) {
        throw new IOException("download entry " + entry.getName() + " points outside " + base);
      }
      if (entry.isDirectory()) {
        Files.createDirectories(destination);
      } else if (entry.isFile()) {
        Files.createDirectories(destination.getParent());
        Files.copy(tar, destination, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        files++;
      } else {
        continue;
      }
      Files.setPosixFilePermissions(destination, permissionsOf(entry.getMode()));
    }
    return files;
  }

  static int modeOf(Path path, TarArchiveEntry entry) throws IOException {
    if (Files.isSymbolicLink(path)) {
      return 0120777;
    }
    Set<PosixFilePermission> permissions =
        Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS);
    int mode = 0;
    for (int bit = 0; bit < BITS.length; bit++) {
      if (permissions.contains(BITS[bit])) {
        mode |= 1 << bit;
      }
    }
    return (entry.isDirectory() ? 040000 : 0100000) | mode;
  }

  static Set<PosixFilePermission> permissionsOf(int mode) {
    Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
    for (int bit = 0; bit < BITS.length; bit++) {
      if ((mode & (1 << bit)) != 0) {
        permissions.add(BITS[bit]);
      }
    }
    return permissions;
  }
}
