package dev.eksnode.amibuilder.ebs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eksnode.amibuilder.cli.TestHome;
import dev.eksnode.amibuilder.rig.FaultProxy;
import dev.eksnode.amibuilder.rig.MotoExtension;
import dev.eksnode.amibuilder.rig.MotoState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.BlockDeviceMapping;
import software.amazon.awssdk.services.ec2.model.Image;

/**
 * The random-fault soak: builds of the packaged jar against moto behind the fault proxy, each with
 * faults drawn from a seed, some interrupted by SIGINT or killed, and after each a comparison of
 * what moto holds with what the exit code promises.
 *
 * <ul>
 *   <li>exit 0: exactly the AMIs the build reported, tagged complete, and their snapshots;
 *   <li>exit 1: nothing;
 *   <li>exit 130: nothing, or (an undo failed during the unwind) exactly what it printed as left
 *       over, which {@code cleanup --build-id} then removes;
 *   <li>exit 3: exactly what it printed as left over (plus the finished AMIs of a build that
 *       succeeded), and {@code cleanup --build-id} removes it;
 *   <li>killed: {@code cleanup --build-id} leaves nothing but AMIs tagged complete and their
 *       snapshots, and those in every region of the build or in none.
 * </ul>
 *
 * Anything else moto holds afterwards is a lost resource; any other exit code is a bug. Each build
 * draws its plan from its own generator, seeded from the run's seed and the build's number, so one
 * build can be run again alone. The calls a fault can hit are those a clean build makes (two probe
 * builds, one per shape, run in this JVM before the soak), plus the undo calls only a failing build
 * makes.
 */
final class Soak {
  static final String SECOND_REGION = "us-east-1";
  static final String[] COPY_AND_SHARE = {"ami_regions=" + SECOND_REGION, "ami_users=111122223333"};

  /** Calls only a failing build makes, so no probe sees them; faults may hit their first two. */
  static final List<String> UNDO_ACTIONS =
      List.of("DeregisterImage", "DeleteSnapshot", "DeleteVolume", "DescribeSnapshots");

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern CLEANUP_COMMAND =
      Pattern.compile("cleanup --build-id (ab-\\d{8}T\\d{4}-[0-9a-z]{6})");
  private static final Pattern LEFTOVER = Pattern.compile("^  (\\S+) (.+?) in ([a-z0-9-]+): ");
  private static final Duration BUILD_LIMIT = Duration.ofMinutes(3);

  /** What a fault does to the calls it hits. */
  enum FaultKind {
    REFUSAL("refusal (4xx)"),
    THROTTLING("throttling"),
    SERVER_ERROR("server error (5xx)"),
    LOST_ANSWER("lost answer (5xx)"),
    DROPPED_ANSWER("lost answer (dropped)"),
    DELAY("delay");

    final String label;

    FaultKind(String label) {
      this.label = label;
    }
  }

  /** How the build is stopped from outside, if at all. */
  enum Signal {
    NONE,
    SIGINT,
    SIGKILL
  }

  /** The rows of the outcome table. */
  enum Outcome {
    EXIT_0("exit 0: finished AMI(s) kept"),
    EXIT_1("exit 1: nothing left"),
    EXIT_3("exit 3: leftovers named, cleanup"),
    EXIT_130("exit 130: nothing left"),
    EXIT_130_LEFTOVERS("exit 130: leftovers named, cleanup"),
    KILLED("killed (SIGKILL), cleanup"),
    OTHER("any other exit (a bug)");

    final String label;

    Outcome(String label) {
      this.label = label;
    }
  }

  /** The n-th call (attempt) of an action, counted from 1 over the whole build. */
  record Call(String action, int number) implements Comparable<Call> {
    @Override
    public int compareTo(Call other) {
      int byAction = action.compareTo(other.action);
      return byAction != 0 ? byAction : Integer.compare(number, other.number);
    }

    @Override
    public String toString() {
      return action + "#" + number;
    }
  }

