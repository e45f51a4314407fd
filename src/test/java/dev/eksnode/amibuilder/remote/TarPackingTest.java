package dev.eksnode.amibuilder.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TarPackingTest {
  @TempDir Path tmp;
  private Path files;

  @BeforeEach
  void tree() throws IOException {
    files = tmp.resolve("files");
    Files.createDirectories(files.resolve("bin"));
    Files.writeString(files.resolve("bootstrap.sh"), "#!/bin/sh\necho hi\n");
    Files.writeString(files.resolve("bin/imds"), "imds");
    Files.setPosixFilePermissions(
        files.resolve("bin/imds"), PosixFilePermissions.fromString("rwxr-x---"));
    Files.setPosixFilePermissions(
        files.resolve("bin"), PosixFilePermissions.fromString("rwx--x--x"));
  }

  private static Map<String, Integer> entries(byte[] tar) throws IOException {
    Map<String, Integer> modes = new LinkedHashMap<>();
    try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
      TarArchiveEntry entry;
      while ((entry = in.getNextEntry()) != null) {
        modes.put(entry.getName(), entry.getMode() & 07777);
      }
    }
    return modes;
  }

  private static byte[] tar(List<TarPacking.Item> items) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TarPacking.writeTar(items, out);
    return out.toByteArray();
  }

  @Test
  void itemsOf_withTrailingSlash_sendsTheContentsOnly() throws IOException {
    Map<String, Integer> modes = entries(tar(TarPacking.itemsOf(files + "/")));

    assertEquals(List.of("bin/", "bin/imds", "bootstrap.sh"), new ArrayList<>(modes.keySet()));
    assertEquals(0711, modes.get("bin/"));
    assertEquals(0750, modes.get("bin/imds"));
  }

  @Test
  void itemsOf_withoutTrailingSlash_sendsTheDirectoryItself() throws IOException {
    Map<String, Integer> modes = entries(tar(TarPacking.itemsOf(files.toString())));

    assertEquals(
        List.of("files/", "files/bin/", "files/bin/imds", "files/bootstrap.sh"),
        new ArrayList<>(modes.keySet()));
  }

  @Test
  void itemsOf_singleFile_isOneEntryNamedAfterIt() throws IOException {
    assertEquals(
        List.of("bootstrap.sh"),
        new ArrayList<>(
            entries(tar(TarPacking.itemsOf(files.resolve("bootstrap.sh").toString()))).keySet()));
  }

  @Test
  void itemsOf_missingSource_failsWithItsName() {
    IOException error = assertThrows(IOException.class, () -> TarPacking.itemsOf(tmp + "/nope"));
    assertTrue(error.getMessage().contains("nope"));
  }

  @Test
  void extract_restoresContentAndModes() throws IOException {
    byte[] archive = tar(TarPacking.itemsOf(files + "/"));
    Path target = tmp.resolve("out");

    int count = TarPacking.extract(new ByteArrayInputStream(archive), target, null);

    assertEquals(2, count);
    assertEquals("imds", Files.readString(target.resolve("bin/imds")));
    assertEquals(
        "rwxr-x---",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(target.resolve("bin/imds"))));
    assertEquals(
        "rwx--x--x",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(target.resolve("bin"))));
  }

  @Test
  void extract_refusesEntriesEscapingTheTarget() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream out = new TarArchiveOutputStream(bytes)) {
      TarArchiveEntry evil = new TarArchiveEntry("../evil");
      byte[] data = "x".getBytes(StandardCharsets.UTF_8);
      evil.setSize(data.length);
      out.putArchiveEntry(evil);
      out.write(data);
      out.closeArchiveEntry();
    }
    IOException error =
        assertThrows(
            IOException.class,
            () ->
                TarPacking.extract(
                    new ByteArrayInputStream(bytes.toByteArray()), tmp.resolve("safe"), null));
    assertTrue(error.getMessage().contains("outside"));
    assertTrue(Files.notExists(tmp.resolve("evil")));
  }

  private static byte[] tarWith(String... names) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream out = new TarArchiveOutputStream(bytes)) {
      for (String name : names) {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        byte[] data = name.endsWith("/") ? new byte[0] : "x".getBytes(StandardCharsets.UTF_8);
        entry.setSize(data.length);
        out.putArchiveEntry(entry);
        out.write(data);
        out.closeArchiveEntry();
      }
    }
    return bytes.toByteArray();
  }

  /**
   * A download naming a file target (a source without trailing slash) still keeps every other entry
   * inside.
   */
  @Test
  void extract_withAFileTarget_stillRefusesEntriesEscapingTheTarget() throws IOException {
    Path target = Files.createDirectories(tmp.resolve("out/stage"));
    Path fileTarget = tmp.resolve("out/version-info.json");
    for (String name :
        List.of("x/../../../escaped", "x/../../../escaped-dir/", "./x/../../../escaped")) {
      IOException error =
          assertThrows(
              IOException.class,
              () ->
                  TarPacking.extract(
                      new ByteArrayInputStream(tarWith("x/", name)), target, fileTarget),
              name);
      assertTrue(error.getMessage().contains("outside"), error.getMessage());
    }
    assertTrue(Files.notExists(tmp.resolve("escaped")));
    assertTrue(Files.notExists(tmp.resolve("escaped-dir")));
  }

  @Test
  void extract_withAFileTarget_writesTheSingleFileThere() throws IOException {
    Path fileTarget = tmp.resolve("out/renamed.json");

    int count =
        TarPacking.extract(
            new ByteArrayInputStream(tarWith("version-info.json")),
            tmp.resolve("stage"),
            fileTarget);

    assertEquals(1, count);
    assertEquals("x", Files.readString(fileTarget));
  }
}
