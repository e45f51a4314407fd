package dev.eksnode.amibuilder.ebs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.cli.ScriptedTerminal;
import dev.eksnode.amibuilder.cli.TestHome;
import dev.eksnode.amibuilder.rig.FaultProxy;
import dev.eksnode.amibuilder.rig.MotoExtension;
import dev.eksnode.amibuilder.rig.MotoState;
import dev.eksnode.amibuilder.rig.SshdExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.KeyPairInfo;

/**
 * Failed builds you can enter, on moto and a real sshd: {@code --on-error ask} answered with retry,
 * abort and clean up from a scripted terminal, refused without one; a kept build's ssh line and
 * cleanup command, and with {@code --debug-keep-key} a 0600 key file that opens the instance with
 * the printed {@code ssh} command.
 */
class EnterFailedBuildIT {
  @RegisterExtension static final MotoExtension MOTO = new MotoExtension();
  @RegisterExtension static final SshdExtension SSHD = new SshdExtension();

  private static final Pattern ENTER = Pattern.compile("Enter the instance with: (ssh .*)");
  private static final Pattern REMOVE =
      Pattern.compile("Remove them with: (ami-builder cleanup .*)");

  @TempDir Path tmp;

  private static final Pattern BUILD_ID = Pattern.compile("(ab-\\d{8}T\\d{4}-[0-9a-z]{6})");

  private static String buildId(TestHome.Result r) {
    Matcher m = BUILD_ID.matcher(r.out() + r.err());
    assertTrue(m.find(), r.out() + r.err());
    return m.group(1);
  }

  private static String group(Pattern pattern, TestHome.Result r) {
    Matcher m = pattern.matcher(r.err());
    assertTrue(m.find(), pattern + " not in: " + r.err());
    return m.group(1).strip();
  }

  private static long count(String text, String part) {
    return text.split(Pattern.quote(part), -1).length - 1L;
  }

