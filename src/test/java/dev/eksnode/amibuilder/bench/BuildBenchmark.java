package dev.eksnode.amibuilder.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eksnode.amibuilder.cli.CliContext;
import dev.eksnode.amibuilder.cli.Main;
import dev.eksnode.amibuilder.cli.TestHome;
import dev.eksnode.amibuilder.rig.FaultProxy;
import dev.eksnode.amibuilder.rig.MotoExtension;
import dev.eksnode.amibuilder.rig.NodeHostExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.KeyPairInfo;

/**
 * The performance benchmark of DESIGN.md, run by {@code bin/benchmark} (not part of the test suite: the name matches
 * neither *Test nor *IT). Prints tables; it asserts only that the builds succeed, never a time.
 *
 * <ol>
 *   <li>N full builds in-process: the real template, moto behind the counting proxy, the node host over SSH.
 *   <li>One full build of the real jar as a child process (JVM start included).
 *   <li>8 builds at once in this process, EC2 steps only (they cannot share one node host), against one alone.
 * </ol>
 */
class BuildBenchmark {
  @RegisterExtension static final MotoExtension MOTO = new MotoExtension();
  @RegisterExtension static final NodeHostExtension NODE = new NodeHostExtension();
  static final String REGION = "us-west-2";
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path root;

  record Run(int code, List<JsonNode> events, String err, long wallMs) {}

