package dev.eksnode.amibuilder.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eksnode.amibuilder.cli.TestHome;
import dev.eksnode.amibuilder.rig.FaultProxy;
import dev.eksnode.amibuilder.rig.NodeHostExtension;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * Section 6 of {@link BuildBenchmark} (issue 13): the same work done by ami-builder and by Debian's
 * Packer 1.6.6 on the rig, runs alternating, with the rig's floor measured in the same run (JVM
 * start of an empty main, the build's AWS calls sent again one at a time, one OpenSSH connection
 * per provisioner), a breakdown of where an ami-builder build spends its time, and the issue's
 * targets. Reports only; it asserts that every build succeeds, never a time.
 *
 * <p>The work: {@code src/test/resources/bench/packer-rig.json}, the reference template's builder
 * pointed at the rig with a provisioner chain shaped like the reference (a files/ upload, six shell
 * provisioners, upgrade_kernel.sh rebooting the node host with {@code expect_disconnect} and {@code
 * pause_after} 0 s, a download). ami-builder runs the shipped template's builder with exactly that
 * provisioner list, through {@code bin/ami-builder} (JVM start included).
 */
final class PackerComparison {
  /** What the comparison needs from the benchmark around it. */
  interface Rig {
    void freshNode() throws Exception;

    /** The environment of an ami-builder child process (credentials, state dir, poll delay). */
    Map<String, String> env();

    /** {@code k8s --json ...} with the rig's endpoint and SSH words, for a build tagged so. */
    List<String> k8sArgs(String tag);
  }

  static final String PACKER_POLL_DELAY_SECONDS = "1";
  static final String PACKER_MAX_ATTEMPTS = "600";
  static final int CLI_RUNS = 5;
  static final int JVM_RUNS = 5;

  /** One OpenSSH connection per provisioner of the chain. */
  static final int SSH_RUNS = 9;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern LOG_LINE =
      Pattern.compile("^(\\d\\d:\\d\\d:\\d\\d\\.\\d{3}) +\\w+ +(\\S+) - (.*)$");
  private static final Pattern CREATING = Pattern.compile("Creating (\\w+) client \\[region=");
  private static final Pattern CLASS_LINE =
      Pattern.compile("^\\[([^\\]]+)\\]\\[(\\d+)ms\\] (\\S+) source: (.*)$");
  private static final DateTimeFormatter JVM_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSZ", Locale.ROOT);
  private static final Set<String> HOP_HEADERS =
      Set.of(
          "authorization",
          "x-amz-date",
          "x-amz-content-sha256",
          "x-amz-security-token",
          "host",
          "content-length",
          "connection",
          "transfer-encoding",
          "expect",
          "amz-sdk-invocation-id",
          "amz-sdk-request");

  private final FaultProxy proxy;
  private final NodeHostExtension node;
  private final Ec2Client ec2;
  private final Path root;
  private final Rig rig;
  private final StringBuilder details;
  private final List<String[]> targets = new ArrayList<>();
  private final Path project = TestHome.projectDir();
  private final Path launcher = project.resolve("bin/ami-builder");

  PackerComparison(
      FaultProxy proxy,
      NodeHostExtension node,
      Ec2Client ec2,
      Path root,
      Rig rig,
      StringBuilder details) {
    this.proxy = proxy;
    this.node = node;
    this.ec2 = ec2;
    this.root = root;
    this.rig = rig;
    this.details = details;
  }

  /** The issue's targets as rows {measure, measured, target, met}. */
  List<String[]> targets() {
    return targets;
  }

  record Child(int code, long wallMs, Instant spawned, String output) {}

  /** One build as the proxy and its output saw it. */
  record Build(Child child, List<FaultProxy.Exchange> calls, List<JsonNode> events) {
    Instant stepTime(String event, String step) {
      return events.stream()
          .filter(e -> e.path("event").asText().equals(event))
          .filter(e -> e.path("step").asText().equals(step))
          .map(e -> Instant.parse(e.get("time").asText()))
          .findFirst()
          .orElse(null);
    }

    Map<String, Long> steps() {
      Map<String, Long> out = new LinkedHashMap<>();
      for (JsonNode e : events) {
        if (e.path("event").asText().equals("step_finished")) {
          out.put(e.get("step").asText(), Math.round(e.get("seconds").asDouble() * 1000));
        }
      }
      return out;
    }

    Map<String, long[]> provisioned() {
      Map<String, long[]> out = new LinkedHashMap<>();
      for (JsonNode e : events) {
        if (e.path("event").asText().equals("provisioned")) {
          out.put(
              e.get("provisioner")
                  .asText()
                  .replaceAll("/\\S*/bench-template/", "{{template_dir}}/"),
              new long[] {e.get("millis").asLong(), e.get("ssh_channels").asLong()});
        }
      }
      return out;
    }

    /**
     * The preflight step: every check before anything is created, the making of the first AWS
     * client included.
     */
    long preflightMs() {
      return steps().getOrDefault("preflight", -1L);
    }

    /**
     * From RunInstances' answer to StopInstances' arrival, as the proxy saw it: the wait for the
     * instance, the SSH connection and every provisioner, the reboot included; the same span for
     * either tool.
     */
    long sshWindowMs() {
      Instant launched = null;
      for (FaultProxy.Exchange e : calls) {
        if (e.action().equals("RunInstances")) {
          launched = e.arrived().plusNanos(e.nanos());
        } else if (e.action().equals("StopInstances") && launched != null) {
          return Duration.between(launched, e.arrived()).toMillis();
        }
      }
      return -1;
    }
  }

