package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.aws.AwsClientFactory;
import dev.eksnode.amibuilder.config.Assignment;
import dev.eksnode.amibuilder.config.Booleans;
import dev.eksnode.amibuilder.config.KubernetesVersion;
import dev.eksnode.amibuilder.config.Variables;
import dev.eksnode.amibuilder.eks.AddonVersions;
import dev.eksnode.amibuilder.eks.EcrRegistry;
import dev.eksnode.amibuilder.template.BuildSpec;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * With {@code cache_container_images=true}, resolves what install-worker.sh needs to pick the
 * images to pre-pull, before anything is created: the ECR registry of the binary bucket's region
 * (account from the EKS image table, DNS suffix of its partition) and the default and latest
 * kube-proxy and vpc-cni versions for the build's Kubernetes minor (EKS DescribeAddonVersions in
 * the build region, where the instance would have asked). They become the template variables {@code
 * ecr_uri}, {@code kube_proxy_versions} and {@code vpc_cni_versions}, which the shipped template
 * hands to the script as {@code ECR_URI}, {@code KUBE_PROXY_VERSIONS} and {@code VPC_CNI_VERSIONS},
 * so the instance makes no EKS call. A variable the user set is kept; one the template does not
 * declare is left alone (an older template's script does its own lookup).
 */
final class ImageCacheInputs {
  static final String ECR_URI = "ecr_uri";
  static final List<String> ADDONS = List.of("kube-proxy", "vpc-cni");

  /** Regions where install-worker.sh caches no images (no public ECR images there). */
  static final Set<String> NO_CACHING = Set.of("us-iso-east-1", "us-isob-east-1");

  private ImageCacheInputs() {}

  /** The assignments for {@code spec}; empty when caching is off or nothing is left to resolve. */
  static List<Assignment> resolve(BuildSpec spec, BuildRequest.ClientSource clients, URI endpoint) {
    Variables vars = spec.variables();
    String bucketRegion = vars.value("binary_bucket_region");
    if (!Booleans.isTrue(vars.value("cache_container_images"))
        || NO_CACHING.contains(bucketRegion)) {
      return List.of();
    }
    List<Assignment> out = new ArrayList<>();
    if (open(spec, ECR_URI)) {
      out.add(
          new Assignment(
              ECR_URI, EcrRegistry.host(bucketRegion), "ECR registry of " + bucketRegion));
    }
    List<String> addons =
        ADDONS.stream().filter(a -> open(spec, AddonVersions.variableFor(a))).toList();
    if (addons.isEmpty()) {
      return out;
    }
    String minor =
        KubernetesVersion.parse(spec.kubernetesVersion())
            .map(KubernetesVersion::minorString)
            .orElse(spec.kubernetesVersion());
    String region = spec.settings().region();
    try (AwsClientFactory aws = clients.open(region, endpoint)) {
      AddonVersions lookup = new AddonVersions(aws.eks(region), region);
      for (String addon : addons) {
        out.add(
            new Assignment(
                AddonVersions.variableFor(addon),
                String.join(",", lookup.lookup(addon, minor).toCache()),
                "resolved from EKS DescribeAddonVersions"));
      }
    }
    return out;
  }

  /** Declared by the template and not set by anyone. */
  private static boolean open(BuildSpec spec, String name) {
    return spec.template().variables().containsKey(name) && spec.variables().value(name).isEmpty();
  }
}