  /**
   * One fault: {@code kind} on {@code count} calls from {@code call} (refusals, lost answers and
   * delays hit one call), answered with {@code status}/{@code code}, or held {@code delayMs}.
   */
  record Fault(FaultKind kind, Call call, int count, int status, String code, long delayMs) {
    void arm(FaultProxy proxy) {
      FaultProxy.Target target = proxy.on(call.action()).calls(call.number(), count);
      switch (kind) {
        case REFUSAL, THROTTLING, SERVER_ERROR -> target.fail(status, code, "injected by the soak");
        case LOST_ANSWER -> target.loseAnswer(status, code, "injected by the soak: answer lost");
        case DROPPED_ANSWER -> target.dropAnswer();
        case DELAY -> target.delay(Duration.ofMillis(delayMs));
      }
    }

    boolean hit(FaultProxy proxy) {
      return proxy.count(call.action()) >= call.number();
    }

    @Override
    public String toString() {
      String what =
          switch (kind) {
            case REFUSAL, LOST_ANSWER -> status + " " + code;
            case THROTTLING, SERVER_ERROR -> status + " " + code + " x" + count;
            case DROPPED_ANSWER -> "dropped";
            case DELAY -> delayMs + " ms";
          };
      return kind.name().toLowerCase(Locale.ROOT) + " " + call + " (" + what + ")";
    }
  }

  /** Everything drawn for one build. */
  record Plan(
      int build,
      boolean copyAndShare,
      List<Fault> faults,
      Signal signal,
      Call signalAt,
      long hold) {
    @Override
    public String toString() {
      String faultText =
          faults.isEmpty()
              ? "no faults"
              : faults.stream().map(Fault::toString).collect(Collectors.joining(", "));
      return (copyAndShare ? "copy+share" : "one region")
          + "; "
          + faultText
          + (signal == Signal.NONE
              ? ""
              : "; " + signal + " at " + signalAt + " (held " + hold + " ms)");
    }
  }

  /** What one build did and what the checks found. */
  record Verdict(
      Plan plan,
      int exit,
      Outcome outcome,
      boolean signalSent,
      List<Fault> hit,
      List<String> lost,
      List<String> problems,
      long millis,
      long totalMillis,
      String stderrTail) {
    boolean ok() {
      return lost.isEmpty() && problems.isEmpty() && outcome != Outcome.OTHER;
    }

    String line() {
      return String.format(
          "build %3d  %-8s %5.1f s (%4.1f s with checks)  %s%s%s",
          plan.build(),
          outcome == Outcome.KILLED ? "killed" : "exit " + exit,
          millis / 1000.0,
          totalMillis / 1000.0,
          plan,
          plan.signal() != Signal.NONE && !signalSent ? " [not sent: build over first]" : "",
          ok()
              ? ""
              : "\n           FAILED: "
                  + String.join("; ", allProblems())
                  + "\n           its stderr ended: "
                  + stderrTail);
    }

    private List<String> allProblems() {
      List<String> all = new ArrayList<>(problems);
      lost.forEach(x -> all.add("lost: " + x));
      return all;
    }
  }

  /** The whole run: its seed and every build's verdict. */
  record Report(long seed, int builds, List<Verdict> verdicts) {
    int lost() {
      return verdicts.stream().mapToInt(v -> v.lost().size()).sum();
    }

    long unexpectedExits() {
      return verdicts.stream().filter(v -> v.outcome() == Outcome.OTHER).count();
    }

    long failedChecks() {
      return verdicts.stream().filter(v -> !v.problems().isEmpty()).count();
    }

    boolean ok() {
      return verdicts.stream().allMatch(Verdict::ok);
    }

