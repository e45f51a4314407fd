package dev.eksnode.amibuilder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ami-builder matrix FILE} prints the entries for CI, and {@code k8s --matrix} refuses bad
 * files and option mixes with exit 2 before any AWS call (the endpoint is a closed port, so a call
 * would fail differently).
 */
class MatrixCommandTest {
  private static final String MATRIX =
      """
      # three builds of one minor
      - kubernetes_version: "1.23.16"
        kubernetes_build_date: "2023-01-30"
        aws_region: us-west-2
      - kubernetes_version: "1.23.16"
        kubernetes_build_date: "2023-01-30"
        aws_region: us-east-1
      - name: arm
        kubernetes_version: "1.23.16"
        kubernetes_build_date: "2023-01-30"
        arch: arm64
        instance_type: m6g.large
      """;

  @TempDir Path root;
  TestHome home;

  @BeforeEach
  void setUp() {
    home = new TestHome(root);
    home.write("builds.yaml", MATRIX);
  }

  @Test
  void formatGithub_isOneLineOfJsonWithEveryEntryName_andPlainIsOneNamePerLine() throws Exception {
    TestHome.Result gh = home.run("matrix", "builds.yaml", "--format", "github");
    assertEquals(0, gh.code(), gh.err());
    assertEquals(1, gh.out().lines().count(), gh.out());
    JsonNode json = new ObjectMapper().readTree(gh.out());
    List<String> names = new ArrayList<>();
    json.get("entry").forEach(n -> names.add(n.asText()));
    assertEquals(
        List.of("1.23.16-2023-01-30-us-west-2", "1.23.16-2023-01-30-us-east-1", "arm"), names);
    assertEquals(1, json.size(), gh.out());

    TestHome.Result plain = home.run("matrix", "builds.yaml");
    assertEquals(0, plain.code(), plain.err());
    assertEquals(names, plain.out().lines().toList());
  }

  @Test
  void shardAndEntry_pickTheSameEntriesAsK8sWould() {
    assertEquals(
        List.of("1.23.16-2023-01-30-us-west-2", "arm"),
        home.run("matrix", "builds.yaml", "--shard", "1/2").out().lines().toList());
    assertEquals(
        List.of("1.23.16-2023-01-30-us-east-1"),
        home.run("matrix", "builds.yaml", "--shard", "2/2").out().lines().toList());
    assertEquals(
        "{\"entry\":[]}",
        home.run("matrix", "builds.yaml", "--format", "github", "--shard", "4/4").out().strip());
    assertEquals(
        List.of("arm"), home.run("matrix", "builds.yaml", "--entry", "arm").out().lines().toList());
  }

  @Test
  void badArguments_areExit2_withOneLine() {
    assertError(
        home.run("matrix", "builds.yaml", "--format", "yaml"),
        "--format 'yaml' is not known; use github or plain");
    assertError(home.run("matrix", "builds.yaml", "--shard", "3/2"), "--shard 3/2 is out of range");
    assertError(
        home.run("matrix", "builds.yaml", "--entry", "armm"),
        "has no entry of that name; did you mean 'arm'?");
    assertError(
        home.run("matrix", "builds.yaml", "--entry", "arm", "--shard", "1/2"),
        "--shard 1/2 and --entry both choose entries");
    assertError(home.run("matrix", "missing.yaml"), "missing.yaml does not exist; check the path");
    home.write("dup.json", "[{\"name\": \"a\"}, {\"name\": \"a\"}]");
    assertError(home.run("matrix", "dup.json"), "entries 1 and 2 are both named 'a'");
  }

  @Test
  void k8s_refusesBadMatrixUse_beforeAnyAwsCall() {
    String[] aws = {"--endpoint-url", "http://127.0.0.1:1", "--region", "us-west-2"};
    assertError(
        k8s(aws, "all", "--matrix", "builds.yaml"),
        "--matrix builds.yaml names the builds, and so does the shortcut 'all'; drop one of them");
    assertError(k8s(aws, "1.23", "--matrix", "builds.yaml"), "and so does the shortcut '1.23'");
    assertError(
        k8s(aws, "--kubernetes-version", "1.23.16", "--parallel", "2"),
        "--parallel only applies to 'k8s all' and 'k8s --matrix FILE'");
    assertError(
        k8s(aws, "--kubernetes-version", "1.23.16", "--shard", "1/2"),
        "--shard only applies to 'k8s all' and 'k8s --matrix FILE'");
    assertError(
        k8s(aws, "--kubernetes-version", "1.23.16", "--entry", "arm"),
        "--entry picks entries of a matrix file");
    assertError(k8s(aws, "all", "--shard", "0/2"), "--shard 0/2 is out of range");
    assertError(
        k8s(aws, "--matrix", "builds.yaml", "--entry", "nope"), "has no entry of that name");
    home.write("bad.yaml", "- name: v\n  kubernetes_version: 1.30\n");
    assertError(
        k8s(aws, "--matrix", "bad.yaml"), "is the number 1.3; write it as a string, \"1.30\"");
    home.write(
        "badvalue.yaml",
        "- name: v\n  kubernetes_version: \"1.23.16\"\n  kubernetes_build_date: \"2023-01-30\"\n  arch: sparc\n");
    TestHome.Result bad = k8s(aws, "--matrix", "badvalue.yaml");
    assertError(bad, "matrix entry 'v' (badvalue.yaml): ");
    assertTrue(bad.err().contains("badvalue.yaml entry 'v'"), bad.err());
    home.write(
        "unknown.yaml", "- name: u\n  kubernetes_version: \"1.23.16\"\n  instance_typ: m5.large\n");
    TestHome.Result strict = k8s(aws, "--matrix", "unknown.yaml", "--strict");
    assertError(
        strict, "unknown variable 'instance_typ' (from unknown.yaml entry 'u' instance_typ)");
  }

