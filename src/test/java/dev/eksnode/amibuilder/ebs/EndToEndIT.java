package dev.eksnode.amibuilder.ebs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eksnode.amibuilder.cli.CliContext;
import dev.eksnode.amibuilder.cli.Main;
import dev.eksnode.amibuilder.cli.TestHome;
import dev.eksnode.amibuilder.eks.WorkerBinaries;
import dev.eksnode.amibuilder.rig.FaultProxy;
import dev.eksnode.amibuilder.rig.MotoExtension;
import dev.eksnode.amibuilder.rig.MotoState;
import dev.eksnode.amibuilder.rig.NodeHostExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Image;
import software.amazon.awssdk.services.ec2.model.KeyPairInfo;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@code ami-builder k8s} with the real template, files/ and scripts/ against moto (through the
 * fault proxy, which counts the API calls) and a node host: a real sshd where the node scripts run
 * with stand-in system commands, including the kernel reboot.
 */
class EndToEndIT {
  @RegisterExtension static final MotoExtension MOTO = new MotoExtension();
  @RegisterExtension static final NodeHostExtension NODE = new NodeHostExtension();
  static final String REGION = "us-west-2";

  @TempDir Path root;
  FaultProxy proxy;
  Ec2Client ec2;

  @BeforeEach
  void setUp() {
    proxy = FaultProxy.start(MOTO.endpoint());
    ec2 = MOTO.ec2(Region.of(REGION));
    // cloud-init would install the imported key on a real instance; here the node host follows
    // EC2's key pairs.
    NODE.followAuthorizedKeys(
        () ->
            ec2.describeKeyPairs(r -> r.includePublicKey(true)).keyPairs().stream()
                .map(KeyPairInfo::publicKey)
                .filter(k -> k != null && !k.isBlank())
                .toList());
    NODE.publishBinaries("1.23.16", "2023-01-30", "v0.8.6", "v0.5.9");
    // The instance fetches them through URLs the build signs, so they must be in moto's bucket.
    try (S3Client s3 = MOTO.s3(Region.of(REGION))) {
      NODE.copyBucketTo(s3, "amazon-eks");
    }
  }