    String table() {
      StringBuilder out = new StringBuilder();
      out.append(
          String.format(
              "%n=== ami-builder soak: N = %d builds, seed %d%s ===%n",
              verdicts.size(),
              seed,
              verdicts.size() == builds || verdicts.isEmpty()
                  ? ""
                  : " (build " + verdicts.get(0).plan().build() + " of " + builds + " alone)"));
      Map<Outcome, Integer> outcomes = new EnumMap<>(Outcome.class);
      verdicts.forEach(v -> outcomes.merge(v.outcome(), 1, Integer::sum));
      out.append(String.format("%-40s %6s%n", "outcome", "builds"));
      for (Outcome o : Outcome.values()) {
        out.append(String.format("%-40s %6d%n", o.label, outcomes.getOrDefault(o, 0)));
      }
      Map<FaultKind, int[]> kinds = new EnumMap<>(FaultKind.class);
      for (FaultKind k : FaultKind.values()) {
        kinds.put(k, new int[2]);
      }
      for (Verdict v : verdicts) {
        v.plan().faults().forEach(f -> kinds.get(f.kind())[0]++);
        v.hit().forEach(f -> kinds.get(f.kind())[1]++);
      }
      out.append(String.format("%-40s %6s %6s%n", "fault kind", "drawn", "hit"));
      kinds.forEach((k, n) -> out.append(String.format("%-40s %6d %6d%n", k.label, n[0], n[1])));
      for (Signal s : List.of(Signal.SIGINT, Signal.SIGKILL)) {
        long drawn = verdicts.stream().filter(v -> v.plan().signal() == s).count();
        long sent = verdicts.stream().filter(v -> v.plan().signal() == s && v.signalSent()).count();
        out.append(String.format("%-40s %6d %6d%n", s + " (hit = sent)", drawn, sent));
      }
      out.append(String.format("%-40s %6d%n", "unexpected exit codes", unexpectedExits()));
      out.append(String.format("%-40s %6d%n", "builds failing a check", failedChecks()));
      out.append(String.format("resources lost: %d%n", lost()));
      for (Verdict v : verdicts) {
        if (!v.ok()) {
          out.append(
              String.format(
                  "  again: bin/soak --seed %d --build %d   (%s)%n",
                  seed, v.plan().build(), v.plan()));
        }
      }
      return out.toString();
    }
  }

  private final MotoExtension moto;
  private final Path root;
  private final Consumer<String> progress;
  private final Map<Boolean, List<Call>> probed = new LinkedHashMap<>();
  private final List<String> jvmOptions = new ArrayList<>();

  Soak(MotoExtension moto, Path root, Consumer<String> progress) {
    this.moto = moto;
    this.root = root;
    this.progress = progress;
  }

  /**
   * Runs builds 1..{@code builds} of the seed, or only build {@code only} when it is positive.
   * Details go to the progress consumer as they happen.
   */
  Report run(long seed, int builds, int only) throws Exception {
    probed.put(false, probe(false));
    probed.put(true, probe(true));
    warmUp();
    List<Verdict> verdicts = new ArrayList<>();
    for (int b = 1; b <= builds; b++) {
      if (only > 0 && b != only) {
        continue;
      }
      Verdict v = build(plan(seed, b));
      verdicts.add(v);
      progress.accept(v.line());
    }
    return new Report(seed, builds, verdicts);
  }

  /** The calls of a clean build of that shape, in this JVM, as (action, n) pairs. */
  private List<Call> probe(boolean copyAndShare) {
    moto.server().reset();
    try (BuildRig rig = new BuildRig(moto, root.resolve("probe-" + copyAndShare), SECOND_REGION)) {
      TestHome.Result r = rig.build(copyAndShare ? COPY_AND_SHARE : new String[0]);
      if (r.code() != 0) {
        throw new IllegalStateException("the clean probe build failed:\n" + r.out() + r.err());
      }
      List<Call> calls = new ArrayList<>();
      rig.proxy
          .countsByAction()
          .forEach(
              (action, n) -> {
                // The permission preflight's dry runs create nothing and a refused one stops the
                // build before anything exists (exit 2, PermissionPreflightIT): no fault goes
                // there.
                if (action.endsWith(FaultProxy.dryRun(""))) {
                  return;
                }
                for (int i = 1; i <= n; i++) {
                  calls.add(new Call(action, i));
                }
              });
      calls.sort(null);
      progress.accept(
          "probe ("
              + (copyAndShare ? "copy+share" : "one region")
              + "): "
              + calls.size()
              + " calls "
              + rig.proxy.countsByAction());
      return calls;
    }
  }

