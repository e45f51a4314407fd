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
 * file, the user's {@code --var-file}s in order, lower-case environment variables named like
 * template variables, then {@code --var} and bare {@code name=value} words, and finally the values
 * a per-minor shortcut pins. An empty value never overrides a lower layer. Derived defaults are
 * applied afterwards by {@link DerivedDefaults}.
 */
public final class VariableLayers {
  /** Variables the tool itself understands whether or not the template declares them. */
  public static final Set<String> TOOL_VARIABLES = Set.of("forward_aws_credentials");

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
   */
  public record Inputs(
      Map<String, String> declared,
      Path templatePath,
      Path defaultFile,
      List<Path> varFiles,
      Map<String, String> environment,
      List<Assignment> commandLine,
      Shortcut shortcut,
      boolean strict) {}

  private VariableLayers() {}

  public static Variables merge(Inputs in) {
    Set<String> known = new TreeSet<>(in.declared().keySet());
    known.addAll(TOOL_VARIABLES);
    Map<String, Variable> merged = new LinkedHashMap<>();
    List<String> warnings = new ArrayList<>();

    VariableSource templateSource = VariableSource.template(in.templatePath());
    in.declared().forEach((name, value) -> put(merged, name, value, templateSource));

    if (in.defaultFile() != null && Files.isRegularFile(in.defaultFile())) {
      Map<String, String> values = VariableFile.read(in.defaultFile(), "default variable file");
      for (var e : values.entrySet()) {
        put(
            merged,
            e.getKey(),
            e.getValue(),
            new VariableSource(
                VariableSource.Kind.DEFAULT_FILE,
                in.defaultFile().getFileName() + ":" + e.getKey()));
      }
    }
    for (Path file : in.varFiles()) {
      Map<String, String> values = VariableFile.read(file, "--var-file");
      for (var e : values.entrySet()) {
        checkKnown(e.getKey(), known, file + ":" + e.getKey(), in.strict(), warnings);
        put(
            merged,
            e.getKey(),
            e.getValue(),
            new VariableSource(VariableSource.Kind.VAR_FILE, file + ":" + e.getKey()));
      }
    }
    for (String name : known) {
      String value = in.environment().get(name);
      if (value != null) {
        put(merged, name, value, VariableSource.environment(name));
      }
    }
    for (Assignment a : in.commandLine()) {
      checkKnown(a.name(), known, a.flag() + " " + a.name(), in.strict(), warnings);
      put(merged, a.name(), a.value(), VariableSource.commandLine(a.flag()));
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

  private static void put(
      Map<String, Variable> merged, String name, String value, VariableSource source) {
    if (value == null || value.isEmpty()) {
      return; // empty means "not set": it never hides a lower layer
    }
    merged.put(name, new Variable(name, value, source));
  }

  private static void checkKnown(
      String name, Set<String> known, String where, boolean strict, List<String> warnings) {
    if (known.contains(name)) {
      return;
    }
    String hint =
        DidYouMean.suggest(name, known)
            .map(s -> "did you mean '" + s + "'?")
            .orElse("run 'ami-builder vars' to list the known names");
    if (strict) {
      throw new ConfigException(
          "unknown variable '"
              + name
              + "' (from "
              + where
              + "): the template does not declare it; "
              + hint);
    }
    warnings.add(
        "unknown variable '" + name + "' (from " + where + ") is ignored by the template; " + hint);
  }
}
