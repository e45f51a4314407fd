package dev.eksnode.amibuilder.ebs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.rig.FaultProxy;
import dev.eksnode.amibuilder.rig.MotoExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * No credential value reaches anything a build writes. A real build (the jar as a child process, at
 * {@code -vv} so the SDK's and our debug logs are on) gets its keys from a {@code
 * credential_process} script and assumes a role with them through moto's STS; the fault proxy
 * rewrites the role's keys to recognisable ones. Then stdout, stderr (where the logs go), the
 * journal directory, the output directory with the manifest, and every other file the build left
 * under the test's directory are searched for each value.
 */
class CredentialSecrecyIT {
  @RegisterExtension static final MotoExtension MOTO = new MotoExtension();
  @TempDir Path tmp;

  static final String PROCESS_KEY = "AKIDLEAKPROCESS1";
  static final String PROCESS_SECRET = "procSecretLeakCheck0123456789abcdefghijkl";
  static final String PROCESS_TOKEN = "procTokenLeakCheck0123456789abcdefghijklmnop";
  static final String ROLE_KEY = "ASIALEAKROLEKEY1";
  static final String ROLE_SECRET = "roleSecretLeakCheck0123456789abcdefghijkl";
  static final String ROLE_TOKEN = "roleTokenLeakCheck0123456789abcdefghijklmnop";
  static final List<String> SECRETS =
      List.of(PROCESS_KEY, PROCESS_SECRET, PROCESS_TOKEN, ROLE_KEY, ROLE_SECRET, ROLE_TOKEN);

  @Test
  void build_withProcessAndAssumedRoleCredentials_writesNoCredentialValueAnywhere()
      throws Exception {
    try (BuildRig rig = new BuildRig(MOTO, tmp.resolve("rig"))) {
      Path userHome = Files.createDirectories(tmp.resolve("user"));
      Path aws = Files.createDirectories(userHome.resolve(".aws"));
      Path script = aws.resolve("creds.sh");
      Files.writeString(
          script,
          "#!/bin/sh\nprintf '{\"Version\": 1, \"AccessKeyId\": \"%s\", \"SecretAccessKey\": \"%s\","
              + " \"SessionToken\": \"%s\"}\\n' "
              + String.join(" ", PROCESS_KEY, PROCESS_SECRET, PROCESS_TOKEN)
              + "\n");
      Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
      Files.writeString(
          aws.resolve("config"),
          """
          [profile builder]
          role_arn = arn:aws:iam::123456789012:role/image-builder
          source_profile = vault
          role_session_name = secrecy
          [profile vault]
          credential_process = %s
          """
              .formatted(script));
      rig.proxy
          .on("AssumeRole")
          .always()
          .rewrite(
              body ->
                  body.replaceAll(
                          "<AccessKeyId>[^<]*</AccessKeyId>",
                          "<AccessKeyId>" + ROLE_KEY + "</AccessKeyId>")
                      .replaceAll(
                          "<SecretAccessKey>[^<]*</SecretAccessKey>",
                          "<SecretAccessKey>" + ROLE_SECRET + "</SecretAccessKey>")
                      .replaceAll(
                          "<SessionToken>[^<]*</SessionToken>",
                          "<SessionToken>" + ROLE_TOKEN + "</SessionToken>"));

      // Twice: console lines, then JSON events (which carry every field of every event).
      int code = runChild(rig, userHome, "text", "-vv");
      String output = output("text");
      assertEquals(0, code, output);
      code = runChild(rig, userHome, "json", "-vv", "--json");
      assertEquals(0, code, output("json"));

      // The build really used these credentials: the process's key assumed the role, the role's
      // key made the image.
      List<FaultProxy.Request> assume = rig.proxy.requests("AssumeRole");
      assertEquals(2, assume.size(), rig.proxy.calls().toString());
      assume.forEach(a -> assertEquals(PROCESS_KEY, a.accessKeyId()));
      assertEquals(Set.of(ROLE_KEY), signers(rig, "RunInstances", "CreateImage"));
      assertTrue(output.contains("DEBUG"), "the debug logs were on:\n" + output);

      // Then the search: every file under the test's directory except the user's own AWS files.
      List<Path> searched = new ArrayList<>();
      try (Stream<Path> files = Files.walk(tmp)) {
        for (Path f : files.filter(Files::isRegularFile).toList()) {
          if (f.startsWith(aws)) {
            continue;
          }
          searched.add(f);
          String text = read(f);
          for (String secret : SECRETS) {
            assertFalse(
                text.contains(secret),
                () -> secret + " appears in " + f + ":\n" + lines(text, secret));
          }
        }
      }
      assertTrue(
          searched.stream().anyMatch(f -> f.startsWith(rig.stateDir)),
          "the journal was searched: " + searched);
      assertTrue(
          searched.stream().anyMatch(f -> f.startsWith(rig.outputDir)),
          "the manifest was searched: " + searched);
      assertTrue(searched.contains(tmp.resolve("text.err")), searched.toString());
      assertTrue(searched.contains(tmp.resolve("json.out")), searched.toString());
    }
  }