  /**
   * One clean build of the jar that records a class-data-sharing archive at exit, as {@code
   * bin/ami-builder} does for users; the soak's builds start from it, which halves their time.
   */
  private void warmUp() throws Exception {
    moto.server().reset();
    Path dir = root.resolve("warm-up");
    Path archive = root.resolve("ami-builder.jsa");
    try (BuildRig rig = new BuildRig(moto, dir)) {
      rig.jvmOptions.addAll(
          List.of("-XX:ArchiveClassesAtExit=" + archive, "-Xlog:cds=off", "-Xlog:cds+dynamic=off"));
      Process child = rig.startBuild(dir.resolve("build.out"), dir.resolve("build.err"));
      if (!child.waitFor(BUILD_LIMIT.toSeconds(), TimeUnit.SECONDS) || child.exitValue() != 0) {
        child.destroyForcibly();
        throw new IllegalStateException(
            "the warm-up build of the jar failed:\n" + Files.readString(dir.resolve("build.err")));
      }
    }
    if (Files.isRegularFile(archive)) {
      jvmOptions.addAll(
          List.of(
              "-XX:SharedArchiveFile=" + archive,
              "-Xshare:auto",
              "-Xlog:cds=off",
              "-Xlog:cds+dynamic=off"));
    }
  }

  /** Draws build {@code b}'s plan from the seed alone. */
  Plan plan(long seed, int b) {
    SplittableRandom random = new SplittableRandom(seed * 1_000_003L + b);
    boolean copy = random.nextInt(10) < 3;
    List<Call> calls = probed.get(copy);
    int faultCount = pick(random, new int[] {1, 4, 3, 2});
    List<Fault> faults = new ArrayList<>();
    for (int i = 0; i < faultCount; i++) {
      faults.add(fault(random, calls));
    }
    int s = random.nextInt(100);
    Signal signal = s < 14 ? Signal.SIGINT : s < 24 ? Signal.SIGKILL : Signal.NONE;
    Call at = signal == Signal.NONE ? null : calls.get(random.nextInt(calls.size()));
    long hold = signal == Signal.NONE ? 0 : 500 + random.nextInt(1500);
    return new Plan(b, copy, List.copyOf(faults), signal, at, hold);
  }

  private static Fault fault(SplittableRandom random, List<Call> calls) {
    Call call = call(random, calls);
    // Refusals weigh a little more: on an undo call they are what leaves something behind (exit 3).
    FaultKind kind = FaultKind.values()[pick(random, new int[] {3, 2, 2, 2, 2, 2})];
    return switch (kind) {
      case REFUSAL ->
          random.nextBoolean()
              ? new Fault(kind, call, 1, 400, "InvalidParameterValue", 0)
              : new Fault(kind, call, 1, 403, "UnauthorizedOperation", 0);
      // EC2's throttling error; the SDK backs off and retries.
      case THROTTLING ->
          new Fault(kind, call, 1 + random.nextInt(3), 503, "RequestLimitExceeded", 0);
      // 8 in a row outlast the SDK's 8 attempts, so the call fails for the build.
      case SERVER_ERROR ->
          new Fault(
              kind,
              call,
              new int[] {1, 2, 3, 8}[random.nextInt(4)],
              random.nextBoolean() ? 500 : 503,
              random.nextBoolean() ? "InternalError" : "Unavailable",
              0);
      // 500 and 502 are retried by the SDK (the retry meets what the first attempt made), 501 is
      // not.
      case LOST_ANSWER ->
          new Fault(
              kind, call, 1, new int[] {500, 501, 502}[random.nextInt(3)], "InternalFailure", 0);
      case DROPPED_ANSWER -> new Fault(kind, call, 1, 0, "", 0);
      case DELAY -> new Fault(kind, call, 1, 0, "", 100 + random.nextInt(1900));
    };
  }

  /**
   * A random action, among those of the probe and the undo-only ones, then a random call number
   * among the calls the probe made of it (the first two of an undo-only action).
   */
  private static Call call(SplittableRandom random, List<Call> calls) {
    Map<String, Integer> counts = new TreeMap<>();
    calls.forEach(c -> counts.merge(c.action(), 1, Integer::sum));
    UNDO_ACTIONS.forEach(a -> counts.putIfAbsent(a, 2));
    List<String> actions = List.copyOf(counts.keySet());
    String action = actions.get(random.nextInt(actions.size()));
    return new Call(action, 1 + random.nextInt(counts.get(action)));
  }

  /** An index drawn with the given weights. */
  private static int pick(SplittableRandom random, int[] weights) {
    int total = 0;
    for (int w : weights) {
      total += w;
    }
    int r = random.nextInt(total);
    for (int i = 0; i < weights.length; i++) {
      r -= weights[i];
      if (r < 0) {
        return i;
      }
    }
    throw new AssertionError();
  }

