package dev.eksnode.amibuilder.cli;

import dev.eksnode.amibuilder.config.Assignment;
import dev.eksnode.amibuilder.config.ConfigException;
import dev.eksnode.amibuilder.config.DerivedDefaults;
import dev.eksnode.amibuilder.config.Shortcut;
import dev.eksnode.amibuilder.config.ValueRules;
import dev.eksnode.amibuilder.config.VariableLayers;
import dev.eksnode.amibuilder.config.VariableValidator;
import dev.eksnode.amibuilder.config.Variables;
import dev.eksnode.amibuilder.template.BuildSpec;
import dev.eksnode.amibuilder.template.Template;
import dev.eksnode.amibuilder.template.TemplateException;
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
  /** The operating systems upstream keeps under {@code templates/<os>/template.json}. */
  static final List<String> OS_DISTROS = List.of("al2", "al2023");

  /** Make variables that choose files, not template variables. */
  static final String OS_DISTRO = "os_distro";

  static final String PACKER_VARIABLE_FILE = "PACKER_VARIABLE_FILE";

  private final CliContext ctx;
  private final BuildOptions options;
  private final List<String> words;
  private final AwsOptions aws;
  private Assignment osDistroWord;
  private Assignment packerVariableFileWord;

  /**
   * @param words bare {@code name=value} words from the command line (shortcuts already removed)
   */
  SpecLoader(CliContext ctx, BuildOptions options, List<String> words) {
    this(ctx, options, null, words);
  }

  /**
   * @param aws the command's {@code --profile} (whose region is one of the region rule's layers)
   *     and {@code --endpoint-url} (with which any well-formed region name is accepted); null for
   *     neither
   * @param words bare {@code name=value} words from the command line (shortcuts already removed)
   */
  SpecLoader(CliContext ctx, BuildOptions options, AwsOptions aws, List<String> words) {
    this.ctx = ctx;
    this.options = options;
    this.aws = aws;
    List<String> variables = new ArrayList<>();
    for (String w : words) {
      // As with make, the last of repeated words wins.
      if (w.startsWith(OS_DISTRO + "=")) {
        osDistroWord = Assignment.parse(w, "argument");
      } else if (w.startsWith(PACKER_VARIABLE_FILE + "=")) {
        packerVariableFileWord = Assignment.parse(w, "argument");
      } else {
        variables.add(w);
      }
    }
    this.words = List.copyOf(variables);
  }

  Template template() {
    Assignment distro = osDistro();
    if (options.template != null && options.templateDir != null) {
      throw new ConfigException(
          "--template "
              + options.template
              + " and --template-dir "
              + options.templateDir
              + " both choose the template; keep one of them");
    }
    Path path;
    if (options.templateDir != null) {
      path = templateUnder(ctx.resolve(options.templateDir), distro);
    } else if (options.template != null) {
      if (distro != null) {
        throw new ConfigException(
            "os_distro = '"
                + distro.value()
                + "' (from "
                + describe(distro)
                + ") only chooses a template under --template-dir, and --template "
                + options.template
                + " names one; drop one of them");
      }
      path = ctx.resolve(options.template);
    } else {
      if (distro != null && !distro.value().equals("al2")) {
        throw new ConfigException(
            "os_distro = '"
                + distro.value()
                + "' (from "
                + describe(distro)
                + "): the installation's own templates are AL2 only; add --template-dir"
                + " <amazon-eks-ami checkout> to build its templates/"
                + distro.value()
                + "/template.json");
      }
      path = ctx.home().resolve("templates").resolve("eks-worker-al2.json");
    }
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

  /**
   * The distribution {@code template} builds: {@code chosen} with {@code os_distro}, else AL2023
   * when the template's file or folder names it ({@code templates/al2023/template.json}; the
   * Makefile of 2023 looked for al2023 in the template's path).
   */
  private static String distroOf(Template template, Assignment chosen) {
    if (chosen != null) {
      return chosen.value();
    }
    Path file = template.path().toAbsolutePath();
    boolean al2023 =
        file.getFileName().toString().contains("al2023")
            || (file.getParent() != null
                && file.getParent().getFileName() != null
                && file.getParent().getFileName().toString().equals("al2023"));
    return al2023 ? "al2023" : "al2";
  }

  /** {@code DIR/templates/<os>/template.json}, which must exist. */
  private static Path templateUnder(Path dir, Assignment distro) {
    String os = distro == null ? "al2" : distro.value();
    String from = distro == null ? "the default" : "from " + describe(distro);
    Path template = dir.resolve("templates").resolve(os).resolve("template.json");
    if (Files.isRegularFile(template)) {
      return template;
    }
    if (!Files.isDirectory(dir)) {
      throw new ConfigException(
          "--template-dir " + dir + " is not a directory; point it at an amazon-eks-ami checkout");
    }
    Path legacy = dir.resolve("eks-worker-al2.json");
    String fix =
        Files.isRegularFile(legacy) && os.equals("al2")
            ? "this checkout predates templates/<os>/; use --template " + legacy
            : "point it at an amazon-eks-ami checkout that has templates/"
                + os
                + "/template.json, or use --template FILE";
    throw new ConfigException(
        "--template-dir "
            + dir
            + " has no templates/"
            + os
            + "/template.json (os_distro "
            + os
            + ", "
            + from
            + "); "
            + fix);
  }

  /**
   * The distribution chosen with {@code --os-distro} or the word {@code os_distro=}, checked, or
   * null when neither is given. Both with different values is an error, as for other options.
   */
  private Assignment osDistro() {
    Assignment option =
        options.osDistro == null
            ? null
            : new Assignment(OS_DISTRO, options.osDistro, "--os-distro");
    Assignment word = osDistroWord == null || osDistroWord.value().isEmpty() ? null : osDistroWord;
    if (option != null && word != null) {
      checkNoConflict(List.of(option), List.of(word));
    }
    Assignment chosen = option != null ? option : word;
    if (chosen != null && !OS_DISTROS.contains(chosen.value())) {
      throw new ConfigException(
          "os_distro = '"
              + ConfigException.oneLine(chosen.value())
              + "' (from "
              + describe(chosen)
              + "): unknown operating system; use "
              + String.join(" or ", OS_DISTROS));
    }
    return chosen;
  }

  private static String describe(Assignment a) {
    return a.flag().equals("argument") ? "argument " + a.name() : a.flag();
  }

  /**
   * The Makefile's {@code PACKER_VARIABLE_FILE}: the word wins over the environment, as a make
   * command-line variable does; empty means not set.
   */
  private Path packerVariableFile() {
    String value =
        packerVariableFileWord != null
            ? packerVariableFileWord.value()
            : ctx.env().getOrDefault(PACKER_VARIABLE_FILE, "");
    if (value.isBlank()) {
      return null;
    }
    Path file = ctx.resolve(value.strip());
    if (!Files.exists(file)) {
      throw new ConfigException(
          PACKER_VARIABLE_FILE
              + " = '"
              + ConfigException.oneLine(value)
              + "' (from "
              + (packerVariableFileWord != null
                  ? "argument " + PACKER_VARIABLE_FILE
                  : "environment variable " + PACKER_VARIABLE_FILE)
              + "): "
              + file
              + " does not exist; check the path (relative paths start at the current directory)");
    }
    return file;
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
    return variables(template, shortcut, List.of(), resolved);
  }

  /**
   * As {@link #variables(Template, Shortcut, List)}, with a matrix entry's variables on top of the
   * command line ({@code --var}, words and options) and below the {@code resolved} values.
   */
  Variables variables(
      Template template, Shortcut shortcut, List<Assignment> entry, List<Assignment> resolved) {
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
    if (options.region != null) {
      // The region rule puts --region first, above an aws_region word or --var: added last, it
      // wins.
      cli.add(new Assignment("aws_region", options.region, "--region"));
    }
    cli.addAll(entry);
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
    Assignment distro = osDistro();
    if (distro != null && template.variables().containsKey(OS_DISTRO)) {
      cli.add(0, distro); // make passes it with -var when the template declares it
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
            options.strict,
            packerVariableFile(),
            template.directory(),
            template.userReferences(),
            // --region wins over everything: no need to read the AWS settings then.
            options.region != null
                ? null
                : RegionRule.awsSettingsAssignment(ctx.env(), aws == null ? null : aws.profile));
    return DerivedDefaults.apply(
        VariableLayers.merge(inputs), ctx.clock(), distroOf(template, distro));
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
        ctx.env(),
        ctx.clock().instant(),
        UUID.randomUUID().toString(),
        ctx.workingDir(),
        regions());
  }

  /** How region names are judged: any well-formed name when every call goes to --endpoint-url. */
  ValueRules.Regions regions() {
    return ValueRules.Regions.forEndpoint(aws == null ? null : aws.endpoint());
  }

  BuildSpec spec(Template template, Variables merged) {
    try {
      return renderer().render(template, merged, VariableValidator.Purpose.BUILD);
    } catch (TemplateException e) {
      throw withMissingDefaultsHint(template, e);
    }
  }

  /**
   * A template copied away from its default variable file renders fields such as the region empty:
   * say which file was looked for, so the user can pass it with --var-file.
   */
  static TemplateException withMissingDefaultsHint(Template template, TemplateException e) {
    Path defaults = template.defaultVariableFile();
    if (e.getMessage() == null
        || !e.getMessage().contains(" is empty; ")
        || Files.isRegularFile(defaults)) {
      return e;
    }
    return new TemplateException(
        e.getMessage()
            + " (the template's default variable file "
            + defaults
            + " does not exist; pass the variables file with --var-file)",
        e);
  }
}