  void run(int runs) throws Exception {
    Path dir = prepareTemplates();
    String packerVersion = packerVersion();
    details.append(
        String.format(
            "%n6. ami-builder against Packer on the same work (issue 13): %s%n",
            packerVersion == null ? "packer NOT FOUND on PATH" : packerVersion));
    details.append(
        "work: src/test/resources/bench/packer-rig.json, i.e. the reference builder on the rig and 9"
            + " provisioners: a files/ upload ("
            + fileCount(dir.resolve("files"))
            + " files), 6 shell provisioners, upgrade_kernel.sh\n"
            + "rebooting the node host (expect_disconnect, pause_after 0s), a download;"
            + " ami-builder runs the shipped builder with the same provisioner list, via"
            + " bin/ami-builder (JVM start included)\n");
    details.append(
        "Packer's environment: AWS_POLL_DELAY_SECONDS="
            + PACKER_POLL_DELAY_SECONDS
            + " AWS_MAX_ATTEMPTS="
            + PACKER_MAX_ATTEMPTS
            + " CHECKPOINT_DISABLE=1 (moto reaches each state at once, so every wait of either"
            + " tool ends at its first poll;\na missed poll would cost Packer 1 s and ami-builder 20"
            + " ms); Packer makes a temporary key pair, whose public key the rig authorizes as it"
            + " does ami-builder's\n");

    proxy.keepExchanges();
    importFloorKey();
    // bin/ami-builder's first run after packaging records its class-data-sharing archive (the
    // training run's classes), and its first build records the second layer with the classes a
    // build loads (users pay both once): both are made afresh here by one untimed build, whose
    // layer the next run adopts.
    Files.deleteIfExists(project.resolve("target/ami-builder.jsa"));
    Files.deleteIfExists(project.resolve("target/ami-builder-build.jsa"));
    amiBuilder(dir, "warmup-cds", List.of(), Map.of());
    // Packer's binary was read once by 'packer version' above.

    // The same builds on a newer JDK where one is installed (its ahead-of-time cache: the first
    // build records, the next run makes the cache, both untimed), from a second installation
    // directory so that either JDK keeps its own class-data archive.
    Jdk newer = Jdk.newest(25);
    Path launcher25 = newer == null ? null : secondInstallation();
    Map<String, String> env25 =
        newer == null ? Map.of() : Map.of("JAVA_HOME", newer.home().toString());
    if (newer != null) {
      amiBuilder(launcher25, dir, "warmup-aot-record", List.of(), env25);
      amiBuilder(launcher25, dir, "warmup-aot-create", List.of(), env25);
    }

    // Alternating runs: ami-builder, Packer, [ami-builder on the newer JDK,] ami-builder, ...
    List<Build> ours = new ArrayList<>();
    List<Build> theirs = new ArrayList<>();
    List<Build> ours25 = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      ours.add(amiBuilder(dir, "cmp" + i, List.of(), Map.of()));
      if (packerVersion != null) {
        theirs.add(packer(dir, "cmp" + i, false));
      }
      if (newer != null) {
        ours25.add(amiBuilder(launcher25, dir, "cmp25-" + i, List.of(), env25));
      }
    }
    List<Long> ourWalls = ours.stream().map(b -> b.child().wallMs()).toList();
    List<Long> theirWalls = theirs.stream().map(b -> b.child().wallMs()).toList();

    details.append(
        String.format("%-34s %12s %12s%n", "run (alternating)", "ami-builder", "packer"));
    for (int i = 0; i < runs; i++) {
      details.append(
          String.format(
              "%-34s %9d ms %12s%n",
              "run " + (i + 1),
              ourWalls.get(i),
              i < theirWalls.size() ? theirWalls.get(i) + " ms" : "-"));
    }
    details.append(
        String.format(
            "%-34s %9d ms %12s%n",
            "median wall",
            median(ourWalls),
            theirWalls.isEmpty() ? "-" : median(theirWalls) + " ms"));
    Build lastOurs = ours.get(ours.size() - 1);
    details.append(
        String.format(
            "%-34s %12d %12s%n",
            "AWS calls (last run)",
            lastOurs.calls().size(),
            theirs.isEmpty() ? "-" : String.valueOf(theirs.get(theirs.size() - 1).calls().size())));
    details.append(
        String.format(
            "%-34s %9d ms %12s%n",
            "launched to stopping, median",
            median(ours.stream().map(Build::sshWindowMs).toList()),
            theirs.isEmpty()
                ? "-"
                : median(theirs.stream().map(Build::sshWindowMs).toList()) + " ms"));
    details.append(
        "  (launched to stopping: from RunInstances answered to StopInstances arriving at the proxy:"
            + " the instance wait, SSH connect, all 9 provisioners, the reboot)\n");
    details.append("AWS calls by action (last run): ami-builder | packer\n");
    Map<String, Integer> ourCalls = byAction(lastOurs.calls());
    Map<String, Integer> theirCalls =
        theirs.isEmpty() ? Map.of() : byAction(theirs.get(theirs.size() - 1).calls());
    TreeMap<String, int[]> both = new TreeMap<>();
    ourCalls.forEach((k, v) -> both.computeIfAbsent(k, x -> new int[2])[0] = v);
    theirCalls.forEach((k, v) -> both.computeIfAbsent(k, x -> new int[2])[1] = v);
    both.forEach(
        (k, v) -> details.append(String.format("  %-44s %4d | %4d%n", shorten(k, 44), v[0], v[1])));