  @Test
  void k8s_anEmptyShard_saysSo_andSucceedsWithoutAnyAwsCall() {
    TestHome.Result r =
        home.run(
            "k8s",
            "--matrix",
            "builds.yaml",
            "--shard",
            "5/5",
            "--endpoint-url",
            "http://127.0.0.1:1",
            "--region",
            "us-west-2");
    assertEquals(0, r.code(), r.err());
    assertEquals("shard 5/5 has no entries (3 in all); nothing to build", r.out().strip());
    TestHome.Result all =
        home.run(
            "k8s",
            "all",
            "--shard",
            "6/6",
            "--endpoint-url",
            "http://127.0.0.1:1",
            "--region",
            "us-west-2");
    assertEquals(0, all.code(), all.err());
    assertEquals("shard 6/6 has no entries (5 in all); nothing to build", all.out().strip());
  }

  /**
   * An entry's variables win over --var; entries that fail before they start (image caching with no
   * way for the instance to reach AWS, found before any AWS call) are each reported, the summary
   * lists them all, and the exit code is theirs (2). No build starts, so nothing could be created.
   */
  @Test
  void k8s_entriesWinOverVar_andEntriesFailingBeforeTheyStartAreEachReported() {
    home.write(
        "two.yaml",
        """
        - name: west
          kubernetes_version: "1.23.16"
          kubernetes_build_date: "2023-01-30"
          aws_region: us-west-2
          cache_container_images: true
        - name: east
          kubernetes_version: "1.23.16"
          kubernetes_build_date: "2023-01-30"
          cache_container_images: true
        """);
    home.env.put("AWS_ACCESS_KEY_ID", "testing");
    home.env.put("AWS_SECRET_ACCESS_KEY", "testing");
    TestHome.Result r =
        home.run(
            "k8s",
            "--matrix",
            "two.yaml",
            "--parallel",
            "2",
            "--var",
            "aws_region=us-east-1",
            "--endpoint-url",
            "http://127.0.0.1:1");
    assertEquals(2, r.code(), r.out() + r.err());
    List<String> table = r.out().lines().dropWhile(l -> !l.startsWith("Summary: ")).toList();
    assertEquals("Summary: 0 of 2 succeeded, exit code 2", table.get(0), r.out());
    assertTrue(
        table.get(2).trim().matches("west +us-west-2 +failed \\(2\\) +- +.*iam_instance_profile.*"),
        table.get(2));
    assertTrue(
        table.get(3).trim().matches("east +us-east-1 +failed \\(2\\) +- +.*iam_instance_profile.*"),
        table.get(3));
    List<String> errors = r.errLines().stream().filter(l -> l.startsWith("error: ")).toList();
    assertEquals(3, errors.size(), r.err());
    assertTrue(
        errors.get(0).startsWith("error: [west] ") || errors.get(0).startsWith("error: [east] "),
        r.err());
    assertEquals("error: 2 of 2 builds did not succeed (see above)", errors.get(2));
    assertTrue(!r.out().contains("==> "), "no build started: " + r.out());

    // One entry alone (as a CI job runs it): one error line, still the summary.
    TestHome.Result one =
        home.run(
            "k8s",
            "--matrix",
            "two.yaml",
            "--entry",
            "east",
            "--endpoint-url",
            "http://127.0.0.1:1");
    assertEquals(2, one.code(), one.err());
    List<String> oneErrors = one.errLines().stream().filter(l -> l.startsWith("error: ")).toList();
    assertEquals(1, oneErrors.size(), one.err());
    assertTrue(oneErrors.get(0).startsWith("error: [east] "), one.err());
    assertTrue(one.out().contains("Summary: 0 of 1 succeeded, exit code 2"), one.out());
  }

  private TestHome.Result k8s(String[] aws, String... args) {
    List<String> all = new ArrayList<>(List.of("k8s"));
    all.addAll(List.of(args));
    all.addAll(List.of(aws));
    return home.run(all.toArray(String[]::new));
  }

  private static void assertError(TestHome.Result r, String part) {
    assertEquals(2, r.code(), r.err());
    List<String> lines = r.errLines().stream().filter(l -> l.startsWith("error: ")).toList();
    assertEquals(1, lines.size(), r.err());
    assertTrue(lines.get(0).contains(part), r.err());
  }
}