  /** Every file under {@code dir} that holds an OpenSSH private key. */
  private static List<Path> privateKeysUnder(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files
          .filter(Files::isRegularFile)
          .filter(
              f -> {
                try {
                  return new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1)
                      .contains("PRIVATE KEY");
                } catch (IOException e) {
                  return false;
                }
              })
          .toList();
    }
  }

  /**
   * Runs the printed cleanup command word for word and expects nothing left: it names the build's
   * endpoint itself, so it reaches the same (emulated) account.
   */
  private static void runPrintedCleanup(BuildRig rig, TestHome.Result r, MotoState before) {
    String command = group(REMOVE, r);
    assertTrue(
        command.endsWith(" --endpoint-url " + rig.proxy.endpoint()),
        "the cleanup command does not name the build's endpoint: " + command);
    List<String> words = new ArrayList<>(Arrays.asList(command.split(" ")));
    assertEquals("ami-builder", words.remove(0));
    rig.proxy.clear();
    TestHome.Result cleanup = rig.cli(words.toArray(String[]::new));
    assertEquals(0, cleanup.code(), cleanup.err() + cleanup.out());
    assertEquals(Set.of(), rig.state().diff(before));
  }

  private static Set<MotoState.Kind> kinds(Set<MotoState.Resource> resources) {
    return resources.stream().map(MotoState.Resource::kind).collect(Collectors.toSet());
  }

  @Test
  void ask_retry_undoesTheFailedStepAndRunsItAgain_thenTheBuildSucceeds() {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      MotoState before = rig.state();
      rig.proxy
          .on("AuthorizeSecurityGroupIngress")
          .call(1)
          .fail(400, "InvalidPermission.Malformed", "injected");
      ScriptedTerminal terminal = new ScriptedTerminal("r");
      rig.home.terminal = terminal;

      TestHome.Result r = rig.build("--on-error", "ask");

      assertEquals(0, r.code(), r.err() + r.out());
      assertEquals(1, terminal.reads());
      assertEquals(1, count(r.err(), "[c] clean up"), r.err());
      assertTrue(
          r.err().contains("step security-group failed: InvalidPermission.Malformed: injected"),
          r.err());
      assertTrue(r.err().contains("Retrying step security-group"), r.err());
      // The first group was removed before the step ran again; the second at the end.
      assertEquals(2, rig.proxy.count("CreateSecurityGroup"));
      assertEquals(2, rig.proxy.count("DeleteSecurityGroup"));
      assertEquals(
          Set.of(MotoState.Kind.IMAGE, MotoState.Kind.SNAPSHOT), kinds(rig.state().diff(before)));
    }
  }

  @Test
  void ask_retryOfALaunchThatWasRefused_launchesWithAFreshClientToken() {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      MotoState before = rig.state();
      rig.proxy.on("RunInstances").call(1).fail(400, "InsufficientInstanceCapacity", "injected");
      rig.home.terminal = new ScriptedTerminal("retry");

      TestHome.Result r = rig.build("--on-error", "ask");

      assertEquals(0, r.code(), r.err() + r.out());
      List<String> tokens =
          rig.proxy.requests("RunInstances").stream().map(q -> q.param("ClientToken")).toList();
      String id = buildId(r);
      assertEquals(List.of(id + "-launch", id + "-launch-retry1"), tokens);
      assertEquals(
          Set.of(MotoState.Kind.IMAGE, MotoState.Kind.SNAPSHOT), kinds(rig.state().diff(before)));
    }
  }

  @Test
  void ask_abort_keepsEverything_printsTheSshLineAndTheCleanupCommand_andWritesNoKey()
      throws IOException {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      MotoState before = rig.state();
      rig.proxy.on("StopInstances").call(1).fail(400, "InvalidParameterValue", "injected");
      rig.home.terminal = new ScriptedTerminal("a");

      TestHome.Result r = rig.build("--on-error", "ask");

      assertEquals(3, r.code(), r.err() + r.out());
      String id = buildId(r);
      assertTrue(
          r.err().contains("Kept for debugging (abort answered to --on-error ask):"), r.err());
      Set<MotoState.Resource> kept = rig.state().diff(before);
      assertTrue(kinds(kept).contains(MotoState.Kind.INSTANCE), kept.toString());
      Instance instance =
          rig.ec2()
              .describeInstances(
                  q ->
                      q.instanceIds(
                          kept.stream()
                              .filter(x -> x.kind() == MotoState.Kind.INSTANCE)
                              .findFirst()
                              .orElseThrow()
                              .id()))
              .reservations()
              .get(0)
              .instances()
              .get(0);
      assertEquals(
          "ssh -i <your key> -p 22 ec2-user@" + instance.publicIpAddress(), group(ENTER, r));
      assertTrue(r.err().contains("run with --debug-keep-key"), r.err());
      assertEquals(
          "ami-builder cleanup --build-id "
              + id
              + " --region "
              + BuildRig.REGION
              + " --endpoint-url "
              + rig.proxy.endpoint(),
          group(REMOVE, r));
      assertEquals(List.of(), privateKeysUnder(tmp), "no key may be written without the flag");

      runPrintedCleanup(rig, r, before);
    }
  }

  /**
   * A build run with {@code --profile} prints a cleanup command with that profile, and the command
   * run word for word signs every call with the profile's keys: without it, a user with another
   * default profile would look for the build in the wrong account.
   */
  @Test
  void onErrorAbort_withAProfile_theCleanupCommandNamesItAndSignsWithItsKeys() throws IOException {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      MotoState before = rig.state();
      Path userHome = Files.createDirectories(tmp.resolve("user"));
      Path aws = Files.createDirectories(userHome.resolve(".aws"));
      Files.writeString(
          aws.resolve("credentials"),
          "[team]\naws_access_key_id = AKIDTEAM00000001\naws_secret_access_key = s\n");
      rig.home.env.remove("AWS_ACCESS_KEY_ID");
      rig.home.env.remove("AWS_SECRET_ACCESS_KEY");
      rig.home.env.put("HOME", userHome.toString());
      rig.home.env.put("AWS_EC2_METADATA_DISABLED", "true");
      rig.proxy.on("StopInstances").call(1).fail(400, "InvalidParameterValue", "injected");

      TestHome.Result r = rig.build("--on-error", "abort", "--profile", "team");

      assertEquals(3, r.code(), r.err() + r.out());
      assertEquals(
          "ami-builder cleanup --build-id "
              + buildId(r)
              + " --region "
              + BuildRig.REGION
              + " --profile team --endpoint-url "
              + rig.proxy.endpoint(),
          group(REMOVE, r));
      assertEquals(
          Set.of("AKIDTEAM00000001"),
          rig.proxy.requests("RunInstances").stream()
              .map(FaultProxy.Request::accessKeyId)
              .collect(Collectors.toSet()));

      runPrintedCleanup(rig, r, before);
      assertEquals(
          Set.of("AKIDTEAM00000001"),
          rig.proxy.requests("TerminateInstances").stream()
              .map(FaultProxy.Request::accessKeyId)
              .collect(Collectors.toSet()),
          "the cleanup must sign with the profile's keys");
    }
  }

  @Test
  void ask_cleanUp_afterAnAnswerItDidNotKnow_removesEverything() {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      MotoState before = rig.state();
      rig.proxy.on("StopInstances").call(1).fail(400, "InvalidParameterValue", "injected");
      ScriptedTerminal terminal = new ScriptedTerminal("maybe", "c");
      rig.home.terminal = terminal;

      TestHome.Result r = rig.build("--on-error", "ask");

      assertEquals(1, r.code(), r.err() + r.out());
      assertEquals(2, terminal.reads());
      assertTrue(r.err().contains("Answer c, a or r, not 'maybe'"), r.err());
      assertFalse(r.err().contains("Kept for debugging"), r.err());
      assertEquals(Set.of(), rig.state().diff(before));
    }
  }

  @Test
  void ask_withoutATerminal_isRefusedWithExit2BeforeAnyAwsCall() {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      MotoState before = rig.state();
      rig.home.terminal = null;

      TestHome.Result r = rig.build("--on-error", "ask");

      assertEquals(2, r.code(), r.err() + r.out());
      assertEquals(1, r.errLines().size(), r.err());
      String line = r.errLines().get(0);
      assertTrue(line.startsWith("error: --on-error ask needs a terminal"), line);
      assertTrue(line.contains("--on-error abort"), line);
      assertEquals(List.of(), rig.proxy.calls());
      assertEquals(Set.of(), rig.state().diff(before));
    }
  }

  @Test
  void debugKeepKey_withOnErrorCleanup_isRefusedWithExit2BeforeAnyAwsCall() {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      TestHome.Result r = rig.build("--debug-keep-key");

      assertEquals(2, r.code(), r.err() + r.out());
      assertEquals(1, r.errLines().size(), r.err());
      assertTrue(r.errLines().get(0).contains("--debug-keep-key"), r.err());
      assertTrue(r.errLines().get(0).contains("--on-error abort"), r.err());
      assertEquals(List.of(), rig.proxy.calls());
    }
  }

  @Test
  void abort_withDebugKeepKey_writesA0600KeyAndThePrintedSshCommandOpensTheInstance()
      throws Exception {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      MotoState before = rig.state();
      rig.proxy.on("StopInstances").call(1).fail(400, "InvalidParameterValue", "injected");

      TestHome.Result r =
          rig.build(
              "--on-error",
              "abort",
              "--debug-keep-key",
              "--json",
              "ssh_host=" + SSHD.host(),
              "ssh_port=" + SSHD.port(),
              "ssh_username=" + SSHD.user());

      assertEquals(3, r.code(), r.err() + r.out());
      String id = buildId(r);
      Path key = rig.outputDir.resolve(id + ".pem");
      assertTrue(Files.isRegularFile(key), r.err());
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
      assertTrue(r.err().contains("SSH key written to " + key + " (mode 0600"), r.err());
      assertEquals(List.of(key), privateKeysUnder(tmp));
      String ssh = group(ENTER, r);
      assertEquals(
          "ssh -i " + key + " -p " + SSHD.port() + " " + SSHD.user() + "@" + SSHD.host(), ssh);
      // --json: the result event carries the same command and the key's path.
      var json = new com.fasterxml.jackson.databind.ObjectMapper();
      var result =
          json.readTree(
              r.out()
                  .lines()
                  .filter(l -> l.contains("\"event\":\"result\""))
                  .reduce((a, b) -> b)
                  .orElseThrow());
      assertEquals(ssh, result.get("ssh_command").asText());
      assertEquals(key.toString(), result.get("key_file").asText());
      assertEquals(3, result.get("exit_code").asInt());

      // The instance accepts the key pair the build imported (and kept), as EC2 would install it.
      String publicKey =
          rig
              .ec2()
              .describeKeyPairs(q -> q.keyNames("ami-builder-" + id).includePublicKey(true))
              .keyPairs()
              .stream()
              .map(KeyPairInfo::publicKey)
              .findFirst()
              .orElseThrow();
      SSHD.authorize(publicKey.strip());

      // The printed command, run for real; the options only keep ssh from asking about the host
      // key and from trying any other key.
      List<String> command = new ArrayList<>(Arrays.asList(ssh.split(" ")));
      command.addAll(
          1,
          List.of(
              "-o", "BatchMode=yes",
              "-o", "StrictHostKeyChecking=no",
              "-o", "UserKnownHostsFile=/dev/null",
              "-o", "IdentitiesOnly=yes",
              "-o", "IdentityAgent=none"));
      command.add("echo entered-$((40 + 2))");
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      assertTrue(process.waitFor(30, TimeUnit.SECONDS), "ssh did not finish");
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(0, process.exitValue(), output + "\n" + SSHD.logTail());
      assertTrue(output.contains("entered-42"), output);

      runPrintedCleanup(rig, r, before);
    }
  }
}
