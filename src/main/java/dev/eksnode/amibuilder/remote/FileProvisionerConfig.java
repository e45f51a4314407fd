package dev.eksnode.amibuilder.remote;

import java.util.Objects;

/**
 * A Packer-style file provisioner.
 *
 * <p>Upload: a directory source ending in {@code /} sends its contents into the destination;
 * without the slash the directory itself lands inside the destination. A file goes to the
 * destination path, or into it when the destination ends in {@code /} or is an existing remote
 * directory.
 *
 * <p>Download: the same rules with the sides swapped (remote source, local destination).
 *
 * @param name label for output and errors; null derives one
 * @param source local path (upload) or remote path (download); kept as text for its trailing slash
 * @param destination remote path (upload) or local path (download)
 * @param direction upload (default) or download
 */
public record FileProvisionerConfig(
    String name, String source, String destination, Direction direction) {
  public enum Direction {
    UPLOAD,
    DOWNLOAD
  }

  public FileProvisionerConfig {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(destination, "destination");
    if (source.isBlank() || destination.isBlank()) {
      throw new IllegalArgumentException("a file provisioner needs a source and a destination");
    }
    direction = direction == null ? Direction.UPLOAD : direction;
  }

  public static FileProvisionerConfig upload(String source, String destination) {
    return new FileProvisionerConfig(null, source, destination, Direction.UPLOAD);
  }

  public static FileProvisionerConfig download(String source, String destination) {
    return new FileProvisionerConfig(null, source, destination, Direction.DOWNLOAD);
  }
}
