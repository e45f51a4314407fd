package dev.eksnode.amibuilder.remote;

import static dev.eksnode.amibuilder.remote.ShellQuoting.quote;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Uploads or downloads files and directories as one tar stream over one channel, keeping modes: an
 * upload is {@code tar -x} fed from a local archive built on the fly, a download is {@code tar -c}
 * unpacked locally. Paths follow Packer's trailing-slash rules (see {@link FileProvisionerConfig}).
 */
public final class FileProvisioner implements Provisioner {
  private static final Logger LOG = LoggerFactory.getLogger(FileProvisioner.class);

  private final FileProvisionerConfig config;

  public FileProvisioner(FileProvisionerConfig config) {
    this.config = config;
  }

  public FileProvisionerConfig config() {
    return config;
  }

  @Override
  public String description() {
    if (config.name() != null && !config.name().isBlank()) {
      return config.name();
    }
    return "file "
        + config.direction().name().toLowerCase(java.util.Locale.ROOT)
        + " "
        + config.source()
        + " -> "
        + config.destination();
  }

  @Override
  public void provision(SshSession ssh, LineSink output) throws InterruptedException {
    ssh.requireConnected(description());
    if (config.direction() == FileProvisionerConfig.Direction.DOWNLOAD) {
      download(ssh, output);
    } else {
      upload(ssh, output);
    }
  }

  /**
   * The remote command receiving an upload: unpack into the destination directory, or, for one file
   * to a path that is not an existing directory, write that file and give it the local mode.
   */
  String uploadCommand(boolean singleFile, String fileMode) {
    String destination = config.destination();
    String untar = "tar -x -p --no-same-owner -f - -C ";
    if (!singleFile || destination.endsWith("/")) {
      return "mkdir -p " + quote(destination) + " && " + untar + quote(destination);
    }
    // Like scp, a file sent to an existing directory lands inside it under its own name.
    return "if [ -d "
        + quote(destination)
        + " ]; then "
        + untar
        + quote(destination)
        + "; else mkdir -p "
        + quote(parentOf(destination))
        + " && tar -x -O -f - > "
        + quote(destination)
        + " && chmod "
        + fileMode
        + " "
        + quote(destination)
        + "; fi";
  }

  private void upload(SshSession ssh, LineSink output) throws InterruptedException {
    List<TarPacking.Item> items;
    try {
      items = TarPacking.itemsOf(config.source());
    } catch (IOException e) {
      throw new RemoteOperationException(description() + " failed: " + e.getMessage(), e);
    }
    boolean singleFile = items.size() == 1 && !Files.isDirectory(items.get(0).local());
    String command =
        uploadCommand(singleFile, singleFile ? modeString(items.get(0).local()) : null);
    OutputTail tail = new OutputTail(OutputTail.DEFAULT_LINES);
    ExecResult result =
        ssh.execWithInput(
            command, stdin -> TarPacking.writeTar(items, stdin), output.andThen(tail));
    check(result, tail);
    LOG.debug("{}: {} entries in one stream", description(), items.size());
  }

  private void download(SshSession ssh, LineSink output) throws InterruptedException {
    String source = config.source();
    String command;
    if (source.endsWith("/")) {
      command = "tar -c -f - -C " + quote(source) + " .";
    } else {
      String parent = parentOf(source);
      String name = source.substring(source.lastIndexOf('/') + 1);
      command = "tar -c -f - -C " + quote(parent) + " " + quote(name);
    }
    Path destination = Path.of(config.destination());
    boolean intoDirectory = config.destination().endsWith("/") || Files.isDirectory(destination);
    // For "dir" (no slash) to a new path, the path becomes the directory: unpack its parent, then
    // rename.
    OutputTail tail = new OutputTail(OutputTail.DEFAULT_LINES);
    AtomicInteger files = new AtomicInteger();
    Path unpackRoot = source.endsWith("/") || intoDirectory ? destination : staging(destination);
    Path fileTarget =
        source.endsWith("/")
            ? null
            : intoDirectory
                ? destination.resolve(source.substring(source.lastIndexOf('/') + 1))
                : destination;
    try {
      ExecResult result =
          ssh.execReadingOutput(
              command,
              stdout -> files.set(TarPacking.extract(stdout, unpackRoot, fileTarget)),
              output.andThen(tail));
      check(result, tail);
      if (unpackRoot != destination) {
        moveStagedDirectory(unpackRoot, destination);
      }
    } finally {
      if (unpackRoot != destination) {
        removeStaging(unpackRoot);
      }
    }
    LOG.debug("{}: {} files", description(), files.get());
  }

  /**
   * A fresh name beside the destination for unpacking a directory before it takes the destination's
   * name. It is not created here: only a directory's entries create it, so a single file never
   * leaves anything beside it.
   */
  private Path staging(Path destination) {
    Path parent = destination.toAbsolutePath().getParent();
    Path staged;
    do {
      staged =
          parent.resolve(
              ".download-"
                  + Long.toUnsignedString(
                      java.util.concurrent.ThreadLocalRandom.current().nextLong(), 36));
    } while (Files.exists(staged, java.nio.file.LinkOption.NOFOLLOW_LINKS));
    return staged;
  }

  /**
   * Whatever a failed or finished download left in its staging directory goes: only the destination
   * remains.
   */
  private void removeStaging(Path staged) {
    if (!Files.exists(staged, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (var paths = Files.walk(staged)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      LOG.warn(
          "{}: could not remove the staging directory {}: {}",
          description(),
          staged,
          e.getMessage());
    }
  }

  private void moveStagedDirectory(Path staged, Path destination) {
    if (!Files.isDirectory(staged)) {
      return;
    }
    try (var children = Files.list(staged)) {
      List<Path> top = children.toList();
      if (top.size() == 1 && Files.isDirectory(top.get(0))) {
        Files.move(top.get(0), destination);
      }
      Files.deleteIfExists(staged);
    } catch (IOException e) {
      throw new RemoteOperationException(
          description()
              + " failed: cannot move the download to "
              + destination
              + ": "
              + e.getMessage(),
          e);
    }
  }

  private void check(ExecResult result, OutputTail tail) {
    if (result.ending() == ExecResult.Ending.DISCONNECTED) {
      throw new ConnectionLostException("the SSH connection dropped during " + description());
    }
    if (!result.succeeded()) {
      throw new ProvisionerFailedException(description(), result, tail.lines());
    }
  }

  private static String parentOf(String path) {
    int slash = path.lastIndexOf('/');
    if (slash < 0) {
      return ".";
    }
    return slash == 0 ? "/" : path.substring(0, slash);
  }

  private static String modeString(Path local) {
    try {
      return String.format(
          "%04o",
          TarPacking.modeOf(
                  local,
                  new org.apache.commons.compress.archivers.tar.TarArchiveEntry(
                      local.toFile(), local.getFileName().toString()))
              & 07777);
    } catch (IOException e) {
      throw new RemoteOperationException(
          "cannot read the mode of " + local + ": " + e.getMessage(), e);
    }
  }
}
