package dev.eksnode.amibuilder.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.rig.SshdExtension;
import dev.eksnode.amibuilder.rig.SshdExtension.RebootPlan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RebootIT {
  @RegisterExtension static final SshdExtension SSHD = new SshdExtension();

  private static final Ed25519Keys.GeneratedKey KEY = Ed25519Keys.generate();
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

  private SshSession connect(boolean pty, Duration rebootTimeout, Duration grace)
      throws InterruptedException {
    SshTarget target =
        SshTarget.of(SSHD.host(), SSHD.port(), SSHD.user(), KEY.keyPair())
            .withConnectTimeout(Duration.ofSeconds(10))
            .withPty(pty)
            .withReboot(rebootTimeout, grace);
    SshSession ssh = SshSession.connect(target, HostKeyPolicy.trustOnFirstUse(), Redactor.none());
    sessions.add(ssh);
    return ssh;
  }

  private ShellProvisioner rebootingScript(String... lines) {
    return new ShellProvisioner(
        ShellProvisionerConfig.inline(lines)
            .name("shell upgrade_kernel.sh")
            .expectDisconnect(true)
            .remoteFolder(SSHD.workDir().toString())
            .build());
  }

  @Test
  void expectDisconnect_scriptDropsTheConnection_reconnectsOnlyAfterTheBootIdChanged()
      throws Exception {
    SSHD.armReboot(Duration.ofMillis(1500));
    SshSession ssh = connect(true, Duration.ofSeconds(20), Duration.ofSeconds(10));
    String before = ssh.bootId();

    long start = System.nanoTime();
    rebootingScript("touch " + SSHD.rebootTrigger(), "sleep 30").provision(ssh, LineSink.discard());
    long tookMs = (System.nanoTime() - start) / 1_000_000;
    System.out.printf("reboot with 1500 ms sshd downtime detected after %d ms%n", tookMs);

    assertNotEquals(before, ssh.bootId());
    assertEquals(SSHD.bootId(), ssh.bootId());
    assertEquals(2, ssh.connectCount());
    assertTrue(tookMs >= 1500, "reconnected before sshd came back: " + tookMs + " ms");
    List<String> lines = new ArrayList<>();
    assertTrue(ssh.exec("echo after", (kind, line) -> lines.add(line)).succeeded());
    assertEquals(List.of("after"), lines);
  }

  @Test
  void expectDisconnect_scriptExitsThenHostReboots_waitsForTheNewBootId() throws Exception {
    SSHD.armReboot(Duration.ofMillis(500));
    SshSession ssh = connect(false, Duration.ofSeconds(20), Duration.ofSeconds(10));
    String before = ssh.bootId();

    rebootingScript("(sleep 0.5; touch " + SSHD.rebootTrigger() + ") >/dev/null 2>&1 &", "exit 0")
        .provision(ssh, LineSink.discard());

    assertNotEquals(before, ssh.bootId());
    assertEquals(SSHD.bootId(), ssh.bootId());
  }

  @Test
  void expectDisconnect_hostNeverGoesDown_failsAfterTheGrace() throws Exception {
    SshSession ssh = connect(false, Duration.ofSeconds(20), Duration.ofSeconds(1));

    RebootNotDetectedException error =
        assertThrows(
            RebootNotDetectedException.class,
            () -> rebootingScript("echo no reboot here").provision(ssh, LineSink.discard()));

    assertTrue(
        error.getMessage().contains("kept answering with the same boot id"), error.getMessage());
    assertTrue(error.getMessage().contains("shell upgrade_kernel.sh"), error.getMessage());
  }

  @Test
  void expectDisconnect_sshdRestartsOnTheSameBoot_failsAsNoReboot() throws Exception {
    // No downtime at all: the dropped connection itself is what shows the host went down, not a
    // probe that
    // happened to find sshd away.
    SSHD.armReboot(new RebootPlan(Duration.ZERO, false, false));
    SshSession ssh = connect(false, Duration.ofSeconds(20), Duration.ofSeconds(2));

    RebootNotDetectedException error =
        assertThrows(
            RebootNotDetectedException.class,
            () ->
                rebootingScript("touch " + SSHD.rebootTrigger(), "sleep 30")
                    .provision(ssh, LineSink.discard()));

    assertTrue(
        error
            .getMessage()
            .contains("the connection dropped but the host came back with the same boot id"),
        error.getMessage());
    assertEquals(SSHD.bootId(), ssh.bootId(), "connected again, to the same boot");
  }

  @Test
  void expectDisconnect_hostDoesNotComeBack_failsAtTheRebootTimeout() throws Exception {
    SSHD.armReboot(Duration.ofSeconds(4));
    SshSession ssh = connect(false, Duration.ofMillis(1500), Duration.ofMillis(1000));

    RebootNotDetectedException error =
        assertThrows(
            RebootNotDetectedException.class,
            () ->
                rebootingScript("touch " + SSHD.rebootTrigger(), "sleep 30")
                    .provision(ssh, LineSink.discard()));

    assertTrue(error.getMessage().contains("did not come back"), error.getMessage());
  }

  @Test
  void expectDisconnect_hostKeyChangesAcrossTheReboot_failsWithMismatch() throws Exception {
    SSHD.armReboot(new RebootPlan(Duration.ofMillis(200), true, true));
    SshSession ssh = connect(false, Duration.ofSeconds(20), Duration.ofSeconds(10));

    HostKeyMismatchException error =
        assertThrows(
            HostKeyMismatchException.class,
            () ->
                rebootingScript("touch " + SSHD.rebootTrigger(), "sleep 30")
                    .provision(ssh, LineSink.discard()));

    assertTrue(error.getMessage().contains("changed"), error.getMessage());
  }
}
