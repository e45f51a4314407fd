package dev.eksnode.amibuilder.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.rig.SshdExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ShellProvisionerIT {
  @RegisterExtension static final SshdExtension SSHD = new SshdExtension();

  private static final Ed25519Keys.GeneratedKey KEY = Ed25519Keys.generate();

  @TempDir Path local;
  private final List<String> output = new CopyOnWriteArrayList<>();
  private final LineSink sink = (kind, line) -> output.add(line);
  private final List<SshSession> sessions = new ArrayList<>();

  @BeforeEach
  void startSshd() {
    SSHD.start();
    SSHD.authorize(KEY.publicKeyLine());
  }

  @AfterEach
  void closeSessions() {
    sessions.forEach(SshSession::close);
  }

  private SshSession connect(boolean pty, Redactor redactor) throws InterruptedException {
    SshTarget target =
        SshTarget.of(SSHD.host(), SSHD.port(), SSHD.user(), KEY.keyPair())
            .withConnectTimeout(Duration.ofSeconds(10))
            .withPty(pty);
    SshSession ssh = SshSession.connect(target, HostKeyPolicy.trustOnFirstUse(), redactor);
    sessions.add(ssh);
    return ssh;
  }

  private String remote() {
    return SSHD.workDir().toString();
  }

  /** What is left in a remote folder. */
  private static List<String> listing(Path dir) throws java.io.IOException {
    try (var files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @ParameterizedTest(name = "pty={0}")
  @ValueSource(booleans = {false, true})
  void environmentVars_withAwkwardValues_reachTheScriptExactly(boolean pty) throws Exception {
    Map<String, String> values = new LinkedHashMap<>();
    values.put("SPACES", "a value  with   spaces");
    values.put("QUOTES", "it's \"quoted\" '''");
    values.put("DOLLARS", "$HOME ${PATH} $(id -u) `id -u`");
    values.put("NEWLINES", "line1\nline2\n\nline4");
    values.put("BACKSLASHES", "C:\\path\\to\\ \\n \\\\");
    values.put("EMPTY", "");
    ShellProvisionerConfig.Builder builder =
        ShellProvisionerConfig.inline(
                values.keySet().stream()
                    .map(k -> "printf '%s' \"$" + k + "\" > " + remote() + "/env-" + pty + "-" + k)
                    .toArray(String[]::new))
            .remoteFolder(remote());
    values.forEach(builder::env);

    new ShellProvisioner(builder.build()).provision(connect(pty, Redactor.none()), sink);

    for (Map.Entry<String, String> entry : values.entrySet()) {
      assertEquals(
          entry.getValue(),
          Files.readString(SSHD.workDir().resolve("env-" + pty + "-" + entry.getKey())),
          entry.getKey());
    }
  }

  @Test
  void scripts_runInOrderWithPackerVariablesAndAreRemovedAfterwards() throws Exception {
    Path first =
        Files.writeString(
            local.resolve("first.sh"), "#!/bin/bash\necho \"first $PACKER_BUILD_NAME\"\n");
    Path second =
        Files.writeString(
            local.resolve("second.sh"), "#!/bin/sh\necho \"second $PACKER_BUILDER_TYPE $0\"\n");
    ShellProvisioner provisioner =
        new ShellProvisioner(
            ShellProvisionerConfig.scripts(List.of(first, second))
                .remoteFolder(remote())
                .remoteFile("run.sh")
                .build());

    provisioner.provision(connect(true, Redactor.none()), sink);

    assertEquals(List.of("first amazon-ebs", "second amazon-ebs " + remote() + "/run.sh"), output);
    assertFalse(Files.exists(SSHD.workDir().resolve("run.sh")), "script left behind");
  }

  @Test
  void inline_runsWithTheDefaultShebangWhichStopsAtTheFirstError() throws Exception {
    ShellProvisioner provisioner =
        new ShellProvisioner(
            ShellProvisionerConfig.inline("echo one", "false", "echo never")
                .remoteFolder(remote())
                .build());

    ProvisionerFailedException error =
        assertThrows(
            ProvisionerFailedException.class,
            () -> provisioner.provision(connect(false, Redactor.none()), sink));

    assertEquals(1, error.exitStatus());
    assertEquals(List.of("one"), output);
  }

  @Test
  void executeCommand_custom_passesArgumentsWithoutVars() throws Exception {
    Path script =
        Files.writeString(
            local.resolve("gen.sh"),
            "#!/bin/sh\necho \"arg=$1 vars=${PACKER_BUILD_NAME:-none}\"\n");
    ShellProvisioner provisioner =
        new ShellProvisioner(
            ShellProvisionerConfig.script(script)
                .executeCommand("chmod +x {{.Path}}; {{.Path}} /tmp/version-info.json")
                .remoteFolder(remote())
                .build());

    provisioner.provision(connect(false, Redactor.none()), sink);

    assertEquals(List.of("arg=/tmp/version-info.json vars=none"), output);
  }

  @Test
  void failingScript_reportsExitStatusAndTheLastTwentyLines() throws Exception {
    ShellProvisioner provisioner =
        new ShellProvisioner(
            ShellProvisionerConfig.inline(
                    "for i in $(seq 1 25); do echo \"line $i\"; done",
                    "echo 'to stderr' >&2",
                    "exit 7")
                .name("shell failing")
                .remoteFolder(remote())
                .build());

    ProvisionerFailedException error =
        assertThrows(
            ProvisionerFailedException.class,
            () -> provisioner.provision(connect(false, Redactor.none()), sink));

    assertEquals(7, error.exitStatus());
    assertEquals(20, error.lastLines().size());
    assertEquals("line 7", error.lastLines().get(0));
    assertEquals("to stderr", error.lastLines().get(19));
    assertTrue(
        error.getMessage().startsWith("shell failing failed: exit status 7"), error.getMessage());
    assertTrue(error.getMessage().contains("line 25"), error.getMessage());
  }

  @Test
  void secrets_neverAppearInStreamedOutputOrErrors() throws Exception {
    String secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    Redactor redactor = Redactor.of(List.of(secret));
    ShellProvisioner provisioner =
        new ShellProvisioner(
            ShellProvisionerConfig.inline(
                    "echo \"key is $AWS_SECRET_ACCESS_KEY\"",
                    "echo \"$AWS_SECRET_ACCESS_KEY\" >&2",
                    "exit 3")
                .env("AWS_SECRET_ACCESS_KEY", secret)
                .remoteFolder(remote())
                .build());

    ProvisionerFailedException error =
        assertThrows(
            ProvisionerFailedException.class,
            () -> provisioner.provision(connect(true, redactor), sink));

    assertEquals(List.of("key is <redacted>", "<redacted>"), output);
    assertFalse(error.getMessage().contains(secret));
    assertTrue(error.lastLines().stream().noneMatch(line -> line.contains(secret)));
  }

  @Test
  void droppedConnection_withoutExpectDisconnect_failsClearly() throws Exception {
    SSHD.armReboot(Duration.ofMillis(200));
    ShellProvisioner provisioner =
        new ShellProvisioner(
            ShellProvisionerConfig.inline("touch " + SSHD.rebootTrigger(), "sleep 30")
                .name("shell kernel")
                .remoteFolder(remote())
                .build());

    ConnectionLostException error =
        assertThrows(
            ConnectionLostException.class,
            () -> provisioner.provision(connect(false, Redactor.none()), sink));

    assertTrue(error.getMessage().contains("shell kernel"), error.getMessage());
    assertTrue(error.getMessage().contains("expect_disconnect"), error.getMessage());
  }

  @Test
  void pauses_areHonouredOnlyWhenSet() throws Exception {
    SshSession ssh = connect(false, Redactor.none());
    long start = System.nanoTime();
    new ShellProvisioner(
            ShellProvisionerConfig.inline("true")
                .remoteFolder(remote())
                .pauseBefore(Duration.ofMillis(300))
                .pauseAfter(Duration.ofMillis(300))
                .build())
        .provision(ssh, sink);
    long pausedMs = (System.nanoTime() - start) / 1_000_000;

    assertTrue(pausedMs >= 600, "took " + pausedMs + " ms");
  }

  /** The pauses happen around the script, in order, and only the ones the template set. */
  @Test
  void pauses_recorded_surroundTheScript_andAnUnsetPauseIsNotTaken() throws Exception {
    SshSession ssh = connect(false, Redactor.none());
    List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
    ShellProvisioner.Pauser recorder =
        (field, duration) -> events.add(field + " " + duration.toMillis());
    LineSink lines = (kind, line) -> events.add("line " + line);

    new ShellProvisioner(
            ShellProvisionerConfig.inline("echo ran")
                .remoteFolder(remote())
                .pauseBefore(Duration.ofMillis(300))
                .pauseAfter(Duration.ofSeconds(90))
                .build(),
            recorder)
        .provision(ssh, lines);
    assertEquals(List.of("pause_before 300", "line ran", "pause_after 90000"), events);

    events.clear();
    new ShellProvisioner(
            ShellProvisionerConfig.inline("echo ran").remoteFolder(remote()).build(), recorder)
        .provision(ssh, lines);
    assertEquals(
        List.of("line ran"),
        events,
        "no pause_after (nor pause_before) unless the template sets it");

    events.clear();
    new ShellProvisioner(
            ShellProvisionerConfig.inline("echo ran")
                .remoteFolder(remote())
                .pauseBefore(Duration.ofMillis(300))
                .build(),
            recorder)
        .provision(ssh, lines);
    assertEquals(
        List.of("pause_before 300", "line ran"),
        events,
        "pause_before alone brings no pause_after");
  }

  @Test
  void pty_scriptRunsOnATerminal_andWithoutItDoesNot() throws Exception {
    Path folder = Files.createDirectories(SSHD.workDir().resolve("pty-scripts"));
    for (boolean pty : List.of(true, false)) {
      List<String> lines = new ArrayList<>();
      new ShellProvisioner(
              ShellProvisionerConfig.inline(
                      "if [ -t 1 ]; then echo tty-yes; else echo tty-no; fi",
                      "echo \"secret=$AWS_SECRET_ACCESS_KEY\"")
                  .env("AWS_SECRET_ACCESS_KEY", "pty-" + pty)
                  .remoteFolder(folder.toString())
                  .build())
          .provision(connect(pty, Redactor.none()), (kind, line) -> lines.add(line.strip()));

      assertEquals(List.of(pty ? "tty-yes" : "tty-no", "secret=pty-" + pty), lines, "pty=" + pty);
      assertEquals(
          List.of(), listing(folder), "the script and its run line are removed, pty=" + pty);
    }
  }

  @Test
  void droppedConnection_betweenProvisioners_failsClearly_insteadOfReconnecting() throws Exception {
    SshSession ssh = connect(false, Redactor.none());
    new ShellProvisioner(ShellProvisionerConfig.inline("true").remoteFolder(remote()).build())
        .provision(ssh, sink);
    // The host reboots with nobody announcing it: no expect_disconnect anywhere.
    SSHD.reboot(Duration.ofMillis(100));
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (ssh.isConnected() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    ShellProvisioner next =
        new ShellProvisioner(
            ShellProvisionerConfig.inline("touch " + remote() + "/ran-after")
                .name("shell install-worker.sh")
                .remoteFolder(remote())
                .build());

    ConnectionLostException error =
        assertThrows(ConnectionLostException.class, () -> next.provision(ssh, sink));

    assertTrue(error.getMessage().contains("shell install-worker.sh"), error.getMessage());
    assertTrue(error.getMessage().contains("expect_disconnect"), error.getMessage());
    assertEquals(1, ssh.connectCount(), "no silent reconnect");
    assertFalse(Files.exists(SSHD.workDir().resolve("ran-after")), "the next script must not run");
  }

  @Test
  void manyProvisioners_shareOneConnectionWithOneRoundTripEach() throws Exception {
    SshSession ssh = connect(false, Redactor.none());
    int count = 30;
    List<ShellProvisioner> chain = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      chain.add(
          new ShellProvisioner(
              ShellProvisionerConfig.inline("echo " + i).remoteFolder(remote()).build()));
    }
    chain.get(0).provision(ssh, sink); // warm-up: class loading and the first channel
    long start = System.nanoTime();
    for (ShellProvisioner provisioner : chain.subList(1, count)) {
      provisioner.provision(ssh, sink);
    }
    double perProvisionerMs = (System.nanoTime() - start) / 1e6 / (count - 1);
    long rawStart = System.nanoTime();
    for (int i = 1; i < count; i++) {
      ssh.exec("true", false, LineSink.discard());
    }
    double rawExecMs = (System.nanoTime() - rawStart) / 1e6 / (count - 1);
    System.out.printf(
        "per-provisioner wall time (inline 'echo', no pty, loopback sshd): %.1f ms;"
            + " bare 'true' exec on the same connection: %.1f ms%n",
        perProvisionerMs, rawExecMs);

    assertEquals(count, output.size());
    assertEquals(1, ssh.connectCount());
    assertEquals(2 * count - 1, ssh.channelCount());
  }
}