  /** Runs one planned build as a child JVM and checks what it left. */
  Verdict build(Plan plan) throws Exception {
    return build(plan, rig -> {});
  }

  /**
   * As {@link #build(Plan)}; {@code meddle} acts on the rig after the build exits and before the
   * checks, so a test can make sure the checks notice what they should.
   */
  Verdict build(Plan plan, Consumer<BuildRig> meddle) throws Exception {
    long begin = System.nanoTime();
    moto.server().reset();
    Path dir = root.resolve("build-" + plan.build());
    // A one-region build never calls the second region, so only its own region is compared.
    String[] regions = plan.copyAndShare() ? new String[] {SECOND_REGION} : new String[0];
    try (BuildRig rig = new BuildRig(moto, dir, regions)) {
      // Moto would make a second instance or image where EC2 answers a retry with the first one.
      rig.proxy.emulateEc2Idempotency();
      rig.jvmOptions.addAll(jvmOptions);
      MotoState before = rig.state();
      plan.faults().forEach(f -> f.arm(rig.proxy));
      if (plan.signal() != Signal.NONE) {
        // Hold the call so the signal lands while it is pending, at the same point every time.
        rig.proxy
            .on(plan.signalAt().action())
            .call(plan.signalAt().number())
            .delay(Duration.ofMillis(plan.hold()));
      }
      List<String> args = new ArrayList<>(List.of("--json"));
      if (plan.copyAndShare()) {
        args.addAll(List.of(COPY_AND_SHARE));
      }
      Path stdout = dir.resolve("build.out");
      Path stderr = dir.resolve("build.err");
      long start = System.nanoTime();
      Process child = rig.startBuild(stdout, stderr, args.toArray(String[]::new));
      boolean sent = plan.signal() != Signal.NONE && signalAt(rig.proxy, plan, child);
      boolean exited = child.waitFor(BUILD_LIMIT.toSeconds(), TimeUnit.SECONDS);
      if (!exited) {
        child.destroyForcibly();
        child.waitFor(30, TimeUnit.SECONDS);
      }
      long millis = (System.nanoTime() - start) / 1_000_000;
      settle(rig.proxy);
      meddle.accept(rig);
      List<Fault> hit = plan.faults().stream().filter(f -> f.hit(rig.proxy)).toList();
      int exit = child.exitValue();
      String out = Files.readString(stdout);
      String err = Files.readString(stderr);
      Check check = new Check(rig, before, plan, out, err);
      if (!exited) {
        check.problems.add("no exit within " + BUILD_LIMIT.toSeconds() + " s; killed");
      }
      Outcome outcome = check.judge(exit, sent && plan.signal() == Signal.SIGKILL && exit == 137);
      return new Verdict(
          plan,
          exit,
          outcome,
          sent,
          hit,
          check.lost,
          check.problems,
          millis,
          (System.nanoTime() - begin) / 1_000_000,
          Check.lastLines(err, 4));
    }
  }

  /** Waits for the held call, then signals the child; false if the build ended first. */
  private static boolean signalAt(FaultProxy proxy, Plan plan, Process child) throws Exception {
    while (proxy.count(plan.signalAt().action()) < plan.signalAt().number()) {
      if (child.waitFor(20, TimeUnit.MILLISECONDS)) {
        return false;
      }
    }
    if (!child.isAlive()) {
      return false;
    }
    if (plan.signal() == Signal.SIGKILL) {
      child.destroyForcibly();
    } else {
      new ProcessBuilder("kill", "-INT", Long.toString(child.pid())).start().waitFor();
    }
    return true;
  }

  /** Lets calls still held or in flight at the proxy reach moto before anything is compared. */
  private static void settle(FaultProxy proxy) throws InterruptedException {
    for (int i = 0; i < 2; i++) {
      if (!proxy.awaitIdle(Duration.ofSeconds(60))) {
        throw new IllegalStateException("the fault proxy still has calls in flight after 60 s");
      }
      Thread.sleep(100);
    }
  }

