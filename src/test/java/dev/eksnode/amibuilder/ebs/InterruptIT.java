package dev.eksnode.amibuilder.ebs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.cli.TestHome;
import dev.eksnode.amibuilder.rig.MotoExtension;
import dev.eksnode.amibuilder.rig.MotoState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.regions.Region;

/**
 * The real jar as a child process, held in a known phase by a delayed AWS call: SIGINT or SIGTERM
 * unwinds and exits 130; SIGKILL leaves a journal from which {@code cleanup --build-id} removes
 * everything.
 */
class InterruptIT {
  @RegisterExtension static final MotoExtension MOTO = new MotoExtension();
  @TempDir Path tmp;

  /**
   * Starts the real jar on {@code rig} as a child process; its output goes to files in {@code tmp}.
   */
  static Process start(BuildRig rig, Path tmp) throws IOException {
    return rig.startBuild(tmp.resolve("child.out"), tmp.resolve("child.err"));
  }

  static void awaitCall(BuildRig rig, String action, int n, Process child)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (rig.proxy.count(action) < n) {
      assertTrue(child.isAlive(), "child exited before " + action + " #" + n);
      assertTrue(System.nanoTime() < deadline, "no " + action + " #" + n + " within 60 s");
      Thread.sleep(50);
    }
  }

  private String output() throws IOException {
    return Files.readString(tmp.resolve("child.out")) + Files.readString(tmp.resolve("child.err"));
  }

  @ParameterizedTest(name = "SIG{2} while {0} #{1} is pending")
  @CsvSource({
    "DescribeInstances, 1, INT",
    "DescribeInstances, 2, INT",
    "DescribeImages, 3, INT",
    // Create calls: the signal lands while AWS is making the resource; the id must still reach the
    // undo.
    "RunInstances, 1, INT",
    "CreateImage, 1, INT",
    "DescribeInstances, 1, TERM"
  })
  void signal_duringWaitOrCreate_exits130AndCleansUp(String action, int call, String signal)
      throws Exception {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      MotoState before = rig.state();
      rig.proxy.on(action).call(call).delay(Duration.ofSeconds(3));
      Process child = start(rig, tmp);
      awaitCall(rig, action, call, child);
      new ProcessBuilder("kill", "-" + signal, Long.toString(child.pid())).start().waitFor();
      assertTrue(child.waitFor(90, TimeUnit.SECONDS), "child did not exit");
      assertEquals(130, child.exitValue(), output());
      assertEquals(Set.of(), rig.state().diff(before), output());
    }
  }

  @ParameterizedTest(name = "SIGKILL while {0} #{1} is pending, then cleanup")
  @CsvSource({"DescribeInstances, 1", "DescribeInstances, 2", "DescribeImages, 3"})
  void sigkill_midBuild_cleanupByBuildIdRemovesEverything(String action, int call)
      throws Exception {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      MotoState before = rig.state();
      rig.proxy.on(action).call(call).delay(Duration.ofSeconds(5));
      Process child = start(rig, tmp);
      awaitCall(rig, action, call, child);
      child.destroyForcibly();
      assertTrue(child.waitFor(30, TimeUnit.SECONDS));
      assertTrue(!rig.state().diff(before).isEmpty(), "the kill came too late to leave anything");
      String buildId = journaledBuildId(rig);
      rig.proxy.clear();
      TestHome.Result r =
          rig.cli(
              "cleanup", "--build-id", buildId, "--endpoint-url", rig.proxy.endpoint().toString());
      assertEquals(0, r.code(), r.out() + r.err());
      assertEquals(Set.of(), rig.state().diff(before), r.out() + r.err());
    }
  }

  @Test
  void sigint_duringTagStepWithImageRemovalRefused_cleanupStillRemovesTheImage() throws Exception {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      MotoState before = rig.state();
      rig.proxy
          .on("DeregisterImage")
          .always()
          .fail(403, "UnauthorizedOperation", "injected: not allowed");
      // CreateTags #1 tags the snapshot, #2 is the tag step marking the AMI complete.
      rig.proxy.on("CreateTags").call(2).delay(Duration.ofSeconds(2));
      Process child = start(rig, tmp);
      awaitCall(rig, "CreateTags", 2, child);
      new ProcessBuilder("kill", "-INT", Long.toString(child.pid())).start().waitFor();
      assertTrue(child.waitFor(90, TimeUnit.SECONDS), "child did not exit");
      assertEquals(130, child.exitValue(), output());
      List<MotoState.Resource> images =
          rig.state().diff(before).stream().filter(x -> x.kind() == MotoState.Kind.IMAGE).toList();
      assertEquals(1, images.size(), rig.state().diff(before).toString());
      assertTrue(output().contains(images.get(0).id()), output());

      rig.proxy.clear();
      TestHome.Result r =
          rig.cli(
              "cleanup",
              "--build-id",
              journaledBuildId(rig),
              "--endpoint-url",
              rig.proxy.endpoint().toString());
      assertEquals(0, r.code(), r.out() + r.err());
      assertEquals(
          Set.of(), rig.state().diff(before), "a cancelled build's AMI is no finished artifact");
    }
  }

  /**
   * Killed while the tag step marks the AMIs complete region by region: the call in flight lands
   * after the kill, so one region's AMI says complete and the other's does not. Its journal says
   * the build never finished, so cleanup removes both (seed 137, build 4 of the soak).
   */
  @Test
  void sigkill_duringTheTagStepOfACopyBuild_cleanupRemovesTheAmiAlreadyMarkedComplete()
      throws Exception {
    try (BuildRig rig = new BuildRig(MOTO, tmp, "us-east-1")) {
      MotoState before = rig.state();
      // #1 tags the snapshot, #2 and #3 the copy and its snapshot, #4 is the tag step's first.
      rig.proxy.on("CreateTags").call(4).delay(Duration.ofSeconds(2));
      Process child =
          rig.startBuild(
              tmp.resolve("child.out"), tmp.resolve("child.err"), "ami_regions=us-east-1");
      awaitCall(rig, "CreateTags", 4, child);
      child.destroyForcibly();
      assertTrue(child.waitFor(30, TimeUnit.SECONDS));
      assertTrue(rig.proxy.awaitIdle(Duration.ofSeconds(30)), "the held call did not land");
      List<MotoState.Resource> marked =
          rig.state().diff(before).stream()
              .filter(x -> x.kind() == MotoState.Kind.IMAGE)
              .filter(
                  x ->
                      MOTO
                          .ec2(Region.of(x.region()))
                          .describeImages(q -> q.imageIds(x.id()))
                          .images()
                          .get(0)
                          .tags()
                          .stream()
                          .anyMatch(t -> t.key().equals(TagStep.COMPLETE)))
              .toList();
      assertEquals(
          1, marked.size(), "one of two AMIs marked complete: " + rig.state().diff(before));

      rig.proxy.clear();
      TestHome.Result r = rig.cleanup(journaledBuildId(rig));
      assertEquals(0, r.code(), r.out() + r.err());
      assertEquals(Set.of(), rig.state().diff(before), r.out() + r.err());
    }
  }

  private static String journaledBuildId(BuildRig rig) throws IOException {
    try (Stream<Path> files = Files.list(rig.stateDir)) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".json") && n.startsWith("ab-"))
          .map(n -> n.substring(0, n.length() - 5))
          .findFirst()
          .orElseThrow();
    }
  }
}