    if (packerVersion != null) {
      // One more Packer build with its log on: how it gets past the reboot.
      Build logged = packer(dir, "log", true);
      Path log = root.resolve("packer-log/packer.log");
      List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
      List<String> retries =
          lines.stream().filter(l -> l.contains("Retryable error") || l.contains("retry")).toList();
      details.append(
          String.format(
              "Packer with PACKER_LOG=1 (not timed with the rest, %d ms): %d log lines about retries"
                  + "%s%n",
              logged.child().wallMs(),
              retries.size(),
              retries.isEmpty() ? "" : ", the first: " + shorten(retries.get(0).strip(), 150)));
    }

    double ratio =
        theirWalls.isEmpty() ? Double.NaN : median(ourWalls) / (double) median(theirWalls);
    targets.add(
        row(
            "rig build, ami-builder / packer (median walls "
                + median(ourWalls)
                + " / "
                + (theirWalls.isEmpty() ? "-" : median(theirWalls))
                + " ms)",
            Double.isNaN(ratio) ? "no packer" : String.format("%.2fx", ratio),
            "<= 0.50x",
            !Double.isNaN(ratio) && ratio <= 0.5));
    newerJdk(newer, ours25, theirWalls);

    // The floor, in the same run.
    List<Long> jvm = jvmFloor();
    List<Long> ssh = sshFloor();
    Replay replay = replay(lastOurs);
    long sshFloor = median(ssh);
    details.append(String.format("%n6a. The rig's floor, measured in this run%n"));
    details.append(
        String.format(
            "JVM start of an empty main (java -XX:TieredStopAtLevel=1 -Xshare:auto, JDK's CDS"
                + " archive), %d runs: median %d ms, min %d ms%n",
            JVM_RUNS, median(jvm), min(jvm)));
    details.append(
        String.format(
            "the last build's %d signed AWS calls sent again one at a time (the same HTTP requests"
                + " re-signed by the SDK's SigV4 signer,%n  sent by the SDK's URL-connection client"
                + " through the proxy, after %d warm-up calls): %d ms in all, median %.1f ms a"
                + " call, %d ms of the total spent at the proxy;%n  the %d calls of the preflight step: %d ms (the step"
                + " took %d ms)%n",
            replay.calls(),
            Replay.WARMUP,
            replay.totalMs(),
            replay.medianMs(),
            replay.atProxyMs(),
            replay.preflightCalls(),
            replay.preflightMs(),
            lastOurs.preflightMs()));
    details.append(
        String.format(
            "OpenSSH 'ssh -o BatchMode=yes -o ControlMaster=no ... true' (a new connection each,"
                + " ed25519 key, no pty), %d runs: median %d ms, min %d ms, max %d ms%n",
            ssh.size(), sshFloor, min(ssh), max(ssh)));
    long floorSum = median(jvm) + replay.totalMs() + 9 * sshFloor;
    details.append(
        String.format(
            "floor of the build: JVM %d + AWS calls %d + 9 x ssh %d = %d ms (the reboot's sshd"
                + " downtime of 300 ms not included)%n",
            median(jvm), replay.totalMs(), sshFloor, floorSum));

    // Where the time goes.
    breakdown(dir, sshFloor);

    // Per provisioner against the OpenSSH floor, and the preflight.
    Map<String, List<Long>> perProvisioner = new LinkedHashMap<>();
    Map<String, Long> channels = new LinkedHashMap<>();
    for (Build b : ours) {
      b.provisioned()
          .forEach(
              (k, v) -> {
                perProvisioner.computeIfAbsent(k, x -> new ArrayList<>()).add(v[0]);
                channels.put(k, v[1]);
              });
    }
    List<Long> preflights = ours.stream().map(Build::preflightMs).toList();
    Map<String, List<Long>> steps = new LinkedHashMap<>();
    for (Build b : ours) {
      b.steps().forEach((k, v) -> steps.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
    }
    details.append(
        String.format(
            "%n6c. ami-builder per step and per provisioner over the %d compared builds%n", runs));
    details.append(String.format("%-60s %8s%n", "step", "median"));
    steps.forEach((k, v) -> details.append(String.format("%-60s %5d ms%n", k, median(v))));
    details.append(
        String.format(
            "%-60s %5d ms%n", "preflight step (checks, first client made)", median(preflights)));
    long limit = Math.round(sshFloor * 1.2);
    details.append(
        String.format("%-60s %8s %8s %10s%n", "provisioner", "median", "channels", "/ OpenSSH"));
    perProvisioner.forEach(
        (k, v) ->
            details.append(
                String.format(
                    "%-60s %5d ms %8d %9.2fx%n",
                    shorten(k, 60), median(v), channels.get(k), median(v) / (double) sshFloor)));

    targets.add(
        row(
            "preflight step (every check before creating), median",
            median(preflights) + " ms",
            "<= 300 ms",
            median(preflights) >= 0 && median(preflights) <= 300));
    newerJdkPreflight(newer, ours25);
    perProvisioner.forEach(
        (k, v) -> {
          if (k.startsWith("shell") && !k.contains("upgrade_kernel")) {
            targets.add(
                row(
                    shorten(k, 44) + ", median",
                    median(v) + " ms",
                    "<= " + limit + " ms",
                    median(v) <= limit));
          }
        });
    targets.add(row("  (1.2 x the OpenSSH floor of " + sshFloor + " ms)", "", "", null));

    cliTimes();
  }

  // ---------------------------------------------------------------- the two tools

