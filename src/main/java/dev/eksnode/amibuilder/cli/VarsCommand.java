package dev.eksnode.amibuilder.cli;

import dev.eksnode.amibuilder.config.Booleans;
import dev.eksnode.amibuilder.config.Shortcut;
import dev.eksnode.amibuilder.config.Variable;
import dev.eksnode.amibuilder.config.VariableLayers;
import dev.eksnode.amibuilder.config.VariableSource;
import dev.eksnode.amibuilder.config.VariableValidator;
import dev.eksnode.amibuilder.config.Variables;
import dev.eksnode.amibuilder.ebs.BuildService;
import dev.eksnode.amibuilder.ebs.InputsFingerprint;
import dev.eksnode.amibuilder.template.BuildSpec;
import dev.eksnode.amibuilder.template.Template;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** Prints the merged variables with their sources. */
@Command(
    name = "vars",
    mixinStandardHelpOptions = true,
    abbreviateSynopsis = true,
    description = {
      "Print the merged variables and where each value came from.",
      "Layers, lowest first: template default, the template's default file, derived, the per-minor file"
          + " (variables-<minor>.json beside the template), for aws_region the AWS settings (AWS_REGION,"
          + " AWS_DEFAULT_REGION, the profile's region), your variable files (PACKER_VARIABLE_FILE, then"
          + " --var-file), environment, command line, pinned by a shortcut. --json gives each value's layer."
          + " Secrets are redacted. --json also gives the inputs fingerprint that --reuse looks for"
          + " (exact when source_ami_id is set and nothing is left for the binary bucket to complete)."
    })
final class VarsCommand implements Callable<Integer> {

  @ParentCommand AmiBuilderCommand parent;
  @Mixin BuildOptions build;
  @Mixin AwsOptions aws;
  @Mixin OutputOptions output;

  @Parameters(
      paramLabel = "WORDS",
      arity = "0..*",
      description = "Optional shortcut (1.21 .. 1.25) first, then NAME=VALUE assignments.")
  List<String> words = new ArrayList<>();

  @Override
  public Integer call() {
    CliContext ctx = parent.context();
    Console console = new Console(ctx, output.json, output.quiet);
    Positionals pos = Positionals.parse(words, false);
    SpecLoader loader = new SpecLoader(ctx, build, aws, pos.assignments());
    Template template = loader.template();
    Shortcut shortcut = pos.shortcuts().isEmpty() ? null : pos.shortcuts().get(0);
    Variables vars =
        loader.renderer().resolveVariables(template, loader.variables(template, shortcut));
    new VariableValidator(loader.regions()).validate(vars, VariableValidator.Purpose.LIST);
    vars.warnings().forEach(console::warn);

    TreeSet<String> names = new TreeSet<>(template.variables().keySet());
    names.addAll(VariableLayers.TOOL_VARIABLES);
    names.addAll(vars.asMap().keySet());
    List<String[]> rows = new ArrayList<>();
    List<Map<String, String>> json = new ArrayList<>();
    for (String name : names) {
      Variable v = vars.get(name);
      String value = v == null ? "" : redact(name, v.value(), template);
      String source = v == null ? "not set" : v.source().describe();
      String kind = v == null ? "unset" : kindName(v.source().kind());
      rows.add(new String[] {name, value, source});
      Map<String, String> item = new LinkedHashMap<>();
      item.put("name", name);
      item.put("value", value);
      item.put("source", source);
      item.put("layer", kind);
      json.add(item);
    }
    if (console.json()) {
      Map<String, Object> fields = new LinkedHashMap<>();
      fields.put("variables", json);
      fields.put("inputs", inputs(loader, template, shortcut));
      console.event("variables", fields);
    } else {
      printTable(ctx, rows);
    }
    return ExitCodes.OK;
  }

  /**
   * The inputs fingerprint a build with these words would tag its AMI with, as far as it is known
   * without AWS: exact ({@code complete}) when {@code source_ami_id} is set and the binary bucket
   * and EKS have nothing to complete (build date given, no image caching); otherwise the
   * fingerprint of the local inputs with no source AMI, which a build completes. Null when the
   * words do not render into a build (e.g. no Kubernetes version).
   */
  private static Map<String, Object> inputs(
      SpecLoader loader, Template template, Shortcut shortcut) {
    BuildSpec spec;
    try {
      spec = loader.spec(template, loader.variables(template, shortcut));
    } catch (RuntimeException e) {
      return null;
    }
    String source = spec.settings().source().id();
    InputsFingerprint fp = InputsFingerprint.of(spec, source, BuildService.createdBy());
    boolean complete =
        source != null
            && spec.variables().isSet("kubernetes_build_date")
            && !Booleans.isTrue(spec.variables().value("cache_container_images"));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("fingerprint", fp.value());
    out.put("complete", complete);
    out.put(
        "source_ami",
        source != null
            ? source
            : "resolved at build time from source_ami_filter (not counted here)");
    out.put("parts", fp.parts());
    return out;
  }

  static String redact(String name, String value, Template template) {
    return template.isSensitive(name) && !value.isEmpty() ? "<redacted>" : value;
  }

  private static String kindName(VariableSource.Kind kind) {
    return kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }

  private static void printTable(CliContext ctx, List<String[]> rows) {
    int w0 = "NAME".length();
    int w1 = "VALUE".length();
    for (String[] r : rows) {
      w0 = Math.max(w0, r[0].length());
      w1 = Math.min(60, Math.max(w1, r[1].length()));
    }
    String fmt = "%-" + w0 + "s  %-" + w1 + "s  %s%n";
    ctx.out().printf(fmt, "NAME", "VALUE", "SOURCE");
    for (String[] r : rows) {
      String value = r[1].length() > 60 ? r[1].substring(0, 57) + "..." : r[1];
      ctx.out().printf(fmt, r[0], value, r[2]);
    }
    ctx.out().flush();
  }
}
