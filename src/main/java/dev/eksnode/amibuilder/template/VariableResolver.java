package dev.eksnode.amibuilder.template;

import dev.eksnode.amibuilder.config.ConfigException;
import dev.eksnode.amibuilder.config.Variable;
import dev.eksnode.amibuilder.config.VariableLayers;
import dev.eksnode.amibuilder.config.Variables;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The interpolation side of rendering: variable values may use template functions and refer to each
 * other ({@code {{user `x`}}}) and to the environment; this resolves them in dependency order,
 * refusing cycles and names that nothing declares or sets, and supplies the context in which the
 * template's own fields are rendered. As in Packer's JSON templates, a variable a file or word sets
 * may be read without being declared under {@code variables}.
 */
final class VariableResolver {
  private final Map<String, String> environment;
  private final Instant now;
  private final String runUuid;

  VariableResolver(Map<String, String> environment, Instant now, String runUuid) {
    this.environment = Map.copyOf(environment);
    this.now = now;
    this.runUuid = runUuid;
  }

  /** Every value rendered, each keeping the source it came from. */
  Variables resolve(Template template, Variables merged) {
    Map<String, String> resolved = new HashMap<>();
    Deque<String> resolving = new ArrayDeque<>();
    List<Variable> out = new ArrayList<>();
    for (Variable v : merged.all()) {
      String value = resolve(v.name(), template, merged, resolved, resolving);
      out.add(new Variable(v.name(), value, v.source()));
    }
    return Variables.of(out, merged.warnings());
  }

  private String resolve(
      String name,
      Template template,
      Variables merged,
      Map<String, String> resolved,
      Deque<String> resolving) {
    String done = resolved.get(name);
    if (done != null) {
      return done;
    }
    Variable v = merged.get(name);
    if (v == null) {
      checkKnown(template, merged, name, "variable reference");
      return "";
    }
    if (resolving.contains(name)) {
      throw new ConfigException(
          "variable "
              + name
              + " (from "
              + v.source().describe()
              + ") refers to itself through "
              + String.join(" -> ", resolving)
              + " -> "
              + name
              + "; break the cycle");
    }
    resolving.push(name);
    RenderContext ctx = context(template, n -> resolve(n, template, merged, resolved, resolving));
    String value =
        new Interpolator(ctx)
            .render(v.value(), "variable " + name + " (from " + v.source().describe() + ")");
    resolving.pop();
    resolved.put(name, value);
    return value;
  }

  /**
   * The context for the template's fields: {@code user} reads the resolved values, of names the
   * template declares or some layer set.
   */
  RenderContext templateContext(Template template, Variables resolved) {
    return context(
        template,
        name -> {
          checkKnown(template, resolved, name, "template");
          return resolved.value(name);
        });
  }

  private RenderContext context(Template template, UnaryOperator<String> user) {
    return new RenderContext(
        user, environment::get, now, template.directory(), runUuid, Map.of(), Map.of());
  }

  private static void checkKnown(Template template, Variables values, String name, String where) {
    if (template.variables().containsKey(name)
        || VariableLayers.TOOL_VARIABLES.contains(name)
        || values.get(name) != null) {
      return;
    }
    throw new TemplateException(
        "template "
            + template.path()
            + ": "
            + where
            + " uses variable '"
            + name
            + "', which the template does not declare and no variable file or word sets; declare it"
            + " under \"variables\" or set it with --var-file or --var");
  }
}
