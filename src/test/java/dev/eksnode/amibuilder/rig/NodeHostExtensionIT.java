package dev.eksnode.amibuilder.rig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.remote.Ed25519Keys;
import dev.eksnode.amibuilder.remote.ExecResult;
import dev.eksnode.amibuilder.remote.HostKeyPolicy;
import dev.eksnode.amibuilder.remote.Redactor;
import dev.eksnode.amibuilder.remote.SshSession;
import dev.eksnode.amibuilder.remote.SshTarget;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class NodeHostExtensionIT {
  @RegisterExtension static final NodeHostExtension NODE = new NodeHostExtension();

  private static final Ed25519Keys.GeneratedKey KEY = Ed25519Keys.generate();
  private SshSession ssh;

  @BeforeEach
  void connect() throws InterruptedException {
    NODE.authorize(KEY.publicKeyLine());
    SshTarget target =
        SshTarget.of(NODE.host(), NODE.port(), NODE.user(), KEY.keyPair())
            .withPty(false)
            .withConnectTimeout(Duration.ofSeconds(10))
            .withReboot(Duration.ofSeconds(20), Duration.ofSeconds(10));
    ssh = SshSession.connect(target, HostKeyPolicy.trustOnFirstUse(), Redactor.none());
  }

  @AfterEach
  void close() {
    ssh.close();
  }

  private List<String> run(String command) throws InterruptedException {
    List<String> lines = new ArrayList<>();
    ExecResult result = ssh.exec(command, (kind, line) -> lines.add(line));
    assertTrue(result.succeeded(), command + ": " + result.describe() + " " + lines);
    return lines;
  }

  @Test
  void systemWrites_landInTheOverlay_andNeverOnTheRealMachine() throws Exception {
    String marker = "/etc/node-host-marker-" + ProcessHandle.current().pid();
    run(
        "echo written > "
            + marker
            + " && mkdir -p /opt/cni/bin /usr/bin/x && echo k > /usr/bin/node-host-kubelet"
            + " && echo rtcsync >> /etc/sysctl.conf && rm -f /etc/hostname && echo t > /tmp/worker-file");

    assertEquals(List.of("written"), run("cat " + marker));
    assertFalse(Files.exists(Path.of(marker)), "the real /etc was written");
    assertFalse(Files.exists(Path.of("/usr/bin/node-host-kubelet")));
    assertEquals("written\n", Files.readString(NODE.onDisk(marker)));
    assertEquals("t\n", Files.readString(NODE.onDisk("/tmp/worker-file")));
    NodeHostExtension.RealMachineCheck check = NODE.checkRealMachine();
    assertEquals(List.of(), check.violations());
    assertTrue(check.checkedPaths() > 10, "checked " + check.checkedPaths());
  }

  @Test
  void standIns_comeFirstOnThePath_andLogTheirCalls() throws Exception {
    List<String> found =
        run(
            "command -v yum systemctl rpm sudo uname; sudo yum install -y jq;"
                + " rpm -q jq; uname -r; uname -m");

    assertEquals(
        List.of(
            "/usr/local/sbin/yum",
            "/usr/local/sbin/systemctl",
            "/usr/local/sbin/rpm",
            "/usr/local/sbin/sudo",
            "/usr/local/sbin/uname",
            "jq-1.0-1.amzn2",
            "4.14.301-224.520.amzn2.x86_64",
            "x86_64"),
        found);
    assertEquals(List.of("yum install -y jq", "rpm -q jq"), NODE.calls());
  }

  @Test
  void sudoReboot_restartsSshdWithANewBootId_andTheNewKernelRuns() throws Exception {
    String before = ssh.bootId();
    run("sudo amazon-linux-extras install -y kernel-5.4 && uname -r && sudo reboot");

    long start = System.nanoTime();
    while (ssh.isConnected() && System.nanoTime() - start < 10_000_000_000L) {
      Thread.sleep(20);
    }
    ssh.reconnect();

    assertNotEquals(before, ssh.bootId());
    assertEquals(NODE.bootId(), ssh.bootId());
    assertEquals(List.of("5.4.228-131.415.amzn2.x86_64"), run("uname -r"));
    assertTrue(
        Files.isRegularFile(NODE.onDisk("/var/lib/node-host/kernels")),
        "the disk survived the reboot");
  }

  @Test
  void followedKeys_letALaterKeyIn_asSoonAsTheSourceHasIt() throws Exception {
    Ed25519Keys.GeneratedKey later = Ed25519Keys.generate("imported-later");
    long readyAt = System.nanoTime() + 300_000_000L;
    NODE.followAuthorizedKeys(
        () -> System.nanoTime() < readyAt ? List.of() : List.of(later.publicKeyLine()));
    SshTarget target =
        SshTarget.of(NODE.host(), NODE.port(), NODE.user(), later.keyPair())
            .withPty(false)
            .withConnectTimeout(Duration.ofSeconds(10));

    try (SshSession second =
        SshSession.connect(target, HostKeyPolicy.trustOnFirstUse(), Redactor.none())) {
      List<String> lines = new ArrayList<>();
      assertTrue(second.exec("echo in", (kind, line) -> lines.add(line)).succeeded());
      assertEquals(List.of("in"), lines);
    }
  }

  @Test
  void aCommand_costsLittleMoreThanTheRoundTrip() throws Exception {
    run("true");
    long start = System.nanoTime();
    for (int i = 0; i < 10; i++) {
      run("true");
    }
    long perCommandMs = (System.nanoTime() - start) / 10 / 1_000_000;
    System.out.printf("node host: %d ms per SSH command%n", perCommandMs);
    assertTrue(
        perCommandMs < 60,
        "a command took " + perCommandMs + " ms: is the login shell's rc file slow?");
  }
}
