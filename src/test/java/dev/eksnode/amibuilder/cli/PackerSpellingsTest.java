package dev.eksnode.amibuilder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.pipeline.OnError;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Packer's single-dash spellings of the options we share with it ({@code -var}, {@code -var-file},
 * {@code -on-error}) mean their double-dash forms, and do not become clusters of short options
 * ({@code -var} was {@code -v -a -r}).
 */
class PackerSpellingsTest {
  @TempDir Path root;
  TestHome home;

  @BeforeEach
  void setUp() {
    home = new TestHome(root);
  }

  private CommandLine.ParseResult parse(String... args) {
    return Main.commandLine(
            new CliContext(
                new java.io.PrintWriter(java.io.Writer.nullWriter()),
                new java.io.PrintWriter(java.io.Writer.nullWriter()),
                home.env,
                home.clock,
                home.work,
                home.home),
            0)
        .parseArgs(args)
        .subcommand();
  }

  @Test
  void k8s_acceptsPackerSpellings_withSpaceOrEquals() {
    CommandLine.ParseResult r =
        parse(
            "k8s",
            "-var",
            "arch=arm64",
            "-var=ami_name=x-y-z",
            "-var-file",
            "a.json",
            "-var-file=b.json",
            "-on-error=abort",
            "-v");
    K8sCommand k8s = (K8sCommand) r.commandSpec().userObject();
    assertEquals(List.of("arch=arm64", "ami_name=x-y-z"), k8s.build.vars);
    assertEquals(List.of("a.json", "b.json"), k8s.build.varFiles);
    assertEquals(OnError.ABORT, k8s.onError);
    assertEquals(1, k8s.output.verbosity());

    K8sCommand spaced = (K8sCommand) parse("k8s", "-on-error", "abort").commandSpec().userObject();
    assertEquals(OnError.ABORT, spaced.onError);
  }

  @Test
  void mixedSpellings_addUpInOrder() {
    K8sCommand k8s =
        (K8sCommand)
            parse("k8s", "--var", "a=1", "-var", "b=2", "--var=c=3").commandSpec().userObject();
    assertEquals(List.of("a=1", "b=2", "c=3"), k8s.build.vars);
  }

  @Test
  void vars_withPackerSpellings_showsTheValues() {
    Path file = home.write("vf.json", "{\"instance_type\": \"c5.large\"}");
    TestHome.Result r =
        home.run(
            "vars",
            "-var",
            "arch=arm64",
            "-var-file",
            file.toString(),
            "--kubernetes-version",
            "1.23.9");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().lines().anyMatch(l -> l.matches("arch +arm64 +--var")), r.out());
    assertTrue(
        r.out().lines().anyMatch(l -> l.matches("instance_type +c5\\.large +.*vf\\.json.*")),
        r.out());
  }

  @Test
  void validate_withPackerSpellings_isValid() {
    Path file = home.write("vf.json", "{\"kubernetes_version\": \"1.23.9\"}");
    TestHome.Result r = home.run("validate", "-var-file=" + file, "-var", "arch=arm64");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("arm64"), r.out());
  }

  @Test
  void badOnErrorValue_inPackerSpelling_isExitTwo() {
    TestHome.Result r = home.run("k8s", "-on-error=sometimes", "--kubernetes-version", "1.23.9");
    assertEquals(2, r.code(), r.err());
    assertEquals(1, r.errLines().size(), r.err());
    assertTrue(r.err().contains("'sometimes' is not known"), r.err());
  }

  @Test
  void help_listsBothSpellings() {
    TestHome.Result r = home.run("k8s", "--help");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("-var, --var=NAME=VALUE"), r.out());
    assertTrue(r.out().contains("-var-file, --var-file=FILE"), r.out());
    assertTrue(r.out().contains("-on-error, --on-error=cleanup|abort"), r.out());
  }

  @Test
  void verbosityCounting_isNotFooledByPackerSpellings() {
    assertEquals(0, Main.verbosity("k8s", "-var", "a=b", "-var-file", "f", "-on-error", "abort"));
    assertEquals(2, Main.verbosity("k8s", "-vv", "-var", "a=b"));
  }
}
