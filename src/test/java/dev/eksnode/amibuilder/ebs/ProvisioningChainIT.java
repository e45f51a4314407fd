package dev.eksnode.amibuilder.ebs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eksnode.amibuilder.config.Assignment;
import dev.eksnode.amibuilder.config.DerivedDefaults;
import dev.eksnode.amibuilder.config.VariableLayers;
import dev.eksnode.amibuilder.config.VariableValidator;
import dev.eksnode.amibuilder.remote.Ed25519Keys;
import dev.eksnode.amibuilder.remote.HostKeyPolicy;
import dev.eksnode.amibuilder.remote.LineSink;
import dev.eksnode.amibuilder.remote.ProvisionerFailedException;
import dev.eksnode.amibuilder.remote.Redactor;
import dev.eksnode.amibuilder.remote.SshSession;
import dev.eksnode.amibuilder.remote.SshTarget;
import dev.eksnode.amibuilder.rig.NodeHostExtension;
import dev.eksnode.amibuilder.template.AmazonEbsSettings;
import dev.eksnode.amibuilder.template.BuildSpec;
import dev.eksnode.amibuilder.template.Template;
import dev.eksnode.amibuilder.template.TemplateLoader;
import dev.eksnode.amibuilder.template.TemplateRenderer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real template's provisioners, rendered as the CLI renders them, run in order over one SSH
 * session against a node host: the real node scripts with stand-in system commands, including the
 * kernel reboot.
 */
class ProvisioningChainIT {
  @RegisterExtension static final NodeHostExtension NODE = new NodeHostExtension();

  private static final Instant NOW = Instant.parse("2023-02-01T10:00:00Z");
  private static final String SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYzEXAMPLEKEY";
  private static final String ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE";

  @TempDir Path output;

  /** One provisioner's cost, for the benchmark. */
  record Timing(String label, long wallMs, int channels) {}

  /**
   * What a chain run left: captured output lines, the per-provisioner timings and the session's
   * counters.
   */
  record ChainRun(
      List<String> output,
      List<Timing> timings,
      int connects,
      String bootIdBefore,
      String bootIdAfter) {}

  private static Path projectDir() {
    String p = System.getProperty("amibuilder.projectDir");
    return p != null ? Path.of(p) : Path.of("").toAbsolutePath();
  }

  /**
   * The CLI's path: TemplateLoader, VariableLayers.merge, DerivedDefaults.apply,
   * TemplateRenderer.render.
   */
  private static BuildSpec render(Map<String, String> env, String... words) {
    Template template =
        new TemplateLoader().load(projectDir().resolve("templates/eks-worker-al2.json"));
    List<Assignment> cli = new ArrayList<>();
    cli.add(new Assignment("kubernetes_version", "1.23.16", "--kubernetes-version"));
    cli.add(new Assignment("kubernetes_build_date", "2023-01-30", "--kubernetes-build-date"));
    cli.add(Assignment.parse("ssh_host=" + NODE.host(), "argument"));
    cli.add(Assignment.parse("ssh_port=" + NODE.port(), "argument"));
    cli.add(Assignment.parse("ssh_username=" + NODE.user(), "argument"));
    for (String w : words) {
      cli.add(Assignment.parse(w, "argument"));
    }
    var inputs =
        new VariableLayers.Inputs(
            template.variables(),
            template.path(),
            template.defaultVariableFile(),
            List.of(),
            env,
            cli,
            null,
            false);
    var merged =
        DerivedDefaults.apply(VariableLayers.merge(inputs), Clock.fixed(NOW, ZoneOffset.UTC));
    return new TemplateRenderer(env, NOW, UUID.randomUUID().toString(), projectDir())
        .render(template, merged, VariableValidator.Purpose.BUILD);
  }

  private static SshSession connect(BuildSpec spec, Redactor redactor) throws InterruptedException {
    Ed25519Keys.GeneratedKey key = Ed25519Keys.generate("ami-builder-chain-test");
    NODE.authorize(key.publicKeyLine());
    AmazonEbsSettings s = spec.settings();
    SshTarget target =
        SshTarget.of(s.ssh().host(), s.ssh().port(), s.ssh().username(), key.keyPair())
            .withPty(s.ssh().pty())
            .withConnectTimeout(Duration.ofSeconds(20))
            .withReboot(Duration.ofSeconds(30), Duration.ofSeconds(10));
    return SshSession.connect(target, HostKeyPolicy.trustOnFirstUse(), redactor);
  }

