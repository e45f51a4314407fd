package dev.eksnode.amibuilder.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.rig.SshdExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class FileProvisionerIT {
  @RegisterExtension static final SshdExtension SSHD = new SshdExtension();

  private static final Ed25519Keys.GeneratedKey KEY = Ed25519Keys.generate();

  @TempDir Path local;
  private SshSession ssh;
  private Path files;

  @BeforeEach
  void setUp() throws Exception {
    SSHD.start();
    SSHD.authorize(KEY.publicKeyLine());
    ssh =
        SshSession.connect(
            SshTarget.of(SSHD.host(), SSHD.port(), SSHD.user(), KEY.keyPair())
                .withConnectTimeout(Duration.ofSeconds(10)),
            HostKeyPolicy.trustOnFirstUse(),
            Redactor.none());
    files = local.resolve("files");
    Files.createDirectories(files.resolve("bin"));
    Files.createDirectories(files.resolve("etc/deep/er"));
    write(files.resolve("bootstrap.sh"), "#!/bin/sh\n", "rwxr-xr-x");
    write(files.resolve("bin/imds"), "imds tool", "rwx------");
    write(files.resolve("etc/deep/er/config.json"), "{\"a\": 1}", "rw-r-----");
    write(files.resolve("etc/empty-mode"), "", "r--------");
    Files.setPosixFilePermissions(
        files.resolve("etc/deep"), PosixFilePermissions.fromString("rwxr-x---"));
  }

  @AfterEach
  void close() {
    ssh.close();
  }

  private static void write(Path path, String content, String mode) throws IOException {
    Files.writeString(path, content);
    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(mode));
  }

  /** Lists "relative-path mode" lines as the remote host sees them. */
  private List<String> remoteTree(String dir) throws InterruptedException {
    List<String> lines = new ArrayList<>();
    ExecResult result =
        ssh.exec(
            "cd '" + dir + "' && find . -mindepth 1 -printf '%P %m\\n' | sort",
            false,
            (kind, line) -> lines.add(line));
    assertTrue(result.succeeded(), lines.toString());
    return lines;
  }

  private String remote(String name) {
    return SSHD.workDir().resolve(name).toString();
  }

  private static final List<String> TREE =
      List.of(
          "bin 755",
          "bin/imds 700",
          "bootstrap.sh 755",
          "etc 755",
          "etc/deep 750",
          "etc/deep/er 755",
          "etc/deep/er/config.json 640",
          "etc/empty-mode 400");

  @Test
  void upload_directoryWithTrailingSlash_sendsItsContentsWithModesInOneRoundTrip()
      throws Exception {
    int channelsBefore = ssh.channelCount();

    new FileProvisioner(FileProvisionerConfig.upload(files + "/", remote("worker") + "/"))
        .provision(ssh, LineSink.discard());

    assertEquals(channelsBefore + 1, ssh.channelCount());
    assertEquals(TREE, remoteTree(remote("worker")));
    assertEquals(
        "{\"a\": 1}", Files.readString(SSHD.workDir().resolve("worker/etc/deep/er/config.json")));
  }

  @Test
  void upload_directoryWithoutTrailingSlash_placesTheDirectoryInside() throws Exception {
    new FileProvisioner(FileProvisionerConfig.upload(files.toString(), remote("nest")))
        .provision(ssh, LineSink.discard());

    List<String> tree = remoteTree(remote("nest"));
    assertEquals("files 755", tree.get(0));
    assertTrue(tree.contains("files/etc/deep/er/config.json 640"), tree.toString());
  }

  @Test
  void upload_file_toNewPathRenamesAndToDirectoryKeepsItsName() throws Exception {
    Files.createDirectories(SSHD.workDir().resolve("existing"));

    new FileProvisioner(
            FileProvisionerConfig.upload(
                files.resolve("bin/imds").toString(), remote("one/renamed")))
        .provision(ssh, LineSink.discard());
    new FileProvisioner(
            FileProvisionerConfig.upload(files.resolve("bin/imds").toString(), remote("existing")))
        .provision(ssh, LineSink.discard());

    assertEquals(List.of("renamed 700"), remoteTree(remote("one")));
    assertEquals(List.of("imds 700"), remoteTree(remote("existing")));
    assertEquals("imds tool", Files.readString(SSHD.workDir().resolve("one/renamed")));
  }

  @Test
  void download_file_writesTheLocalPath() throws Exception {
    Files.writeString(SSHD.workDir().resolve("version-info.json"), "{\"kernel\":\"5.10\"}");
    Path target = local.resolve("out/ami-version-info.json");

    new FileProvisioner(
            FileProvisionerConfig.download(remote("version-info.json"), target.toString()))
        .provision(ssh, LineSink.discard());

    assertEquals("{\"kernel\":\"5.10\"}", Files.readString(target));
  }

  @Test
  void download_directory_withAndWithoutTrailingSlash_keepsModes() throws Exception {
    new FileProvisioner(FileProvisionerConfig.upload(files + "/", remote("src")))
        .provision(ssh, LineSink.discard());

    Path contents = local.resolve("contents");
    new FileProvisioner(FileProvisionerConfig.download(remote("src") + "/", contents.toString()))
        .provision(ssh, LineSink.discard());
    Path itself = local.resolve("itself");
    new FileProvisioner(FileProvisionerConfig.download(remote("src"), itself.toString()))
        .provision(ssh, LineSink.discard());

    assertEquals(
        "rwx------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(contents.resolve("bin/imds"))));
    assertEquals(
        "rwxr-x---",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(contents.resolve("etc/deep"))));
    assertEquals("{\"a\": 1}", Files.readString(contents.resolve("etc/deep/er/config.json")));
    assertEquals("{\"a\": 1}", Files.readString(itself.resolve("etc/deep/er/config.json")));
  }

  @Test
  void download_missingFile_failsWithTheRemoteError_andLeavesNothingLocally() throws Exception {
    Path out = Files.createDirectories(local.resolve("out"));
    Files.writeString(out.resolve("manifest.json"), "{}");
    ProvisionerFailedException error =
        assertThrows(
            ProvisionerFailedException.class,
            () ->
                new FileProvisioner(
                        FileProvisionerConfig.download(remote("missing.json"), out + "/x.json"))
                    .provision(ssh, LineSink.discard()));

    assertTrue(error.getMessage().contains("missing.json"), error.getMessage());
    assertTrue(error.exitStatus() != 0);
    try (Stream<Path> listing = Files.list(out)) {
      assertEquals(List.of("manifest.json"), listing.map(p -> p.getFileName().toString()).toList());
    }
  }

  @Test
  void download_file_toANewPath_stagesNothingBesideIt() throws Exception {
    Files.writeString(SSHD.workDir().resolve("version-info.json"), "{}");
    Path out = Files.createDirectories(local.resolve("out"));

    new FileProvisioner(
            FileProvisionerConfig.download(
                remote("version-info.json"), out + "/ami-version-info.json"))
        .provision(ssh, LineSink.discard());

    try (Stream<Path> listing = Files.list(out)) {
      assertEquals(
          List.of("ami-version-info.json"), listing.map(p -> p.getFileName().toString()).toList());
    }
  }

  @Test
  void upload_missingLocalSource_failsBeforeTouchingTheHost() {
    int channelsBefore = ssh.channelCount();
    RemoteOperationException error =
        assertThrows(
            RemoteOperationException.class,
            () ->
                new FileProvisioner(FileProvisionerConfig.upload(local + "/nope/", remote("x")))
                    .provision(ssh, LineSink.discard()));

    assertTrue(error.getMessage().contains("does not exist"), error.getMessage());
    assertEquals(channelsBefore, ssh.channelCount());
  }
}
