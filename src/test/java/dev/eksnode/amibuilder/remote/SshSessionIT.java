package dev.eksnode.amibuilder.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.rig.SshdExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class SshSessionIT {
  @RegisterExtension static final SshdExtension SSHD = new SshdExtension();

  private final Ed25519Keys.GeneratedKey key = Ed25519Keys.generate();

  @BeforeEach
  void authorizeBuildKey() {
    SSHD.start();
    SSHD.authorize(key.publicKeyLine());
  }

  private SshTarget target() {
    return SshTarget.of(SSHD.host(), SSHD.port(), SSHD.user(), key.keyPair())
        .withConnectTimeout(Duration.ofSeconds(10));
  }

  @Test
  void connect_withImportedKey_runsCommandsOnOneConnection() throws Exception {
    List<String> lines = new CopyOnWriteArrayList<>();
    try (SshSession ssh =
        SshSession.connect(target(), HostKeyPolicy.trustOnFirstUse(), Redactor.none())) {
      ExecResult first =
          ssh.exec(
              "echo hello; echo oops >&2; exit 3",
              false,
              (kind, line) -> lines.add(kind + ":" + line));
      ExecResult second =
          ssh.exec("printf 'no newline'", true, (kind, line) -> lines.add(kind + ":" + line));

      assertEquals(ExecResult.exited(3), first);
      assertTrue(second.succeeded());
      assertEquals(List.of("STDOUT:hello", "STDERR:oops", "STDOUT:no newline"), lines);
      assertEquals(1, ssh.connectCount());
      assertEquals(2, ssh.channelCount());
    }
  }

  @Test
  void connect_withDifferentKey_isRefusedWithAuthenticationError() {
    SshTarget wrongKey =
        target()
            .withKeyPair(Ed25519Keys.generate().keyPair())
            .withConnectTimeout(Duration.ofSeconds(2));

    SshConnectException error =
        assertThrows(
            SshConnectException.class,
            () -> SshSession.connect(wrongKey, HostKeyPolicy.trustOnFirstUse(), Redactor.none()));

    assertTrue(error.getMessage().contains("within 2 s"), error.getMessage());
    assertTrue(error.getMessage().toLowerCase().contains("auth"), error.getMessage());
    assertTrue(error.attempts() > 1, "retried " + error.attempts());
  }

  @Test
  void connect_whenSshdStartsLate_retriesUntilItAnswers() throws Exception {
    SSHD.restartAfter(Duration.ofMillis(1500));
    long start = System.nanoTime();
    try (SshSession ssh =
        SshSession.connect(target(), HostKeyPolicy.trustOnFirstUse(), Redactor.none())) {
      long waitedMs = Duration.ofNanos(System.nanoTime() - start).toMillis();
      assertTrue(waitedMs >= 1400, "connected after " + waitedMs + " ms");
      assertTrue(ssh.exec("true", LineSink.discard()).succeeded());
    }
  }

  @Test
  void connect_whenSshdNeverAnswers_failsWithLastError() {
    SSHD.stop();
    SshConnectException error =
        assertThrows(
            SshConnectException.class,
            () ->
                SshSession.connect(
                    target().withConnectTimeout(Duration.ofSeconds(1)),
                    HostKeyPolicy.trustOnFirstUse(),
                    Redactor.none()));
    assertTrue(error.getMessage().contains("Connection refused"), error.getMessage());
  }

  @Test
  void reconnect_afterHostKeyChanged_failsWithMismatch() throws Exception {
    HostKeyPolicy policy = HostKeyPolicy.trustOnFirstUse();
    try (SshSession ssh = SshSession.connect(target(), policy, Redactor.none())) {
      String before = Ed25519Keys.sha256Fingerprint(policy.acceptedKey().orElseThrow());
      SSHD.changeHostKey();

      HostKeyMismatchException error = assertThrows(HostKeyMismatchException.class, ssh::reconnect);

      assertTrue(error.getMessage().contains("changed"), error.getMessage());
      assertTrue(error.getMessage().contains(before), error.getMessage());
    }
  }

  @Test
  void connect_withConsolePinnedKey_acceptsMatchingAndRefusesOther() throws Exception {
    String console =
        "ec2: -----BEGIN SSH HOST KEY FINGERPRINTS-----\nec2: "
            + SSHD.hostKeyFingerprintLine()
            + "\nec2: -----END SSH HOST KEY FINGERPRINTS-----\n";
    HostKeyPolicy pinned = HostKeyPolicy.fromConsole(ConsoleHostKeys.parse(console));
    try (SshSession ssh = SshSession.connect(target(), pinned, Redactor.none())) {
      assertTrue(ssh.exec("true", LineSink.discard()).succeeded());
    }

    SSHD.changeHostKey();
    HostKeyMismatchException error =
        assertThrows(
            HostKeyMismatchException.class,
            () ->
                SshSession.connect(
                    target(),
                    HostKeyPolicy.fromConsole(ConsoleHostKeys.parse(console)),
                    Redactor.none()));
    assertTrue(error.getMessage().contains("console"), error.getMessage());
  }

  @Test
  void bootId_readsTheKernelBootIdOfTheHost() throws Exception {
    try (SshSession ssh =
        SshSession.connect(target(), HostKeyPolicy.trustOnFirstUse(), Redactor.none())) {
      assertEquals(SSHD.bootId(), ssh.bootId());
    }
  }
}