  private Build amiBuilder(Path dir, String tag, List<String> extraArgs, Map<String, String> env)
      throws Exception {
    return amiBuilder(launcher, dir, tag, extraArgs, env);
  }

  private Build amiBuilder(
      Path launcher, Path dir, String tag, List<String> extraArgs, Map<String, String> env)
      throws Exception {
    rig.freshNode();
    proxy.clear();
    List<String> args = new ArrayList<>(rig.k8sArgs(tag));
    args.addAll(1, List.of("--template", dir.resolve("ami-builder.json").toString()));
    args.addAll(1, extraArgs);
    List<String> cmd = new ArrayList<>();
    cmd.add(launcher.toString());
    cmd.addAll(args);
    Map<String, String> all = new HashMap<>(rig.env());
    all.putAll(env);
    Child child = launch(cmd, all, Files.createDirectories(root.resolve("work-" + tag)), tag);
    assertEquals(0, child.code(), child.output());
    List<JsonNode> events = new ArrayList<>();
    for (String line : child.output().split("\n")) {
      if (line.startsWith("{")) {
        events.add(JSON.readTree(line));
      }
    }
    return new Build(child, proxy.exchanges(), events);
  }

  private Build packer(Path dir, String tag, boolean log) throws Exception {
    rig.freshNode();
    proxy.clear();
    Path work = Files.createDirectories(root.resolve("packer-" + tag));
    List<String> cmd =
        List.of(
            "packer",
            "build",
            "-color=false",
            "-var",
            "endpoint=" + proxy.endpoint(),
            "-var",
            "ssh_host=" + node.host(),
            "-var",
            "ssh_port=" + node.port(),
            "-var",
            "ami_name=packer-" + tag + "-" + System.nanoTime(),
            dir.resolve("packer-rig.json").toString());
    Map<String, String> env = new HashMap<>(packerEnv());
    if (log) {
      env.put("PACKER_LOG", "1");
      env.put("PACKER_LOG_PATH", work.resolve("packer.log").toString());
    }
    Child child = launch(cmd, env, work, "packer-" + tag);
    assertEquals(0, child.code(), child.output());
    return new Build(child, proxy.exchanges(), List.of());
  }

  private Map<String, String> packerEnv() {
    return Map.of(
        "AWS_ACCESS_KEY_ID",
        "testing",
        "AWS_SECRET_ACCESS_KEY",
        "testing",
        "AWS_POLL_DELAY_SECONDS",
        PACKER_POLL_DELAY_SECONDS,
        "AWS_MAX_ATTEMPTS",
        PACKER_MAX_ATTEMPTS,
        "CHECKPOINT_DISABLE",
        "1",
        "PACKER_CACHE_DIR",
        root.resolve("packer_cache").toString(),
        "USER",
        "bench");
  }