  /** The comparison of one build's exit with what moto holds. */
  private static final class Check {
    final BuildRig rig;
    final MotoState before;
    final Plan plan;
    final String out;
    final String err;
    final List<String> lost = new ArrayList<>();
    final List<String> problems = new ArrayList<>();

    Check(BuildRig rig, MotoState before, Plan plan, String out, String err) {
      this.rig = rig;
      this.before = before;
      this.plan = plan;
      this.out = out;
      this.err = err;
    }

    boolean ok() {
      return lost.isEmpty() && problems.isEmpty();
    }

    Outcome judge(int exit, boolean killed) throws Exception {
      if (killed) {
        cleanup(journaledBuildId());
        Set<MotoState.Resource> finished = finished();
        expectOnly(finished, "after kill and cleanup");
        // A finished build has its AMI in every region it was asked for; part of them is not one.
        long images = finished.stream().filter(x -> x.kind() == MotoState.Kind.IMAGE).count();
        int regions = plan.copyAndShare() ? 2 : 1;
        if (images != 0 && images != regions) {
          problems.add(
              "after kill and cleanup "
                  + images
                  + " AMI(s) tagged complete for "
                  + regions
                  + " regions: "
                  + finished);
        }
        return Outcome.KILLED;
      }
      JsonNode result = result();
      switch (exit) {
        case 0 -> {
          Set<MotoState.Resource> finished = finished();
          Set<String> reported = new TreeSet<>();
          if (result != null) {
            result.path("amis").forEach(ami -> reported.add(ami.asText()));
          } else {
            problems.add("exit 0 without a result event");
          }
          Set<String> tagged =
              finished.stream()
                  .filter(x -> x.kind() == MotoState.Kind.IMAGE)
                  .map(MotoState.Resource::id)
                  .collect(Collectors.toCollection(TreeSet::new));
          if (!tagged.equals(reported)) {
            problems.add("reported AMIs " + reported + " but complete in moto: " + tagged);
          }
          int regions = plan.copyAndShare() ? 2 : 1;
          if (reported.size() != regions) {
            problems.add(reported.size() + " AMIs for " + regions + " region(s)");
          }
          expectOnly(finished, "after exit 0");
          return Outcome.EXIT_0;
        }
        case 1 -> {
          expectOnly(Set.of(), "after exit 1");
          return Outcome.EXIT_1;
        }
        case 3 -> {
          namedThenCleanup(result);
          return Outcome.EXIT_3;
        }
        case 130 -> {
          if (!err.contains("Cleanup incomplete; left over:")) {
            expectOnly(Set.of(), "after exit 130");
            return Outcome.EXIT_130;
          }
          namedThenCleanup(result);
          return Outcome.EXIT_130_LEFTOVERS;
        }
        default -> {
          problems.add("exit " + exit + ": " + lastLines(err, 3));
          expectOnly(finished(), "after exit " + exit);
          return Outcome.OTHER;
        }
      }
    }

    /**
     * Exit 3 (or 130 with leftovers): moto holds exactly the resources printed as left over (and,
     * after a success, the finished AMIs); then the printed cleanup command removes them.
     */
    private void namedThenCleanup(JsonNode result) throws Exception {
      boolean succeeded = result != null && "succeeded".equals(result.path("status").asText());
      Set<MotoState.Resource> keep = succeeded ? finished() : Set.of();
      List<Named> named = named();
      SortedSet<MotoState.Resource> left = rig.state().diff(before);
      Set<MotoState.Resource> accounted = new HashSet<>(keep);
      for (Named n : named) {
        List<MotoState.Resource> matches =
            left.stream()
                .filter(
                    x ->
                        x.kind().name().equals(n.kind())
                            && x.region().equals(n.region())
                            && (x.id().equals(n.id()) || n.id().equals(x.name())))
                .toList();
        // A resource whose removal was accepted but not confirmed (the confirming Describe was
        // refused) may be gone or not; the line says which it is, and either way is honest.
        if (matches.isEmpty() && !n.unconfirmed()) {
          problems.add(
              "printed as left over but not in moto: "
                  + String.join(" ", n.kind(), n.id(), n.region()));
        }
        accounted.addAll(matches);
      }
      left.stream()
          .filter(x -> !accounted.contains(x))
          .forEach(x -> lost.add(x + " (in moto, not printed as left over)"));
      Matcher m = CLEANUP_COMMAND.matcher(err);
      if (!m.find()) {
        problems.add("no cleanup command printed");
        cleanup(journaledBuildId());
      } else {
        cleanup(m.group(1));
      }
      expectOnly(keep, "after cleanup");
    }