  @Test
  void benchmark() throws Exception {
    int runs = Integer.getInteger("bench.runs", 3);
    try (FaultProxy proxy = FaultProxy.start(MOTO.endpoint()); Ec2Client ec2 = MOTO.ec2(Region.of(REGION))) {
      NODE.followAuthorizedKeys(() -> ec2.describeKeyPairs(r -> r.includePublicKey(true)).keyPairs().stream()
          .map(KeyPairInfo::publicKey).filter(k -> k != null && !k.isBlank()).toList());
      NODE.publishBinaries("1.23.16", "2023-01-30", "v0.8.6", "v0.5.9");

      Map<String, List<Long>> phases = new LinkedHashMap<>();
      Map<String, List<Long>> provisioners = new LinkedHashMap<>();
      Map<String, Long> channels = new LinkedHashMap<>();
      Map<String, Integer> calls = new TreeMap<>();
      List<Long> walls = new ArrayList<>();
      resetPeaks();
      for (int i = 0; i < runs; i++) {
        NODE.reset();
        NODE.publishBinaries("1.23.16", "2023-01-30", "v0.8.6", "v0.5.9");
        proxy.clear();
        Run run = k8s(proxy, home(i, true), "b" + i);
        assertEquals(0, run.code(), run.err());
        walls.add(run.wallMs());
        for (JsonNode e : run.events()) {
          switch (e.get("event").asText()) {
            case "step_finished" -> phases.computeIfAbsent(e.get("step").asText(), k -> new ArrayList<>())
                .add(Math.round(e.get("seconds").asDouble() * 1000));
            case "provisioned" -> {
              provisioners.computeIfAbsent(e.get("provisioner").asText(), k -> new ArrayList<>())
                  .add(e.get("millis").asLong());
              channels.put(e.get("provisioner").asText(), e.get("ssh_channels").asLong());
            }
            default -> { }
          }
        }
        if (i == runs - 1) {
          calls.putAll(proxy.countsByAction());
        }
      }
      long peakHeapMb = peakHeapMb();

      StringBuilder out = new StringBuilder("\n=== ami-builder benchmark (" + runs + " in-process end-to-end builds) ===\n");
      out.append(String.format("%-40s %8s %8s%n", "whole build", "median", "max"));
      out.append(String.format("%-40s %6d ms %6d ms%n", "k8s (in-process, no JVM start)", median(walls), max(walls)));
      out.append(String.format("%n%-40s %8s %8s%n", "phase (step)", "median", "max"));
      phases.forEach((k, v) -> out.append(String.format("%-40s %6d ms %6d ms%n", k, median(v), max(v))));
      out.append(String.format("%n%-58s %8s %8s %9s%n", "provisioner", "median", "max", "channels"));
      provisioners.forEach((k, v) -> out.append(String.format("%-58s %6d ms %6d ms %9d%n",
          k.length() > 58 ? "..." + k.substring(k.length() - 55) : k, median(v), max(v), channels.get(k))));
      long sshChannels = channels.values().stream().mapToLong(Long::longValue).sum();
      out.append(String.format("SSH round trips (channels) per build: %d%n", sshChannels));
      int total = calls.values().stream().mapToInt(Integer::intValue).sum();
      out.append(String.format("%nAWS calls of one build: %d%n", total));
      calls.forEach((k, v) -> out.append(String.format("  %-38s %3d%n", k, v)));
      out.append(String.format("%npeak heap during the %d builds: %d MB%n", runs, peakHeapMb));

      // One build of the real jar, JVM start included.
      NODE.reset();
      NODE.publishBinaries("1.23.16", "2023-01-30", "v0.8.6", "v0.5.9");
      long jarMs = jarBuild(proxy);
      out.append(String.format("one build of the real jar as a child process (JVM start included): %d ms%n", jarMs));

      // 8 concurrent builds in one process, EC2 steps only, against one such build alone.
      Run alone = k8s(proxy, home(100, false), "solo");
      assertEquals(0, alone.code(), alone.err());
      resetPeaks();
      ExecutorService pool = Executors.newFixedThreadPool(8);
      long start = System.nanoTime();
      List<Future<Run>> futures = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        int n = i;
        futures.add(pool.submit(() -> k8s(proxy, home(200 + n, false), "m" + n)));
      }
      for (Future<Run> f : futures) {
        Run r = f.get();
        assertEquals(0, r.code(), r.err());
      }
      long matrixMs = (System.nanoTime() - start) / 1_000_000;
      pool.shutdown();
      out.append(String.format("%nEC2-only build alone: %d ms; 8 at once in one process: %d ms (%.2fx); peak heap %d MB%n",
          alone.wallMs(), matrixMs, matrixMs / (double) alone.wallMs(), peakHeapMb()));
      System.out.println(out);
      Files.writeString(Path.of(System.getProperty("bench.report", root.resolve("report.txt").toString())), out);
    }
  }

  private Path home(int n, boolean provisioners) throws Exception {
    Path dir = Files.createDirectories(root.resolve("h" + n));
    if (provisioners) {
      return TestHome.projectDir();
    }
    return new TestHome(dir).withoutProvisioners().home;
  }

  private List<String> args(FaultProxy proxy, String tag) {
    return new ArrayList<>(List.of("k8s", "--json", "--kubernetes-version", "1.23.16", "--kubernetes-build-date",
        "2023-01-30", "--region", REGION, "--endpoint-url", proxy.endpoint().toString(), "--output-dir",
        root.resolve("out-" + tag).toString(), "ami_name=bench-" + tag + "-" + System.nanoTime(),
        "ssh_host=" + NODE.host(), "ssh_port=" + NODE.port(), "ssh_username=" + NODE.user(),
        "temporary_security_group_source_cidrs=127.0.0.1/32"));
  }

  private Map<String, String> env() {
    Map<String, String> env = new HashMap<>(Map.of("USER", "bench", "AWS_ACCESS_KEY_ID", "testing",
        "AWS_SECRET_ACCESS_KEY", "testing", "AMI_BUILDER_STATE_DIR", root.resolve("state").toString(),
        "AMI_BUILDER_POLL_DELAY_MS", "20"));
    return env;
  }

  private Run k8s(FaultProxy proxy, Path home, String tag) throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    Path work = Files.createDirectories(root.resolve("work-" + tag));
    CliContext ctx = new CliContext(new PrintWriter(out, true), new PrintWriter(err, true), env(), Clock.systemUTC(),
        work, home);
    long start = System.nanoTime();
    int code = Main.run(ctx, args(proxy, tag).toArray(String[]::new));
    long ms = (System.nanoTime() - start) / 1_000_000;
    List<JsonNode> events = new ArrayList<>();
    for (String line : out.toString().split("\n")) {
      if (line.startsWith("{")) {
        events.add(JSON.readTree(line));
      }
    }
    return new Run(code, events, err.toString(), ms);
  }

  private long jarBuild(FaultProxy proxy) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-jar", System.getProperty("amibuilder.jar")));
    List<String> a = args(proxy, "jar");
    cmd.addAll(a);
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(Files.createDirectories(root.resolve("work-jar")).toFile())
        .redirectErrorStream(true).redirectOutput(root.resolve("jar.log").toFile());
    pb.environment().putAll(env());
    pb.environment().put("AMI_BUILDER_HOME", TestHome.projectDir().toString());
    long start = System.nanoTime();
    int code = pb.start().waitFor();
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertEquals(0, code, Files.readString(root.resolve("jar.log")));
    return ms;
  }

  private static void resetPeaks() {
    System.gc();
    ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
  }

  private static long peakHeapMb() {
    long bytes = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        bytes += pool.getPeakUsage().getUsed();
      }
    }
    return bytes / (1024 * 1024);
  }

  private static long median(List<Long> v) {
    List<Long> s = new ArrayList<>(v);
    s.sort(Long::compare);
    return s.get(s.size() / 2);
  }

  private static long max(List<Long> v) {
    return v.stream().mapToLong(Long::longValue).max().orElse(0);
  }
}