  private static String packerVersion() throws InterruptedException {
    try {
      Process p = new ProcessBuilder("packer", "version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      return p.waitFor() == 0 ? out.lines().findFirst().orElse(out) : null;
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * The benchmark's template directory: the Packer template and its scripts, the project's files/,
   * and ami-builder.json, the shipped template with the Packer template's provisioner list.
   */
  private Path prepareTemplates() throws IOException {
    Path dir = Files.createDirectories(root.resolve("bench-template"));
    Path source = project.resolve("src/test/resources/bench");
    copyTree(source, dir);
    copyTree(project.resolve("files"), dir.resolve("files"));
    try (Stream<Path> scripts = Files.list(dir.resolve("scripts"))) {
      for (Path s : scripts.toList()) {
        Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("rwxr-xr-x"));
      }
    }
    JsonNode packerTemplate = JSON.readTree(dir.resolve("packer-rig.json").toFile());
    ObjectNode shipped =
        (ObjectNode) JSON.readTree(project.resolve("templates/eks-worker-al2.json").toFile());
    shipped.set("provisioners", packerTemplate.get("provisioners").deepCopy());
    JSON.writerWithDefaultPrettyPrinter()
        .writeValue(dir.resolve("ami-builder.json").toFile(), shipped);
    Files.copy(
        project.resolve("templates/eks-worker-al2-variables.json"),
        dir.resolve("ami-builder-variables.json"),
        StandardCopyOption.REPLACE_EXISTING);
    return dir;
  }

  // ---------------------------------------------------------------- floors

  private List<Long> jvmFloor() throws Exception {
    List<Long> out = new ArrayList<>();
    List<String> cmd =
        List.of(
            "java",
            "-XX:TieredStopAtLevel=1",
            "-Xshare:auto",
            "-Xlog:cds=off",
            "-cp",
            project.resolve("target/test-classes").toString(),
            EmptyMain.class.getName());
    for (int i = 0; i < JVM_RUNS; i++) {
      Child c = launch(cmd, Map.of(), root, "jvm" + i);
      assertEquals(0, c.code(), c.output());
      out.add(c.wallMs());
    }
    return out;
  }

  private Path floorKey;

  /**
   * An ed25519 key for the OpenSSH floor, imported into moto so the rig's key follower authorizes
   * it next to the builds' keys.
   */
  private void importFloorKey() throws Exception {
    floorKey = root.resolve("openssh-floor-key");
    Child gen =
        launch(
            List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", floorKey.toString()),
            Map.of(),
            root,
            "keygen");
    assertEquals(0, gen.code(), gen.output());
    String pub = Files.readString(root.resolve("openssh-floor-key.pub")).strip();
    ec2.importKeyPair(
        r ->
            r.keyName("bench-openssh-floor")
                .publicKeyMaterial(SdkBytes.fromString(pub, StandardCharsets.UTF_8)));
  }

  private List<String> sshCommand() {
    return List.of(
        "ssh",
        "-i",
        floorKey.toString(),
        "-p",
        String.valueOf(node.port()),
        "-o",
        "BatchMode=yes",
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "ControlMaster=no",
        "-o",
        "ControlPath=none",
        "-o",
        "LogLevel=ERROR",
        node.user() + "@" + node.host(),
        "true");
  }

  private List<Long> sshFloor() throws Exception {
    rig.freshNode();
    // The follower authorizes the key within 100 ms of seeing it; wait for the first success.
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    Child probe;
    do {
      probe = launch(sshCommand(), Map.of(), root, "ssh-probe");
    } while (probe.code() != 0 && System.nanoTime() < deadline);
    assertEquals(0, probe.code(), probe.output());
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < SSH_RUNS; i++) {
      Child c = launch(sshCommand(), Map.of(), root, "ssh" + i);
      assertEquals(0, c.code(), c.output());
      out.add(c.wallMs());
    }
    return out;
  }

  record Replay(
      int calls,
      long totalMs,
      double medianMs,
      int preflightCalls,
      long preflightMs,
      long atProxyMs) {
    static final int WARMUP = 3;
  }

  /**
   * Sends the build's signed calls again, in order and one at a time, through the proxy: each
   * request re-signed with the SDK's SigV4 signer and sent with the SDK's URL-connection HTTP
   * client. Answers may differ (a resource already gone answers with an error): the round trip is
   * what is timed.
   */
  private Replay replay(Build build) throws Exception {
    Instant preflightStart = build.stepTime("step_started", "preflight");
    Instant preflightEnd = build.stepTime("step_finished", "preflight");
    List<FaultProxy.Exchange> signed =
        build.calls().stream().filter(e -> !e.service().isEmpty()).toList();
    AwsV4HttpSigner signer = AwsV4HttpSigner.create();
    AwsCredentialsIdentity identity = AwsCredentialsIdentity.create("testing", "testing");
    List<Long> each = new ArrayList<>();
    long preflight = 0;
    int preflightCalls = 0;
    // The build's own exchanges are still held: only the replay's may count below.
    proxy.clear();
    try (SdkHttpClient http = UrlConnectionHttpClient.create()) {
      for (int i = 0; i < Replay.WARMUP && !signed.isEmpty(); i++) {
        send(http, signer, identity, signed.get(0));
      }
      for (FaultProxy.Exchange e : signed) {
        long t0 = System.nanoTime();
        send(http, signer, identity, e);
        long took = System.nanoTime() - t0;
        each.add(took);
        if (preflightStart != null
            && !e.arrived().isBefore(preflightStart)
            && e.arrived().isBefore(preflightEnd)) {
          preflight += took;
          preflightCalls++;
        }
      }
    }
    // The replayed calls' own time at the proxy (moto's answer and the forward): the rest of each
    // round trip is the client side, the signer, the HTTP client and the loopback connection.
    long atProxy =
        proxy.exchanges().stream()
            .skip(Math.min(Replay.WARMUP, signed.size()))
            .mapToLong(FaultProxy.Exchange::nanos)
            .sum();
    proxy.clear();
    List<Long> sorted = new ArrayList<>(each);
    sorted.sort(Long::compare);
    double medianMs = sorted.isEmpty() ? 0 : sorted.get(sorted.size() / 2) / 1e6;
    long total = each.stream().mapToLong(Long::longValue).sum() / 1_000_000;
    return new Replay(
        signed.size(), total, medianMs, preflightCalls, preflight / 1_000_000, atProxy / 1_000_000);
  }

  private void send(
      SdkHttpClient http,
      AwsV4HttpSigner signer,
      AwsCredentialsIdentity identity,
      FaultProxy.Exchange e)
      throws IOException {
    URI uri = URI.create(proxy.endpoint() + e.uri());
    SdkHttpFullRequest.Builder request =
        SdkHttpFullRequest.builder().method(SdkHttpMethod.fromValue(e.method())).uri(uri);
    e.headers()
        .forEach(
            (name, values) -> {
              if (!HOP_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                request.putHeader(name, values);
              }
            });
    byte[] body = e.body() == null ? new byte[0] : e.body();
    if (body.length > 0) {
      request.putHeader("Content-Length", String.valueOf(body.length));
    }
    SdkHttpRequest unsigned = request.build();
    SignedRequest signed =
        signer.sign(
            r ->
                r.identity(identity)
                    .request(unsigned)
                    .payload(body.length == 0 ? null : ContentStreamProvider.fromByteArray(body))
                    .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, e.service())
                    .putProperty(AwsV4HttpSigner.REGION_NAME, e.region()));
    HttpExecuteResponse response =
        http.prepareRequest(
                HttpExecuteRequest.builder()
                    .request(signed.request())
                    .contentStreamProvider(signed.payload().orElse(null))
                    .build())
            .call();
    if (response.responseBody().isPresent()) {
      try (InputStream in = response.responseBody().get()) {
        in.readAllBytes();
      }
    }
  }

  // ---------------------------------------------------------------- breakdown