  /**
   * Runs every plan item in order over one session; stops at the first failure, which it rethrows.
   */
  private ChainRun runChain(BuildSpec spec) throws InterruptedException {
    List<String> lines = Collections.synchronizedList(new ArrayList<>());
    List<Timing> timings = new ArrayList<>();
    Redactor redactor = Redactor.of(spec.secrets());
    try (SshSession ssh = connect(spec, redactor)) {
      String before = ssh.bootId();
      for (ProvisionerPlan.Item item : ProvisionerPlan.of(spec, output)) {
        int channels = ssh.channelCount();
        long start = System.nanoTime();
        LineSink sink = (kind, line) -> lines.add(item.label() + ": " + line);
        try {
          item.provisioner().provision(ssh, sink);
        } finally {
          timings.add(
              new Timing(
                  item.label(),
                  (System.nanoTime() - start) / 1_000_000,
                  ssh.channelCount() - channels));
        }
      }
      printTimings(timings);
      return new ChainRun(List.copyOf(lines), timings, ssh.connectCount(), before, ssh.bootId());
    }
  }

  private static void printTimings(List<Timing> timings) {
    System.out.println("provisioner timings (label | wall ms | SSH channels)");
    long total = 0;
    for (Timing t : timings) {
      System.out.printf("TIMING | %-60s | %6d | %3d%n", t.label(), t.wallMs(), t.channels());
      total += t.wallMs();
    }
    System.out.printf(
        "TIMING | %-60s | %6d | %3d%n",
        "total", total, timings.stream().mapToInt(Timing::channels).sum());
  }

  @Test
  void realTemplate_runsEveryProvisionerAgainstTheNodeHost_withOneRebootAndVersionInfo()
      throws Exception {
    NODE.publishBinaries("1.23.16", "2023-01-30", "v0.8.6", "v0.5.9");
    BuildSpec spec = render(Map.of("USER", "tester"));

    ChainRun run = runChain(spec);

    // Version info: the download beside the manifests, with what the chain installed.
    Path versionInfo = output.resolve(spec.variables().value("ami_name") + "-version-info.json");
    assertTrue(Files.isRegularFile(versionInfo), "no " + versionInfo + " in " + listing(output));
    JsonNode info = new ObjectMapper().readTree(versionInfo.toFile());
    assertEquals("v1.23.16-eks-ffeb93d", info.path("binaries").path("kubelet").asText());
    assertEquals("2.9.19", info.path("binaries").path("awscli").asText());
    assertTrue(info.path("images").isArray() && info.path("images").isEmpty(), info.toString());
    assertEquals("5.4.228-131.415.amzn2", info.path("packages").path("kernel").asText());
    assertEquals("1.6.6-1.amzn2.0.2", info.path("packages").path("containerd").asText());
    assertEquals("1.1.4-1.amzn2", info.path("packages").path("runc").asText());
    assertEquals("20.10.17-1.amzn2.0.1", info.path("packages").path("docker").asText());
    assertFalse(
        info.path("packages").has("ec2-net-utils"), "ec2-net-utils was not removed: " + info);

    // Exactly one reboot, detected by the boot id, on the same connection count the reboot needs.
    assertNotEquals(run.bootIdBefore(), run.bootIdAfter());
    assertEquals(NODE.bootId(), run.bootIdAfter());
    assertEquals(2, run.connects(), "one reconnect, after the kernel reboot");

    // The key calls, in order.
    List<String> calls = NODE.calls();
    int kernel = indexOf(calls, "amazon-linux-extras install -y kernel-5.4");
    int grubby = indexOf(calls, "grubby --update-kernel=ALL --args=psi=1");
    int reboot = indexOf(calls, "reboot");
    int update = indexOf(calls, "yum update -y");
    int oldKernels = indexOf(calls, "package-cleanup --oldkernels --count=1 -y");
    int kernelLock = indexOf(calls, "yum versionlock kernel-5.4.228-131.415.amzn2.x86_64");
    int runcLock = indexOf(calls, "yum versionlock runc-*");
    int containerdLock = indexOf(calls, "yum versionlock containerd-*");
    int dockerLock = indexOf(calls, "yum versionlock docker-*");
    int disableKubelet = indexOf(calls, "systemctl disable kubelet");
    int clean = indexOf(calls, "yum clean all");
    int rpmList =
        indexOf(calls, "rpm --query --all --queryformat %{NAME}\\t%{VERSION}-%{RELEASE}\\n");
    assertTrue(kernel < grubby && grubby < reboot && reboot < update, calls.toString());
    assertTrue(
        update < oldKernels && oldKernels < kernelLock && kernelLock < runcLock, calls.toString());
    assertTrue(
        runcLock < containerdLock && containerdLock < dockerLock && dockerLock < disableKubelet,
        calls.toString());
    assertTrue(disableKubelet < clean && clean < rpmList, calls.toString());
    assertEquals(1, calls.stream().filter("reboot"::equals).count());
    assertTrue(
        calls.stream()
            .anyMatch(
                c ->
                    c.startsWith(
                        "wget --quiet --output-document kubelet https://amazon-eks"
                            + ".s3.us-west-2.amazonaws.com/1.23.16/2023-01-30/bin/linux/amd64/kubelet")),
        calls.toString());

    // The node's files landed at their /etc/eks paths inside the overlay.
    for (String path :
        List.of(
            "/etc/eks/bootstrap.sh",
            "/etc/eks/max-pods-calculator.sh",
            "/etc/eks/get-ecr-uri.sh",
            "/etc/eks/eni-max-pods.txt",
            "/etc/eks/iptables-restore.service",
            "/etc/eks/release",
            "/etc/eks/containerd/containerd-config.toml",
            "/etc/eks/containerd/kubelet-containerd.service",
            "/etc/eks/containerd/pull-sandbox-image.sh",
            "/etc/eks/ecr-credential-provider/ecr-credential-provider",
            "/usr/bin/kubelet",
            "/usr/bin/aws-iam-authenticator",
            "/usr/bin/imds",
            "/usr/bin/vercmp",
            "/opt/cni/bin/bridge",
            "/etc/systemd/system/kubelet.service",
            "/etc/kubernetes/kubelet/kubelet-config.json",
            "/var/lib/kubelet/kubeconfig")) {
      assertTrue(Files.isRegularFile(NODE.onDisk(path)), path + " is not on the node's disk");
      assertFalse(
          Files.exists(Path.of(path)) && path.startsWith("/etc/eks"),
          path + " exists on the real machine");
    }
    assertEquals(
        Files.readString(projectDir().resolve("files/bootstrap.sh")),
        Files.readString(NODE.onDisk("/etc/eks/bootstrap.sh")));
    assertTrue(
        Files.readString(NODE.onDisk("/etc/eks/release")).contains("BUILD_KERNEL=\"5.4.228"));
    assertFalse(Files.exists(NODE.onDisk("/tmp/worker")), "cleanup.sh left /tmp/worker");
    assertTrue(
        run.output().stream().anyMatch(l -> l.contains("image is clean and kernel 5.4.228")),
        "validate.sh did not pass: " + tail(run.output()));

    // Nothing written on the real machine.
    NodeHostExtension.RealMachineCheck check = NODE.checkRealMachine();
    assertEquals(List.of(), check.violations());
    assertTrue(check.checkedPaths() > 30, "only " + check.checkedPaths() + " node paths checked");
    assertFalse(Files.exists(Path.of("/etc/eks")), "/etc/eks appeared on the real machine");
  }

