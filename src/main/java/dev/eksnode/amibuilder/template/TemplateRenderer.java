package dev.eksnode.amibuilder.template;

import com.fasterxml.jackson.databind.JsonNode;
import dev.eksnode.amibuilder.config.ValueRules;
import dev.eksnode.amibuilder.config.Variable;
import dev.eksnode.amibuilder.config.VariableValidator;
import dev.eksnode.amibuilder.config.Variables;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a loaded template and merged variables into a {@link BuildSpec}, in four jobs done by four
 * classes: the variable values are resolved ({@link VariableResolver}) and validated ({@link
 * VariableValidator}); the builder's fields are typed into settings ({@link BuilderSettingsReader})
 * and judged by the same rules as the variables ({@link BuilderValidator}); the provisioners are
 * typed with their local files checked ({@link ProvisionerReader}, {@link SourceFiles}); the
 * manifest post-processors are read here.
 */
public final class TemplateRenderer {
  private final VariableResolver resolver;
  private final SourceFiles files;
  private final String runUuid;
  private final Instant now;
  private final ValueRules.Regions regions;

  public TemplateRenderer(
      Map<String, String> environment, Instant now, String runUuid, Path workingDir) {
    this(environment, now, runUuid, workingDir, ValueRules.Regions.KNOWN);
  }

  /**
   * @param regions how region names are judged: AWS's own regions, or any well-formed name when
   *     every call goes to {@code --endpoint-url}
   */
  public TemplateRenderer(
      Map<String, String> environment,
      Instant now,
      String runUuid,
      Path workingDir,
      ValueRules.Regions regions) {
    this.resolver = new VariableResolver(environment, now, runUuid);
    this.files = new SourceFiles(workingDir);
    this.runUuid = runUuid;
    this.now = now;
    this.regions = regions;
  }

  /** How this renderer judges region names. */
  public ValueRules.Regions regions() {
    return regions;
  }

  /**
   * Renders {@code {{user}}}/{@code {{env}}} references inside variable values, keeping each
   * value's source.
   */
  public Variables resolveVariables(Template template, Variables merged) {
    return resolver.resolve(template, merged);
  }

  /** Validates the variables and renders the whole template. */
  public BuildSpec render(Template template, Variables merged, VariableValidator.Purpose purpose) {
    Variables vars = resolveVariables(template, merged);
    new VariableValidator(regions).validate(vars, purpose);
    RenderContext ctx = resolver.templateContext(template, vars);
    Interpolator in = new Interpolator(ctx);
    String file = "template " + template.path();

    TemplateFields b = new TemplateFields(template.builder(), in, file + ": builders[0]");
    String buildName = b.text("name", "amazon-ebs");
    AmazonEbsSettings settings = new BuilderSettingsReader(files).read(b);
    new BuilderValidator(template.builder(), file + ": builders[0]", regions).validate(settings);

    ProvisionerReader provisionerReader = new ProvisionerReader(files);
    List<ProvisionerSpec> provisioners = new ArrayList<>();
    for (int i = 0; i < template.provisioners().size(); i++) {
      JsonNode node = template.provisioners().get(i);
      provisioners.add(
          provisionerReader.read(
              new TemplateFields(
                  TemplateFields.fieldsOf(node), in, file + ": provisioners[" + i + "]"),
              i));
    }
    List<ManifestSpec> manifests = new ArrayList<>();
    for (int i = 0; i < template.postProcessors().size(); i++) {
      JsonNode pp = template.postProcessors().get(i);
      TemplateFields f =
          new TemplateFields(
              TemplateFields.fieldsOf(pp), in, file + ": post-processors[" + i + "]");
      manifests.add(
          new ManifestSpec(
              f.text("output", "packer-manifest.json"),
              f.bool("strip_path", false),
              f.map("custom_data")));
    }
    return new BuildSpec(
        buildName,
        template,
        vars,
        settings,
        provisioners,
        manifests,
        secrets(template, vars),
        runUuid,
        now,
        ctx);
  }

  private static Set<String> secrets(Template template, Variables vars) {
    Set<String> out = new LinkedHashSet<>();
    for (Variable v : vars.all()) {
      if (template.isSensitive(v.name()) && v.value().length() >= 4) {
        out.add(v.value());
      }
    }
    return out;
  }
}