  /**
   * One more ami-builder build with {@code -v} (the log says when each AWS client is made) and a
   * class-load log with wall-clock and uptime stamps; with the proxy's call log and the JSON events
   * this places every phase of the build on one time line from the moment the process was spawned.
   */
  private void breakdown(Path dir, long sshFloor) throws Exception {
    Path classLog = root.resolve("class-load.log");
    Build b =
        amiBuilder(
            dir,
            "breakdown",
            List.of("-v"),
            Map.of(
                "JAVA_TOOL_OPTIONS",
                "-Xlog:class+load=info:file=" + classLog + ":time,uptimemillis"));
    Instant t0 = b.child().spawned();
    Function<Instant, Long> at = t -> t == null ? -1 : Duration.between(t0, t).toMillis();

    // Class loading.
    Instant jvmStart = null;
    Instant mainLoaded = null;
    Map<String, Integer> groups = new LinkedHashMap<>();
    Map<String, Instant> firstOfGroup = new LinkedHashMap<>();
    int total = 0;
    int shared = 0;
    int beforeFirstCall = 0;
    Instant firstCall = b.calls().isEmpty() ? null : b.calls().get(0).arrived();
    Instant lastClass = null;
    for (String line : Files.readAllLines(classLog)) {
      Matcher m = CLASS_LINE.matcher(line);
      if (!m.matches()) {
        continue;
      }
      Instant when = JVM_TIME.parse(m.group(1), Instant::from);
      if (jvmStart == null) {
        jvmStart = when.minusMillis(Long.parseLong(m.group(2)));
      }
      String name = m.group(3);
      if (mainLoaded == null && name.equals("dev.eksnode.amibuilder.cli.Main")) {
        mainLoaded = when;
      }
      total++;
      if (m.group(4).startsWith("shared objects file")) {
        shared++;
      }
      if (firstCall != null && when.isBefore(firstCall)) {
        beforeFirstCall++;
      }
      lastClass = when;
      groups.merge(group(name), 1, Integer::sum);
      if (mainLoaded != null) {
        firstOfGroup.putIfAbsent(group(name), when);
      }
    }

    // The log (-v) and the events.
    LocalDate day = t0.atZone(ZoneId.systemDefault()).toLocalDate();
    List<String[]> clients = new ArrayList<>();
    for (String line : b.child().output().split("\n")) {
      Matcher m = LOG_LINE.matcher(line);
      if (!m.matches()) {
        continue;
      }
      Instant when =
          LocalTime.parse(m.group(1)).atDate(day).atZone(ZoneId.systemDefault()).toInstant();
      Matcher c = CREATING.matcher(m.group(3));
      if (c.find()) {
        String service = c.group(1);
        Instant first =
            b.calls().stream()
                .filter(e -> e.service().equals(service) && !e.arrived().isBefore(when))
                .map(FaultProxy.Exchange::arrived)
                .findFirst()
                .orElse(null);
        clients.add(
            new String[] {
              service,
              String.valueOf(at.apply(when)),
              first == null ? "-" : String.valueOf(Duration.between(when, first).toMillis())
            });
      }
    }
    Instant exit = t0.plusMillis(b.child().wallMs());
    Instant firstStep =
        b.events().stream()
            .filter(e -> e.path("event").asText().equals("step_started"))
            .map(e -> Instant.parse(e.get("time").asText()))
            .findFirst()
            .orElse(null);
    Instant resultAt =
        b.events().stream()
            .filter(e -> e.path("event").asText().equals("result"))
            .map(e -> Instant.parse(e.get("time").asText()))
            .findFirst()
            .orElse(null);

    details.append(
        String.format(
            "%n6b. Where the time of one ami-builder build goes (one more build, with -v and a"
                + " class-load log, so %d ms here;%n    times from the spawn of bin/ami-builder:"
                + " class-load stamps, the -v log, the proxy's call log, the JSON events)%n",
            b.child().wallMs()));
    details.append(String.format("%-64s %8s %8s%n", "phase", "at", "took"));
    phase(
        "launcher script (bash, jar freshness check) until the JVM starts", 0, at.apply(jvmStart));
    phase(
        "JVM boot until dev.eksnode.amibuilder.cli.Main is loaded",
        at.apply(jvmStart),
        between(jvmStart, mainLoaded));
    phase(
        "Main until the first step starts (CLI, template, variables, checks)",
        at.apply(mainLoaded),
        between(mainLoaded, firstStep));
    firstOfGroup.forEach(
        (k, v) ->
            details.append(
                String.format("  %-62s %5d ms%n", "first class of " + k + " loaded", at.apply(v))));
    for (String[] c : clients) {
      details.append(
          String.format(
              "  %-62s %5s ms %5s ms%n",
              "AWS client " + c[0] + " made; until its first call arrives", c[1], c[2]));
    }
    listCalls(b.calls(), t0, firstStep, t0);
    Map<String, Long> steps = b.steps();
    Instant stepStart = firstStep;
    for (Map.Entry<String, Long> s : steps.entrySet()) {
      Instant started = b.stepTime("step_started", s.getKey());
      Instant finished = b.stepTime("step_finished", s.getKey());
      List<FaultProxy.Exchange> inside = within(b.calls(), started, finished);
      long callMs = inside.stream().mapToLong(FaultProxy.Exchange::millis).sum();
      details.append(
          String.format(
              "%-64s %5d ms %5d ms%n",
              "step "
                  + s.getKey()
                  + ": "
                  + inside.size()
                  + " AWS calls, "
                  + callMs
                  + " ms of them at the proxy",
              at.apply(started),
              s.getValue()));
      if (s.getKey().equals("preflight") && !inside.isEmpty()) {
        details.append(
            String.format(
                "  %-62s %5d ms %5d ms%n",
                "step start until its first AWS call arrives",
                at.apply(started),
                between(started, inside.get(0).arrived())));
        listCalls(b.calls(), started, finished, t0);
      }
      if (s.getKey().equals("provision")) {
        listCalls(b.calls(), started, finished, t0);
        b.provisioned()
            .forEach(
                (k, v) ->
                    details.append(
                        String.format(
                            "  %-62s %8s %5d ms  %d SSH channels, %.2fx OpenSSH%n",
                            shorten(k, 62), "", v[0], v[1], v[0] / (double) sshFloor)));
      }
      stepStart = finished;
    }
    phase(
        "last step until the result event (removing temporary resources)",
        at.apply(stepStart),
        between(stepStart, resultAt));
    listCalls(b.calls(), stepStart, resultAt, t0);
    phase("result event until the process has exited", at.apply(resultAt), between(resultAt, exit));
    details.append(
        String.format(
            "classes loaded: %d (%d from the CDS archive, %d from the jar or the JDK's modules); %d"
                + " before the first AWS call; the last at %d ms%n",
            total, shared, total - shared, beforeFirstCall, at.apply(lastClass)));
    StringBuilder g = new StringBuilder("  by origin:");
    groups.forEach((k, v) -> g.append(' ').append(k).append(' ').append(v).append(','));
    g.setLength(g.length() - 1);
    details.append(g).append('\n');
  }