    /**
     * One left-over line of stderr; {@code unconfirmed} when it says its removal (or its parent's)
     * was accepted but not confirmed.
     */
    private record Named(String kind, String id, String region, boolean unconfirmed) {}

    /** The left-over lines of stderr. */
    private List<Named> named() {
      List<Named> named = new ArrayList<>();
      boolean inList = false;
      for (String line : err.split("\n", -1)) {
        if (line.endsWith("Cleanup incomplete; left over:")) {
          inList = true;
        } else if (inList && line.startsWith("  ")) {
          Matcher m = LEFTOVER.matcher(line);
          if (m.find()) {
            named.add(
                new Named(
                    m.group(1),
                    m.group(2),
                    m.group(3),
                    line.contains("could not be confirmed")
                        || line.contains("not confirmed removed")));
          } else {
            problems.add("left-over line without kind, id and region: " + line.strip());
          }
        } else {
          inList = false;
        }
      }
      return named;
    }

    private void cleanup(String buildId) {
      rig.proxy.clear();
      TestHome.Result r =
          rig.cli(
              "cleanup", "--build-id", buildId, "--endpoint-url", rig.proxy.endpoint().toString());
      if (r.code() != 0) {
        problems.add(
            "cleanup --build-id " + buildId + " exit " + r.code() + ": " + r.err().strip());
      }
    }

    private String journaledBuildId() throws IOException {
      try (Stream<Path> files = Files.list(rig.stateDir)) {
        List<String> ids =
            files
                .map(p -> p.getFileName().toString())
                .filter(n -> n.startsWith("ab-") && n.endsWith(".json"))
                .map(n -> n.substring(0, n.length() - ".json".length()))
                .toList();
        if (ids.size() != 1) {
          throw new IllegalStateException("expected one journal in " + rig.stateDir + ": " + ids);
        }
        return ids.get(0);
      }
    }

    /** Moto must hold exactly {@code expected} of what the build could have made. */
    private void expectOnly(Set<MotoState.Resource> expected, String when) {
      SortedSet<MotoState.Resource> left = rig.state().diff(before);
      left.stream()
          .filter(x -> !expected.contains(x))
          .forEach(x -> lost.add(x + " (" + when + ")"));
      expected.stream()
          .filter(x -> !left.contains(x))
          .forEach(x -> problems.add("expected but gone " + when + ": " + x));
    }

    /** AMIs tagged complete and their snapshots, in every region of the rig. */
    private Set<MotoState.Resource> finished() {
      Set<MotoState.Resource> found = new HashSet<>();
      for (Ec2Client ec2 : rig.clients) {
        String region = ec2.serviceClientConfiguration().region().id();
        for (Image image : ec2.describeImages(r -> r.owners("self")).images()) {
          boolean complete =
              image.tags().stream()
                  .anyMatch(t -> t.key().equals(TagStep.COMPLETE) && t.value().equals("true"));
          if (!complete) {
            continue;
          }
          found.add(
              new MotoState.Resource(region, MotoState.Kind.IMAGE, image.imageId(), image.name()));
          for (BlockDeviceMapping m : image.blockDeviceMappings()) {
            if (m.ebs() != null && m.ebs().snapshotId() != null) {
              found.add(
                  new MotoState.Resource(
                      region, MotoState.Kind.SNAPSHOT, m.ebs().snapshotId(), ""));
            }
          }
        }
      }
      return found;
    }

    /** The --json result event, or null (killed, or a crash before it). */
    private JsonNode result() {
      for (String line : out.split("\n")) {
        if (line.startsWith("{") && line.contains("\"event\":\"result\"")) {
          try {
            return JSON.readTree(line);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      }
      return null;
    }

    private static String lastLines(String text, int n) {
      List<String> lines = text.lines().filter(l -> !l.isBlank()).toList();
      return String.join(" | ", lines.subList(Math.max(0, lines.size() - n), lines.size()));
    }
  }
}
