package dev.eksnode.amibuilder.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Merges the variable layers, lowest first: template defaults, the template's default variable
 * file, {@code variables-<minor>.json} beside the template (when it exists for the Kubernetes minor
 * being built), the user's variable files ({@code PACKER_VARIABLE_FILE}, then each {@code
 * --var-file} in order), lower-case environment variables named like template variables, then
 * {@code --var} and bare {@code name=value} words, and finally the values a per-minor shortcut
 * pins. This is the order of the Makefile's {@code -var-file}/{@code -var} flags. An empty value
 * never overrides a lower layer. Derived defaults are applied afterwards by {@link
 * DerivedDefaults}; they sit between the default file and the per-minor file. The region of the AWS
 * settings ({@code AWS_REGION}, {@code AWS_DEFAULT_REGION}, the profile's {@code region}), when the
 * command found one, is {@code aws_region}'s layer between the per-minor file and the user's files:
 * it beats the template's own defaults and loses to anything the user gives the tool.
 */
public final class VariableLayers {
  /** Variables the tool itself understands whether or not the template declares them. */
  public static final Set<String> TOOL_VARIABLES = Set.of("forward_aws_credentials");

  /** The prefix of per-minor variable files: {@code variables-1.31.json}. */
  public static final String MINOR_FILE_PREFIX = "variables-";

  /**
   * Everything the layers are built from.
   *
   * @param declared the template's variables and their defaults (null = no default)
   * @param templatePath the template, for source descriptions
   * @param defaultFile the template's default variable file, or null when it has none
   * @param varFiles the user's variable files, in order
   * @param environment the process environment
   * @param commandLine {@code --var}, bare words and option-derived assignments, in order
   * @param shortcut the per-minor shortcut in use, or null
   * @param strict unknown variable names are errors instead of warnings
   * @param packerVariableFile the Makefile's {@code PACKER_VARIABLE_FILE}, read before the {@code
   *     --var-file}s; null when not given
   * @param minorFileDirectory where {@code variables-<minor>.json} is looked for (the template's
   *     directory); null to use no per-minor file
   * @param templateReads names the template reads with {@code {{user}}}; such a name set by a file
   *     or word is not "unknown" even when {@code variables} does not declare it
   * @param awsRegion the region of the AWS settings as {@code aws_region} with the setting it came
   *     from as its flag (e.g. {@code AWS_REGION}), or null when none is set
   */
  public record Inputs(
      Map<String, String> declared,
      Path templatePath,
      Path defaultFile,
      List<Path> varFiles,
      Map<String, String> environment,
      List<Assignment> commandLine,
      Shortcut shortcut,
      boolean strict,
      Path packerVariableFile,
      Path minorFileDirectory,
      Set<String> templateReads,
      Assignment awsRegion) {

    public Inputs {
      templateReads = templateReads == null ? Set.of() : Set.copyOf(templateReads);
    }

    /** Without a region from the AWS settings. */
    public Inputs(
        Map<String, String> declared,
        Path templatePath,
        Path defaultFile,
        List<Path> varFiles,
        Map<String, String> environment,
        List<Assignment> commandLine,
        Shortcut shortcut,
        boolean strict,
        Path packerVariableFile,
        Path minorFileDirectory,
        Set<String> templateReads) {
      this(
          declared,
          templatePath,
          defaultFile,
          varFiles,
          environment,
          commandLine,
          shortcut,
          strict,
          packerVariableFile,
          minorFileDirectory,
          templateReads,
          null);
    }

    /** Without PACKER_VARIABLE_FILE, per-minor files or template references. */
    public Inputs(
        Map<String, String> declared,
        Path templatePath,
        Path defaultFile,
        List<Path> varFiles,
        Map<String, String> environment,
        List<Assignment> commandLine,
        Shortcut shortcut,
        boolean strict) {
      this(
          declared,
          templatePath,
          defaultFile,
          varFiles,
          environment,
          commandLine,
          shortcut,
          strict,
          null,
          null,
          Set.of(),
          null);
    }
  }

  /** A name a user layer set, kept until the end of the merge to decide if anything reads it. */
  private record Candidate(String name, String where) {}

  private VariableLayers() {}

  /**
   * Merges the layers. The per-minor file depends on the Kubernetes version, which any layer above
   * it may set, so the layers are merged once without it to learn the version, then again with it.
   */
  public static Variables merge(Inputs in) {
    Variables first = merge(in, null);
    Path minorFile = minorFile(in, first.value("kubernetes_version"));
    return minorFile == null ? first : merge(in, minorFile);
  }

  /** The existing {@code variables-<minor>.json} for {@code version}, or null. */
  static Path minorFile(Inputs in, String version) {
    if (in.minorFileDirectory() == null) {
      return null;
    }
    return KubernetesVersion.parse(version)
        .map(v -> in.minorFileDirectory().resolve(MINOR_FILE_PREFIX + v.minorString() + ".json"))
        .filter(Files::isRegularFile)
        .orElse(null);
  }

  private static Variables merge(Inputs in, Path minorFile) {
    Set<String> declared = new TreeSet<>(in.declared().keySet());
    declared.addAll(TOOL_VARIABLES);
    Map<String, Variable> merged = new LinkedHashMap<>();
    List<String> warnings = new ArrayList<>();
    List<Candidate> unknown = new ArrayList<>();
    Set<String> read = new TreeSet<>(in.templateReads());

    VariableSource templateSource = VariableSource.template(in.templatePath());
    in.declared().forEach((name, value) -> put(merged, name, value, templateSource));

    Path defaultFile =
        in.defaultFile() != null && Files.isRegularFile(in.defaultFile()) ? in.defaultFile() : null;
    if (defaultFile != null) {
      readFile(
          defaultFile, "default variable file", VariableSource.Kind.DEFAULT_FILE, merged, read);
    }
    if (minorFile != null) {
      readFile(minorFile, "per-minor variable file", VariableSource.Kind.MINOR_FILE, merged, read);
    }
    Assignment awsRegion = in.awsRegion();
    if (awsRegion != null
        && (declared.contains(awsRegion.name()) || read.contains(awsRegion.name()))) {
      put(merged, awsRegion.name(), awsRegion.value(), VariableSource.awsConfig(awsRegion.flag()));
    }
    List<Path> userFiles = new ArrayList<>();
    if (in.packerVariableFile() != null) {
      userFiles.add(in.packerVariableFile());
    }
    userFiles.addAll(in.varFiles());
    for (Path file : userFiles) {
      // The template's own default or per-minor file, named again: it keeps its layer (below the
      // derived values), as the Makefile passed it first whatever else was given.
      if (sameFile(file, defaultFile) || sameFile(file, minorFile)) {
        continue;
      }
      String role = file == in.packerVariableFile() ? "PACKER_VARIABLE_FILE" : "--var-file";
      Map<String, String> values = VariableFile.read(file, role);
      for (var e : values.entrySet()) {
        String where =
            file + ":" + e.getKey() + (file == in.packerVariableFile() ? " (" + role + ")" : "");
        if (!declared.contains(e.getKey())) {
          unknown.add(new Candidate(e.getKey(), where));
        }
        read.addAll(UserReferences.in(e.getValue()));
        put(
            merged,
            e.getKey(),
            e.getValue(),
            new VariableSource(VariableSource.Kind.VAR_FILE, where));
      }
    }
    for (String name : declared) {
      String value = in.environment().get(name);
      if (value != null) {
        put(merged, name, value, VariableSource.environment(name));
      }
    }
    for (Assignment a : in.commandLine()) {
      if (!declared.contains(a.name())) {
        unknown.add(new Candidate(a.name(), a.flag() + " " + a.name()));
      }
      read.addAll(UserReferences.in(a.value()));
      put(merged, a.name(), a.value(), VariableSource.commandLine(a.flag()));
    }
    Set<String> known = new TreeSet<>(declared);
    known.addAll(read);
    for (Candidate c : unknown) {
      if (!read.contains(c.name())) {
        warnings.add(unknownName(c, known, in.strict()));
      }
    }
    if (in.shortcut() != null) {
      for (var e : new java.util.TreeMap<>(in.shortcut().pinned()).entrySet()) {
        Variable before = merged.get(e.getKey());
        if (before != null
            && before.source().isUserLayer()
            && !before.value().isEmpty()
            && !before.value().equals(e.getValue())) {
          warnings.add(
              e.getKey()
                  + " = '"
                  + before.value()
                  + "' (from "
                  + before.source().describe()
                  + ") is ignored: "
                  + in.shortcut().label()
                  + " pins it to '"
                  + e.getValue()
                  + "'; use 'k8s --kubernetes-version' to choose freely");
        }
        put(merged, e.getKey(), e.getValue(), VariableSource.pinned(in.shortcut().label()));
      }
    }
    return Variables.of(merged.values(), warnings);
  }

  /**
   * Reads one of the template's own files. Names it sets that the template neither declares nor
   * reads are accepted quietly: they are upstream's, not the user's, to tidy.
   */
  private static void readFile(
      Path file,
      String role,
      VariableSource.Kind kind,
      Map<String, Variable> merged,
      Set<String> read) {
    Map<String, String> values = VariableFile.read(file, role);
    for (var e : values.entrySet()) {
      read.addAll(UserReferences.in(e.getValue()));
      put(
          merged,
          e.getKey(),
          e.getValue(),
          new VariableSource(kind, file.getFileName() + ":" + e.getKey()));
    }
  }

  private static boolean sameFile(Path a, Path b) {
    if (a == null || b == null) {
      return false;
    }
    try {
      return Files.exists(a) && Files.isSameFile(a, b);
    } catch (java.io.IOException e) {
      return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }
  }

  private static void put(
      Map<String, Variable> merged, String name, String value, VariableSource source) {
    if (value == null || value.isEmpty()) {
      return; // empty means "not set": it never hides a lower layer
    }
    merged.put(name, new Variable(name, value, source));
  }

  /**
   * The warning for a name nothing declares or reads, suggesting one of the {@code known} names;
   * with {@code strict}, the error.
   */
  private static String unknownName(Candidate c, Set<String> known, boolean strict) {
    String hint =
        DidYouMean.suggest(c.name(), known)
            .map(s -> "did you mean '" + s + "'?")
            .orElse("run 'ami-builder vars' to list the known names");
    if (strict) {
      throw new ConfigException(
          "unknown variable '"
              + c.name()
              + "' (from "
              + c.where()
              + "): the template neither declares nor reads it; "
              + hint);
    }
    return "unknown variable '"
        + c.name()
        + "' (from "
        + c.where()
        + ") is ignored by the template; "
        + hint;
  }
}