  private void phase(String what, long at, long took) {
    details.append(String.format("%-64s %5d ms %5d ms%n", what, at, took));
  }

  private void listCalls(List<FaultProxy.Exchange> calls, Instant from, Instant to, Instant t0) {
    for (FaultProxy.Exchange e : within(calls, from, to)) {
      details.append(
          String.format(
              "  %-62s %5d ms %5d ms%n",
              shorten(e.service() + " " + e.action(), 62),
              Duration.between(t0, e.arrived()).toMillis(),
              e.millis()));
    }
  }

  private static List<FaultProxy.Exchange> within(
      List<FaultProxy.Exchange> calls, Instant from, Instant to) {
    if (from == null || to == null) {
      return List.of();
    }
    return calls.stream()
        .filter(e -> !e.arrived().isBefore(from) && e.arrived().isBefore(to))
        .toList();
  }

  private static long between(Instant a, Instant b) {
    return a == null || b == null ? -1 : Duration.between(a, b).toMillis();
  }

  private static String group(String className) {
    if (className.startsWith("software.amazon.")) {
      return "AWS SDK";
    }
    if (className.startsWith("org.apache.sshd.") || className.startsWith("net.i2p.")) {
      return "MINA SSHD";
    }
    if (className.startsWith("com.fasterxml.")) {
      return "Jackson";
    }
    if (className.startsWith("picocli.")) {
      return "picocli";
    }
    if (className.startsWith("ch.qos.") || className.startsWith("org.slf4j.")) {
      return "logging";
    }
    if (className.startsWith("dev.eksnode.")) {
      return "ami-builder";
    }
    if (className.startsWith("java.")
        || className.startsWith("javax.")
        || className.startsWith("jdk.")
        || className.startsWith("sun.")
        || className.startsWith("com.sun.")) {
      return "JDK";
    }
    return "other";
  }

  // ---------------------------------------------------------------- CLI

  private void cliTimes() throws Exception {
    Map<String, List<String>> commands = new LinkedHashMap<>();
    commands.put("--help", List.of("--help"));
    commands.put(
        "validate",
        List.of(
            "validate",
            "--kubernetes-version",
            BuildBenchmark.VERSION,
            "--kubernetes-build-date",
            BuildBenchmark.BUILD_DATE));
    commands.put(
        "vars",
        List.of(
            "vars",
            "--kubernetes-version",
            BuildBenchmark.VERSION,
            "--kubernetes-build-date",
            BuildBenchmark.BUILD_DATE));
    Map<String, Long> limits = Map.of("--help", 300L, "validate", 600L, "vars", 600L);
    details.append(
        String.format("%n6d. Short commands via bin/ami-builder, %d runs each%n", CLI_RUNS));
    for (Map.Entry<String, List<String>> c : commands.entrySet()) {
      List<Long> walls = new ArrayList<>();
      for (int i = 0; i < CLI_RUNS; i++) {
        List<String> cmd = new ArrayList<>();
        cmd.add(launcher.toString());
        cmd.addAll(c.getValue());
        Child child = launch(cmd, rig.env(), root, "cli-" + c.getKey() + i);
        assertEquals(0, child.code(), child.output());
        walls.add(child.wallMs());
      }
      details.append(
          String.format(
              "%-10s median %d ms, min %d ms, max %d ms%n",
              c.getKey(), median(walls), min(walls), max(walls)));
      long limit = limits.get(c.getKey());
      targets.add(
          row(
              c.getKey() + " via bin/ami-builder, median of " + CLI_RUNS,
              median(walls) + " ms",
              "<= " + limit + " ms",
              median(walls) <= limit));
    }
  }

  // ---------------------------------------------------------------- a newer JDK

  /** A JDK found under /usr/lib/jvm (or named by -Dbench.jdk), by its release file. */
  record Jdk(Path home, String version) {
    int feature() {
      String v = version.startsWith("1.") ? version.substring(2) : version;
      int dot = v.indexOf('.');
      try {
        return Integer.parseInt(dot < 0 ? v : v.substring(0, dot));
      } catch (NumberFormatException e) {
        return 0;
      }
    }

