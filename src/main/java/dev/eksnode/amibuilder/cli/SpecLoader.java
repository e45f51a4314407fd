package dev.eksnode.amibuilder.cli;

import dev.eksnode.amibuilder.config.Assignment;
import dev.eksnode.amibuilder.config.ConfigException;
import dev.eksnode.amibuilder.config.DerivedDefaults;
import dev.eksnode.amibuilder.config.Shortcut;
import dev.eksnode.amibuilder.config.VariableLayers;
import dev.eksnode.amibuilder.config.VariableValidator;
import dev.eksnode.amibuilder.config.Variables;
import dev.eksnode.amibuilder.template.BuildSpec;
import dev.eksnode.amibuilder.template.Template;
import dev.eksnode.amibuilder.template.TemplateLoader;
import dev.eksnode.amibuilder.template.TemplateRenderer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Turns the command-line words into variables and a {@link BuildSpec}: the one path every command
 * takes.
 */
final class SpecLoader {
  private final CliContext ctx;
  private final BuildOptions options;
  private final List<String> words;

  /**
   * @param words bare {@code name=value} words from the command line (shortcuts already removed)
   */
  SpecLoader(CliContext ctx, BuildOptions options, List<String> words) {
    this.ctx = ctx;
    this.options = options;
    this.words = List.copyOf(words);
  }

  Template template() {
    Path path =
        options.template == null
            ? ctx.home().resolve("templates").resolve("eks-worker-al2.json")
            : ctx.resolve(options.template);
    if (!Files.exists(path)) {
      throw new ConfigException(
          "template "
              + path
              + " does not exist; "
              + (options.template == null
                  ? "set AMI_BUILDER_HOME to the ami-builder directory or pass --template"
                  : "check the --template path"));
    }
    return new TemplateLoader().load(path);
  }

  /** The merged variables with derived defaults, not yet rendered or validated. */
  Variables variables(Template template, Shortcut shortcut) {
    return variables(template, shortcut, List.of());
  }

  /**
   * As {@link #variables(Template, Shortcut)}, with {@code resolved} values (from the binary
   * bucket) added last.
   */
  Variables variables(Template template, Shortcut shortcut, List<Assignment> resolved) {
    List<Assignment> fromOptions = new ArrayList<>();
    if (options.kubernetesVersion != null) {
      fromOptions.add(
          new Assignment("kubernetes_version", options.kubernetesVersion, "--kubernetes-version"));
    }
    if (options.kubernetesBuildDate != null) {
      fromOptions.add(
          new Assignment(
              "kubernetes_build_date", options.kubernetesBuildDate, "--kubernetes-build-date"));
    }
    if (options.region != null) {
      fromOptions.add(new Assignment("aws_region", options.region, "--region"));
    }
    List<Assignment> assignments = new ArrayList<>();
    for (String v : options.vars) {
      assignments.add(Assignment.parse(v, "--var"));
    }
    for (String w : words) {
      assignments.add(Assignment.parse(w, "argument"));
    }
    checkNoConflict(fromOptions, assignments);
    List<Assignment> cli = new ArrayList<>(fromOptions);
    cli.addAll(assignments);
    cli.addAll(resolved);
    if (shortcut != null
        && options.kubernetesVersion != null
        && !options.kubernetesVersion.equals(shortcut.kubernetesVersion())) {
      throw new ConfigException(
          "--kubernetes-version "
              + options.kubernetesVersion
              + " conflicts with the shortcut "
              + shortcut.minor()
              + " (which pins "
              + shortcut.kubernetesVersion()
              + "); drop one of them");
    }
    List<Path> varFiles = options.varFiles.stream().map(ctx::resolve).toList();
    Path defaultFile = template.defaultVariableFile();
    var inputs =
        new VariableLayers.Inputs(
            template.variables(),
            template.path(),
            Files.isRegularFile(defaultFile) ? defaultFile : null,
            varFiles,
            ctx.env(),
            cli,
            shortcut,
            options.strict);
    return DerivedDefaults.apply(VariableLayers.merge(inputs), ctx.clock());
  }

  /**
   * An option and an assignment of the same variable on one command line are one layer: neither can
   * quietly win, so different values are an error (the same value twice is harmless).
   */
  private static void checkNoConflict(List<Assignment> fromOptions, List<Assignment> assignments) {
    for (Assignment option : fromOptions) {
      for (Assignment a : assignments) {
        if (a.name().equals(option.name())
            && !a.value().isEmpty()
            && !a.value().equals(option.value())) {
          String word = a.flag().equals("argument") ? "argument " : a.flag() + " ";
          throw new ConfigException(
              option.name()
                  + " is given twice with different values: "
                  + option.flag()
                  + " '"
                  + ConfigException.oneLine(option.value())
                  + "' and "
                  + word
                  + option.name()
                  + "='"
                  + ConfigException.oneLine(a.value())
                  + "'; keep only one of them");
        }
      }
    }
  }

  TemplateRenderer renderer() {
    return new TemplateRenderer(
        ctx.env(), ctx.clock().instant(), UUID.randomUUID().toString(), ctx.workingDir());
  }

  BuildSpec spec(Template template, Variables merged) {
    return renderer().render(template, merged, VariableValidator.Purpose.BUILD);
  }
}
