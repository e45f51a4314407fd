package dev.eksnode.amibuilder.template;

import java.util.List;

/**
 * A rendered {@code file} provisioner. For uploads the sources are local paths and a trailing slash
 * means "the contents of this directory"; for downloads the source is remote and the destination
 * local.
 */
public record FileProvisionerSpec(
    int index, List<String> sources, String destination, Direction direction)
    implements ProvisionerSpec {

  public enum Direction {
    UPLOAD,
    DOWNLOAD
  }

  public FileProvisionerSpec {
    sources = List.copyOf(sources);
  }

  @Override
  public String label() {
    return "file "
        + (direction == Direction.DOWNLOAD ? "download " : "")
        + String.join(",", sources);
  }
}
