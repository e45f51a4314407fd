package dev.eksnode.amibuilder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.config.KubernetesVersion;
import dev.eksnode.amibuilder.eks.PublishedBuilds.Build;
import dev.eksnode.amibuilder.eks.PublishedBuilds.Release;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code versions} without AWS: its table, its option checks, its help. */
class VersionsCommandTest {
  @TempDir Path root;
  TestHome home;

  @BeforeEach
  void setUp() {
    home = new TestHome(root);
    // Nothing answers here: a check that reached AWS would fail differently (exit 1).
    home.env.put("AWS_ACCESS_KEY_ID", "testing");
    home.env.put("AWS_SECRET_ACCESS_KEY", "testing");
  }

  @Test
  void table_hasOneAlignedRowPerBuild() {
    List<Release> releases =
        List.of(
            new Release(
                KubernetesVersion.parse("1.23.16").orElseThrow(),
                List.of(
                    new Build(
                        "2023-01-30",
                        new TreeMap<>(
                            Map.of(
                                "linux", List.of("amd64", "arm64"), "windows", List.of("amd64")))),
                    new Build("2023-01-11", new TreeMap<>(Map.of("linux", List.of("amd64")))))),
            new Release(
                KubernetesVersion.parse("1.23.9").orElseThrow(),
                List.of(
                    new Build("2022-07-27", new TreeMap<>(Map.of("linux", List.of("arm64")))))));
    assertEquals(
        List.of(
            "VERSION  BUILD DATE  PLATFORMS",
            "1.23.16  2023-01-30  linux/amd64 linux/arm64 windows/amd64",
            "1.23.16  2023-01-11  linux/amd64",
            "1.23.9   2022-07-27  linux/arm64"),
        VersionsCommand.table(releases));
  }

  @Test
  void badKubernetesVersion_isExitTwoBeforeAnyAwsCall() {
    for (String bad : List.of("1.x", "v1.23", "1", "latest")) {
      TestHome.Result r =
          home.run("versions", "--endpoint-url", "http://127.0.0.1:9", "--kubernetes-version", bad);
      assertEquals(2, r.code(), bad + ": " + r.err());
      assertEquals(
          List.of(
              "error: --kubernetes-version '"
                  + bad
                  + "' is not a Kubernetes version; use MAJOR.MINOR such as 1.23, or"
                  + " MAJOR.MINOR.PATCH such as 1.23.16"),
          r.errLines());
    }
  }

  @Test
  void aBareWord_isExitTwoPointingAtTheFilterOption() {
    TestHome.Result r = home.run("versions", "--endpoint-url", "http://127.0.0.1:9", "1.23");
    assertEquals(2, r.code(), r.err());
    assertEquals(1, r.errLines().size(), r.err());
    assertTrue(r.err().contains("--kubernetes-version 1.23"), r.err());
  }

  @Test
  void badBucketName_fromAnyLayer_isExitTwoNamingItsSource() {
    TestHome.Result r =
        home.run("versions", "--endpoint-url", "http://127.0.0.1:9", "--bucket", "Not_A_Bucket");
    assertEquals(2, r.code(), r.err());
    assertTrue(
        r.err().startsWith("error: binary_bucket_name = 'Not_A_Bucket' (from --bucket)"), r.err());
  }

  @Test
  void help_isListedAndDescribesTheOptions() {
    TestHome.Result top = home.run("--help");
    assertTrue(top.out().contains("versions"), top.out());
    TestHome.Result r = home.run("versions", "--help");
    assertEquals(0, r.code());
    for (String option :
        List.of(
            "--kubernetes-version",
            "--bucket",
            "--bucket-region",
            "--var-file",
            "--var",
            "--json",
            "--profile",
            "--endpoint-url",
            "s3:ListBucket")) {
      assertTrue(r.out().contains(option), option + " missing from:\n" + r.out());
    }
  }
}
