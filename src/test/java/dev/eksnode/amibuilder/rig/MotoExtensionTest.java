package dev.eksnode.amibuilder.rig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.rig.MotoServer.MotoStartException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MotoExtensionTest {

  @TempDir Path project;

  @Test
  void locateMoto_withNothingInstalled_failsTellingToRunTheSetUp() {
    MotoStartException error =
        assertThrows(MotoStartException.class, () -> MotoExtension.locateMoto(null, null, project));

    assertTrue(error.getMessage().contains("run bin/run-tests"), error.getMessage());
  }

  @Test
  void locateMoto_withPropertyNamingNoExecutable_failsNamingTheProperty() {
    MotoStartException error =
        assertThrows(
            MotoStartException.class,
            () -> MotoExtension.locateMoto("/nonexistent/moto_server", null, project));

    assertTrue(error.getMessage().contains(MotoExtension.MOTO_PROPERTY), error.getMessage());
  }

  @Test
  void locateMoto_prefersPropertyThenEnvironmentThenProjectVenv() throws Exception {
    Path venvMoto = executable(project.resolve(".rig/venv/bin/moto_server"));
    Path fromEnv = executable(project.resolve("env/moto_server"));
    Path fromProperty = executable(project.resolve("prop/moto_server"));

    assertEquals(
        fromProperty,
        MotoExtension.locateMoto(fromProperty.toString(), fromEnv.toString(), project));
    assertEquals(fromEnv, MotoExtension.locateMoto("", fromEnv.toString(), project));
    assertEquals(venvMoto, MotoExtension.locateMoto(null, null, project));
  }

  private static Path executable(Path path) throws Exception {
    Files.createDirectories(path.getParent());
    Files.writeString(path, "#!/bin/sh\n");
    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
    return path;
  }
}
