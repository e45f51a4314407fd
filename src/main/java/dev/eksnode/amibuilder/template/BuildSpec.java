package dev.eksnode.amibuilder.template;

import dev.eksnode.amibuilder.config.Variables;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything one build needs, resolved and checked: the variables, the builder's typed settings,
 * the provisioners and manifests. Immutable; the build steps read it and never look at the command
 * line.
 *
 * @param buildName the builder's name ({@code amazon-ebs} unless the template names it)
 * @param template the template it came from
 * @param variables the final variable values (rendered), with their sources
 * @param settings the amazon-ebs settings
 * @param provisioners the provisioners in order
 * @param manifests the manifest post-processors
 * @param secrets values that must never be printed (credentials, tokens, sensitive variables)
 * @param runUuid this run's uuid (Packer's packer_run_uuid)
 * @param startedAt the build's single "now"
 */
public record BuildSpec(
    String buildName,
    Template template,
    Variables variables,
    AmazonEbsSettings settings,
    List<ProvisionerSpec> provisioners,
    List<ManifestSpec> manifests,
    Set<String> secrets,
    String runUuid,
    Instant startedAt,
    RenderContext renderContext) {

  public BuildSpec {
    provisioners = List.copyOf(provisioners);
    manifests = List.copyOf(manifests);
    secrets = Set.copyOf(secrets);
  }

  /**
   * Renders build-time fields ({@code .BuildRegion}, {@code .SourceAMI}, {@code .SourceAMIName},
   * {@code build `ID`}...) left in tag values and manifest custom data.
   */
  public Map<String, String> renderAtBuildTime(
      Map<String, String> values,
      Map<String, String> buildValues,
      Map<String, String> dotValues,
      String where) {
    Interpolator late = new Interpolator(renderContext.withBuildValues(buildValues, dotValues));
    Map<String, String> out = new LinkedHashMap<>();
    values.forEach((k, v) -> out.put(k, late.render(v, where + "." + k)));
    return out;
  }

  /** The Kubernetes version as configured (may be a bare minor until the bucket resolves it). */
  public String kubernetesVersion() {
    return variables.value("kubernetes_version");
  }

  /**
   * Where the build's region came from, for the banner: the source of {@code aws_region} when the
   * region is its value (e.g. {@code AWS_REGION}, {@code --region}, {@code template
   * eks-worker-al2.json}), else the template's builder, which writes its region itself.
   */
  public String regionSource() {
    var v = variables.get("aws_region");
    if (v != null && v.value().equals(settings.region())) {
      return v.source().describe();
    }
    return "template " + template.path().getFileName() + ": builders[0].region";
  }
}