  @Test
  void forwardedCredentials_areUsedOnTheNode_butNeverAppearInTheCapturedOutput() throws Exception {
    NODE.publishBinaries("1.23.16", "2023-01-30", "v0.8.6", "v0.5.9");
    BuildSpec spec =
        render(
            Map.of(
                "USER",
                "tester",
                "AWS_ACCESS_KEY_ID",
                ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY",
                SECRET_KEY),
            "forward_aws_credentials=true");
    assertTrue(spec.secrets().contains(SECRET_KEY), "the secret key is not marked secret");

    ChainRun run = runChain(spec);

    // The aws stand-in echoes its credentials on stderr, as a careless tool might; the build must
    // mask them.
    assertTrue(
        NODE.calls().stream()
            .anyMatch(c -> c.startsWith("aws s3 cp --region us-west-2 s3://amazon-eks/")),
        NODE.calls().toString());
    assertTrue(
        run.output().stream().anyMatch(l -> l.contains("signing with " + Redactor.MASK)),
        "the leak was not captured at all: " + tail(run.output()));
    for (String line : run.output()) {
      assertFalse(
          line.contains(SECRET_KEY) || line.contains(ACCESS_KEY), "secret in output: " + line);
    }
  }

  @Test
  void failingScript_failsWithItsExitCodeAndLastLines_andStopsTheChain() throws Exception {
    // No binaries published: install-worker.sh cannot download kubelet.
    BuildSpec spec = render(Map.of("USER", "tester"));

    ProvisionerFailedException e =
        assertThrows(ProvisionerFailedException.class, () -> runChain(spec));

    assertEquals(1, e.exitStatus());
    assertTrue(e.getMessage().contains("install-worker.sh"), e.getMessage());
    String kubelet =
        "https://amazon-eks.s3.us-west-2.amazonaws.com/1.23.16/2023-01-30/bin/linux/amd64/kubelet";
    assertTrue(
        e.lastLines().contains("wget: " + kubelet + ": 404 Not Found"), e.lastLines().toString());
    assertEquals(
        "install-worker.sh: could not download " + kubelet,
        e.lastLines().get(e.lastLines().size() - 1));
    assertTrue(e.getMessage().contains("could not download " + kubelet), e.getMessage());
    assertTrue(e.lastLines().size() <= 20, "more than the last 20 lines: " + e.lastLines().size());
    assertFalse(NODE.calls().contains("yum clean all"), "the chain went on after the failure");
  }

  private static int indexOf(List<String> calls, String call) {
    int i = calls.indexOf(call);
    assertTrue(i >= 0, "no call '" + call + "' in " + calls);
    return i;
  }

  private static List<String> tail(List<String> lines) {
    return lines.subList(Math.max(0, lines.size() - 25), lines.size());
  }

  private static List<String> listing(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).toList();
    }
  }
}