  /** The lines that hold the value, the value itself masked, to say which code wrote it. */
  private static String lines(String text, String secret) {
    return text.lines()
        .filter(l -> l.contains(secret))
        .map(l -> l.replace(secret, "<" + secret.substring(0, 8) + "...>"))
        .map(l -> l.length() > 2000 ? l.substring(0, 2000) + "..." : l)
        .reduce("", (a, b) -> a + b + "\n");
  }

  private static Set<String> signers(BuildRig rig, String... actions) {
    Set<String> keys = new java.util.TreeSet<>();
    for (String action : actions) {
      List<FaultProxy.Request> calls = rig.proxy.requests(action);
      assertFalse(calls.isEmpty(), "no " + action + " call: " + rig.proxy.calls());
      calls.forEach(c -> keys.add(c.accessKeyId()));
    }
    return keys;
  }

  private int runChild(BuildRig rig, Path userHome, String name, String... extra) throws Exception {
    String jar = System.getProperty("amibuilder.jar");
    assertTrue(
        jar != null && Files.isRegularFile(Path.of(jar)), "amibuilder.jar not built: " + jar);
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                jar,
                "k8s",
                "--kubernetes-version",
                rig.kubernetesVersion,
                "--kubernetes-build-date",
                rig.buildDate,
                "--region",
                BuildRig.REGION,
                "--endpoint-url",
                rig.proxy.endpoint().toString(),
                "--output-dir",
                rig.outputDir.toString(),
                "--profile",
                "builder",
                "temporary_security_group_source_cidrs=127.0.0.1/32"));
    cmd.addAll(List.of(extra));
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .directory(rig.home.work.toFile())
            .redirectOutput(tmp.resolve(name + ".out").toFile())
            .redirectError(tmp.resolve(name + ".err").toFile());
    // Only what the build needs: no AWS variables of this machine leak in.
    pb.environment().clear();
    pb.environment().putAll(rig.home.env);
    pb.environment().remove("AWS_ACCESS_KEY_ID");
    pb.environment().remove("AWS_SECRET_ACCESS_KEY");
    pb.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
    pb.environment().put("HOME", userHome.toString());
    pb.environment().put("AWS_EC2_METADATA_DISABLED", "true");
    pb.environment().put("AMI_BUILDER_HOME", rig.home.home.toString());
    Process child = pb.start();
    assertTrue(child.waitFor(180, TimeUnit.SECONDS), "the build did not finish");
    return child.exitValue();
  }

  private String output(String name) throws IOException {
    return Files.readString(tmp.resolve(name + ".out"))
        + Files.readString(tmp.resolve(name + ".err"));
  }

  private static String read(Path f) {
    try {
      return new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