    static Jdk at(Path home) {
      Path release = home.resolve("release");
      if (!Files.isExecutable(home.resolve("bin/java")) || !Files.isReadable(release)) {
        return null;
      }
      try {
        for (String line : Files.readAllLines(release)) {
          if (line.startsWith("JAVA_VERSION=")) {
            return new Jdk(home, line.substring("JAVA_VERSION=".length()).replace("\"", ""));
          }
        }
      } catch (IOException e) {
        return null;
      }
      return null;
    }

    /** -Dbench.jdk when set, else the newest JDK of at least that version under /usr/lib/jvm. */
    static Jdk newest(int atLeast) throws IOException {
      String named = System.getProperty("bench.jdk", "");
      if (!named.isBlank()) {
        return at(Path.of(named));
      }
      Path jvms = Path.of("/usr/lib/jvm");
      if (!Files.isDirectory(jvms)) {
        return null;
      }
      try (Stream<Path> dirs = Files.list(jvms)) {
        return dirs.filter(d -> !Files.isSymbolicLink(d))
            .map(Jdk::at)
            .filter(j -> j != null && j.feature() >= atLeast)
            .max((a, b) -> Integer.compare(a.feature(), b.feature()))
            .orElse(null);
      }
    }
  }

  /**
   * An installation directory beside the project's: its own bin/ami-builder and target/ (a copy of
   * the jar), the rest linked, so a second JDK records its archives without replacing the
   * project's.
   */
  private Path secondInstallation() throws IOException {
    Path home = root.resolve("install-newer-jdk");
    Files.createDirectories(home.resolve("bin"));
    Files.createDirectories(home.resolve("target"));
    for (String shared : List.of("templates", "files", "scripts", "eni-max-pods.txt")) {
      Files.deleteIfExists(home.resolve(shared));
      Files.createSymbolicLink(home.resolve(shared), project.resolve(shared));
    }
    Files.copy(
        launcher,
        home.resolve("bin/ami-builder"),
        StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.COPY_ATTRIBUTES);
    Files.copy(
        project.resolve("target/ami-builder.jar"),
        home.resolve("target/ami-builder.jar"),
        StandardCopyOption.REPLACE_EXISTING);
    return home.resolve("bin/ami-builder");
  }

  private void newerJdk(Jdk newer, List<Build> ours25, List<Long> theirWalls) {
    if (newer == null) {
      details.append(
          "no JDK 25 or newer under /usr/lib/jvm (or -Dbench.jdk=JAVA_HOME): the builds on a newer"
              + " JDK are left out\n");
      return;
    }
    List<Long> walls = ours25.stream().map(b -> b.child().wallMs()).toList();
    List<Long> preflights = ours25.stream().map(Build::preflightMs).toList();
    details.append(
        String.format(
            "the same builds on Java %s (JAVA_HOME=%s, its ahead-of-time cache made by two untimed"
                + " builds), in the same rounds: %s ms; median %d ms, preflight median %d ms%n",
            newer.version(), newer.home(), walls, median(walls), median(preflights)));
    double ratio = theirWalls.isEmpty() ? Double.NaN : median(walls) / (double) median(theirWalls);
    targets.add(
        row(
            "  the same on Java " + newer.version() + " (AOT cache): " + median(walls) + " ms",
            Double.isNaN(ratio) ? "no packer" : String.format("%.2fx", ratio),
            "<= 0.50x",
            !Double.isNaN(ratio) && ratio <= 0.5));
  }

  private void newerJdkPreflight(Jdk newer, List<Build> ours25) {
    if (newer == null) {
      return;
    }
    List<Long> preflights = ours25.stream().map(Build::preflightMs).toList();
    targets.add(
        row(
            "  the same on Java " + newer.version() + " (AOT cache), median",
            median(preflights) + " ms",
            "<= 300 ms",
            median(preflights) >= 0 && median(preflights) <= 300));
  }

  // ---------------------------------------------------------------- helpers

  private Child launch(List<String> cmd, Map<String, String> env, Path dir, String tag)
      throws Exception {
    Path log = root.resolve("launch-" + tag + ".log");
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().putAll(env);
    Instant spawned = Instant.now();
    long start = System.nanoTime();
    int code = pb.start().waitFor();
    long ms = (System.nanoTime() - start) / 1_000_000;
    return new Child(code, ms, spawned, Files.readString(log));
  }

  private static Map<String, Integer> byAction(List<FaultProxy.Exchange> calls) {
    Map<String, Integer> out = new TreeMap<>();
    for (FaultProxy.Exchange e : calls) {
      out.merge(
          (e.service().isEmpty() ? "unsigned" : e.service()) + " " + e.action(), 1, Integer::sum);
    }
    return out;
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path p : paths.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  private static long fileCount(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).count();
    }
  }

  static String[] row(String measure, String measured, String target, Boolean met) {
    return new String[] {measure, measured, target, met == null ? "" : met ? "met" : "NOT MET"};
  }

  private static String shorten(String label, int width) {
    return label.length() > width ? "..." + label.substring(label.length() - width + 3) : label;
  }

  static long median(List<Long> v) {
    if (v.isEmpty()) {
      return -1;
    }
    List<Long> s = new ArrayList<>(v);
    s.sort(Long::compare);
    return s.get(s.size() / 2);
  }

  private static long max(List<Long> v) {
    return v.stream().mapToLong(Long::longValue).max().orElse(0);
  }

  private static long min(List<Long> v) {
    return v.stream().mapToLong(Long::longValue).min().orElse(0);
  }
}