  /**
   * Puts the objects install-worker.sh downloads into the emulator's binary bucket, where the
   * preflight looks for them (the node host's AWS CLI stand-in serves its own copy).
   */
  private static boolean exists(S3Client s3, String key) {
    try {
      s3.headObject(r -> r.bucket("amazon-eks").key(key));
      return true;
    } catch (software.amazon.awssdk.services.s3.model.NoSuchKeyException e) {
      return false;
    } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
      if (e.statusCode() == 404) {
        return false;
      }
      throw e;
    }
  }

  private static void publishToEmulator(String version) {
    try (S3Client s3 = MOTO.s3(Region.of(REGION))) {
      try {
        s3.createBucket(
            r ->
                r.bucket("amazon-eks")
                    .createBucketConfiguration(c -> c.locationConstraint(REGION)));
      } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
        // Made for an earlier test.
      }
      WorkerBinaries in =
          new WorkerBinaries("amazon-eks", REGION, version, "2023-01-30", "amd64", "v0.8.6", true);
      for (String key : in.keys()) {
        if (!exists(s3, key)) {
          s3.putObject(r -> r.bucket("amazon-eks").key(key), RequestBody.fromString("x"));
        }
      }
    }
  }

  @AfterEach
  void tearDown() {
    proxy.close();
    ec2.close();
  }

  record Run(int code, String out, String err) {}

  private Run k8s(String... extra) throws Exception {
    return k8s(Map.of(), extra);
  }

  private Run k8s(Map<String, String> envOverrides, String... extra) throws Exception {
    return k8s("1.23.16", envOverrides, extra);
  }

  private Run k8s(String kubernetesVersion, Map<String, String> envOverrides, String... extra)
      throws Exception {
    Path work = Files.createDirectories(root.resolve("work"));
    Map<String, String> env =
        new HashMap<>(
            Map.of(
                "USER",
                "tester",
                "AWS_ACCESS_KEY_ID",
                "testing",
                "AWS_SECRET_ACCESS_KEY",
                "testing",
                "AMI_BUILDER_STATE_DIR",
                root.resolve("state").toString(),
                BuildTuning.POLL_DELAY_ENV,
                "20"));
    env.putAll(envOverrides);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CliContext ctx =
        new CliContext(
            new PrintWriter(out, true),
            new PrintWriter(err, true),
            env,
            Clock.systemUTC(),
            work,
            TestHome.projectDir());
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "k8s",
                "--kubernetes-version",
                kubernetesVersion,
                "--kubernetes-build-date",
                "2023-01-30",
                "--region",
                REGION,
                "--endpoint-url",
                proxy.endpoint().toString(),
                "--output-dir",
                root.resolve("out").toString(),
                "ssh_host=" + NODE.host(),
                "ssh_port=" + NODE.port(),
                "ssh_username=" + NODE.user(),
                "temporary_security_group_source_cidrs=127.0.0.1/32"));
    args.addAll(List.of(extra));
    int code = Main.run(ctx, args.toArray(String[]::new));
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void k8s_realTemplateOverSsh_registersTheAmi_writesOutputs_andLeavesNothingElse()
      throws Exception {
    MotoState before = MotoState.capture(List.of(ec2));
    String bootBefore = NODE.bootId();
    long started = System.nanoTime();
    Run run = k8s();
    long millis = (System.nanoTime() - started) / 1_000_000;
    assertEquals(0, run.code(), run.err() + run.out());

    // Exactly one new AMI (and its snapshot) remains; instance, key pair, security group and
    // volumes are gone.
    Set<MotoState.Kind> left =
        MotoState.capture(List.of(ec2)).diff(before).stream()
            .map(MotoState.Resource::kind)
            .collect(Collectors.toSet());
    assertEquals(Set.of(MotoState.Kind.IMAGE, MotoState.Kind.SNAPSHOT), left);
    Image ami =
        ec2.describeImages(r -> r.owners("self")).images().stream()
            .filter(i -> i.name().startsWith("amazon-eks-node-1.23-v"))
            .findFirst()
            .orElseThrow();

    Path out = root.resolve("out");
    JsonNode manifest = new ObjectMapper().readTree(out.resolve("manifest.json").toFile());
    assertEquals(
        REGION + ":" + ami.imageId(), manifest.get("builds").get(0).get("artifact_id").asText());
    assertTrue(Files.exists(out.resolve(ami.name() + "-manifest.json")));
    JsonNode versionInfo =
        new ObjectMapper().readTree(out.resolve(ami.name() + "-version-info.json").toFile());
    assertTrue(
        versionInfo.get("packages").isObject() && versionInfo.get("packages").size() > 0,
        versionInfo.toString());
    assertTrue(versionInfo.get("binaries").has("kubelet"), versionInfo.toString());
    assertTrue(versionInfo.get("images").isArray());
    // The download of version-info staged nothing beside it: the outputs and nothing else.
    assertEquals(
        Set.of("manifest.json", ami.name() + "-manifest.json", ami.name() + "-version-info.json"),
        listing(out));

    // The node really ran the chain: kernel installed, then rebooted (a new boot id), then
    // install-worker.
    assertNotEquals(bootBefore, NODE.bootId(), "the kernel step must reboot the node host");
    String calls = String.join("\n", NODE.calls());
    int kernel = calls.indexOf("amazon-linux-extras install -y kernel-5.4");
    int reboot = calls.indexOf("reboot");
    assertTrue(kernel >= 0 && reboot >= 0 && kernel < reboot, calls);
    assertTrue(Files.exists(NODE.onDisk("/etc/eks/bootstrap.sh")), "files/ landed in /etc/eks");
    assertTrue(
        run.out().contains("[shell install-worker.sh]"), "remote output is streamed with a prefix");

    Map<String, Integer> byAction = proxy.countsByAction();
    int total = byAction.values().stream().mapToInt(Integer::intValue).sum();
    // The console is read every 2 s while provisioning runs (for at most a minute), so those reads
    // follow the wall
    // time of the build rather than its work; everything else has a fixed budget.
    int consoleReads = byAction.getOrDefault("GetConsoleOutput", 0);
    assertTrue(consoleReads >= 1 && consoleReads <= 31, "GetConsoleOutput calls: " + consoleReads);
    // The preflight's checks have their own fixed count: one HeadObject per binary
    // install-worker.sh
    // downloads (5 for 1.23 with the CNI plugins from GitHub) and one DryRun per create action
    // (ImportKeyPair, CreateSecurityGroup, RunInstances, CreateImage, CreateTags).
    int heads =
        byAction.entrySet().stream()
            .filter(e -> e.getKey().startsWith("HEAD /amazon-eks/"))
            .mapToInt(Map.Entry::getValue)
            .sum();
    int dryRuns =
        byAction.entrySet().stream()
            .filter(e -> e.getKey().endsWith(FaultProxy.dryRun("")))
            .mapToInt(Map.Entry::getValue)
            .sum();
    assertEquals(5, heads, byAction.toString());
    assertEquals(5, dryRuns, byAction.toString());
    // The instance's downloads through the pre-signed URLs pass the proxy too; they are not the
    // build's API calls, one GET per URL the node read.
    int downloads =
        byAction.entrySet().stream()
            .filter(e -> e.getKey().startsWith("GET /amazon-eks/1.23.16/2023-01-30/"))
            .mapToInt(Map.Entry::getValue)
            .sum();
    System.out.printf(
        "end-to-end build: %d ms, %d AWS calls and %d downloads by the instance %s%n",
        millis, total - downloads, downloads, new java.util.TreeMap<>(byAction));
    assertEquals(NODE.urlsReadFromStdin().size(), downloads, byAction.toString());
    assertTrue(downloads >= 5, "binaries fetched through pre-signed URLs: " + downloads);
    assertTrue(
        total - consoleReads - downloads - heads - dryRuns <= 24,
        "single-region build made " + total + " AWS calls: " + byAction);
    assertEquals(
        List.of(), NODE.checkRealMachine().violations(), "the node wrote on the real machine");
  }

  @Test
  void k8s_forwardedCredentials_atMostVerboseWithJson_appearInNoOutputOrLog() throws Exception {
    // A quote and a slash, so the value is shell-quoted differently from how it reads.
    String secretKey = "wJalrXUtnFEMI/K7MDENG+e2e'Secret'KEY";
    String token = "FwoGZXIvYXdzEJr//////////wEaDEndToEndSessionToken";
    String accessKey = "AKIAENDTOENDEXAMPLE";
    ByteArrayOutputStream logs = new ByteArrayOutputStream();
    Run run;
    try (LogCapture ignored = LogCapture.into(logs)) {
      run =
          k8s(
              Map.of(
                  "AWS_ACCESS_KEY_ID",
                  accessKey,
                  "AWS_SECRET_ACCESS_KEY",
                  secretKey,
                  "AWS_SESSION_TOKEN",
                  token),
              "-vvv",
              "--json",
              "forward_aws_credentials=true");
    }
    assertEquals(0, run.code(), run.err() + run.out());
    String logged = logs.toString(StandardCharsets.UTF_8);

    // The credentials did reach the node (the wget stand-in found them in its environment and
    // echoed them), though the binaries came through pre-signed URLs, not the AWS CLI; and MINA
    // logged the exec requests of the shell provisioners at debug: they simply do not carry the
    // variables.
    assertFalse(NODE.credentialsSeenBy().isEmpty(), "no stand-in saw the forwarded credentials");
    assertTrue(
        NODE.calls().stream().noneMatch(c -> c.startsWith("aws s3 cp")),
        String.join("\n", NODE.calls()));
    assertTrue(
        logged.contains("org.apache.sshd.client.session.ClientSessionImpl createExecChannel"),
        "-vvv must log MINA's exec requests");
    assertTrue(
        logged.contains("read -r __ab_run"),
        "the shell provisioners' exec requests were not logged");
    for (String secret : List.of(secretKey, token, accessKey, "e2e'\"'\"'Secret")) {
      assertFalse(run.out().contains(secret), "stdout shows " + secret);
      assertFalse(run.err().contains(secret), "stderr shows " + secret);
      assertFalse(logged.contains(secret), "the log shows " + secret);
    }
  }

  @Test
  void k8s_failingScript_unwindsAndReportsTheLastLines() throws Exception {
    MotoState before = MotoState.capture(List.of(ec2));
    // The emulator's bucket has the binaries, so the preflight passes, but the node's bucket has no
    // kubelet for this version: install-worker fails while downloading it.
    publishToEmulator("1.23.17");
    Run run = k8s("1.23.17", Map.of());
    assertEquals(1, run.code(), run.err() + run.out());
    assertTrue(run.err().contains("install-worker.sh"), run.err());
    assertEquals(
        Set.of(),
        MotoState.capture(List.of(ec2)).diff(before),
        "nothing may be left after a failure");
  }

  private static Set<String> listing(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
    }
  }

  /** Copies every log event of the run (all loggers, at the levels the CLI sets) into a buffer. */
  static final class LogCapture implements AutoCloseable {
    private final ch.qos.logback.classic.Logger root;
    private final OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();

    private LogCapture(LoggerContext context, OutputStream sink) {
      root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
      PatternLayoutEncoder encoder = new PatternLayoutEncoder();
      encoder.setContext(context);
      encoder.setPattern("%level %logger %msg%n%ex");
      encoder.start();
      appender.setContext(context);
      appender.setEncoder(encoder);
      appender.setOutputStream(sink);
      appender.start();
      root.addAppender(appender);
    }

    static LogCapture into(OutputStream sink) {
      return new LogCapture((LoggerContext) LoggerFactory.getILoggerFactory(), sink);
    }

    @Override
    public void close() {
      root.detachAppender(appender);
      appender.stop();
    }
  }
}
