package dev.eksnode.amibuilder.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A throwaway installation directory for CLI tests: the project's real templates, plus stand-in
 * scripts and files so the template's paths exist. Runs commands in-process and captures their
 * output.
 */
public final class TestHome {
  public static final Instant NOW = Instant.parse("2026-11-25T10:15:30Z");
  static final List<String> SCRIPTS =
      List.of(
          "install_additional_repos.sh",
          "upgrade_kernel.sh",
          "install-worker.sh",
          "cleanup.sh",
          "cleanup_additional_repos.sh",
          "validate.sh",
          "generate-version-info.sh");

  public final Path home;
  public final Path work;
  public final Map<String, String> env = new HashMap<>();

  /** The clock commands see; fixed so derived names are predictable, movable to age a build. */
  public Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);

  /** Where commands read answers from; null (the default) is a process without a terminal. */
  public Terminal terminal;

  public TestHome(Path root) {
    try {
      this.home = Files.createDirectories(root.resolve("home"));
      this.work = Files.createDirectories(root.resolve("work"));
      Path templates = Files.createDirectories(home.resolve("templates"));
      Path project = projectDir();
      for (String f : List.of("eks-worker-al2.json", "eks-worker-al2-variables.json")) {
        Files.copy(project.resolve("templates").resolve(f), templates.resolve(f));
      }
      Path scripts = Files.createDirectories(home.resolve("scripts"));
      for (String s : SCRIPTS) {
        Files.writeString(scripts.resolve(s), "#!/bin/sh\necho stand-in " + s + "\n");
      }
      Files.createDirectories(home.resolve("files/bin"));
      Files.writeString(home.resolve("files/bootstrap.sh"), "#!/bin/sh\n");
      Files.writeString(home.resolve("eni-max-pods.txt"), "m5.large 29\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    env.put("USER", "tester");
  }

  /** Empties the template's provisioner list: the same builder, EC2 steps only (no SSH). */
  public TestHome withoutProvisioners() {
    Path template = home.resolve("templates/eks-worker-al2.json");
    try {
      var json = new com.fasterxml.jackson.databind.ObjectMapper();
      var tree = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(template.toFile());
      tree.putArray("provisioners");
      json.writerWithDefaultPrettyPrinter().writeValue(template.toFile(), tree);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  public static Path projectDir() {
    String p = System.getProperty("amibuilder.projectDir");
    return p != null ? Path.of(p) : Path.of("").toAbsolutePath();
  }

  public Path write(String name, String content) {
    try {
      Path p = work.resolve(name);
      Files.createDirectories(p.getParent());
      Files.writeString(p, content);
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The result of one in-process run. */
  public record Result(int code, String out, String err) {
    public List<String> errLines() {
      return err.lines().filter(l -> !l.isBlank()).toList();
    }
  }

  public Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CliContext ctx =
        new CliContext(
            new PrintWriter(out, true),
            new PrintWriter(err, true),
            env,
            clock,
            work,
            home,
            terminal);
    int code = Main.run(ctx, args);
    return new Result(code, out.toString(), err.toString());
  }
}
