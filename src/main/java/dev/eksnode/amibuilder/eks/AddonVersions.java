package dev.eksnode.amibuilder.eks;

import dev.eksnode.amibuilder.aws.AwsErrors;
import dev.eksnode.amibuilder.config.ConfigException;
import dev.eksnode.amibuilder.failure.Categorized;
import dev.eksnode.amibuilder.failure.FailureCategory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.eks.EksClient;
import software.amazon.awssdk.services.eks.model.AddonInfo;
import software.amazon.awssdk.services.eks.model.AddonVersionInfo;
import software.amazon.awssdk.services.eks.model.Compatibility;
import software.amazon.awssdk.services.eks.model.EksException;

/**
 * The versions of an EKS addon (kube-proxy, vpc-cni) that image caching pre-pulls for a Kubernetes
 * minor: the default EKS installs on a new cluster of that minor, and the latest one, as
 * install-worker.sh chose them on the instance. Asked from the builder with EKS
 * DescribeAddonVersions, so the instance needs no EKS access.
 */
public final class AddonVersions {
  /** The action DescribeAddonVersions needs, as an IAM policy names it. */
  public static final String PERMISSION = "eks:DescribeAddonVersions";

  private static final Pattern RUN = Pattern.compile("\\d+|\\D+");

  /**
   * Version strings in the order of {@code sort -V}: runs of digits compare as numbers, other runs
   * as text, so {@code v1.24.10-eksbuild.1} comes after {@code v1.24.9-eksbuild.3}.
   */
  public static final Comparator<String> VERSION_ORDER = AddonVersions::compareVersions;

  /** What to cache for one addon: its default version (null when EKS marks none) and its latest. */
  public record Choice(String defaultVersion, String latest) {
    public Choice {
      Objects.requireNonNull(latest, "latest");
    }

    /** Default first, then latest, without repeating a version that is both. */
    public List<String> toCache() {
      LinkedHashSet<String> out = new LinkedHashSet<>();
      if (defaultVersion != null) {
        out.add(defaultVersion);
      }
      out.add(latest);
      return List.copyOf(out);
    }
  }

  private final EksClient eks;
  private final String region;

  public AddonVersions(EksClient eks, String region) {
    this.eks = Objects.requireNonNull(eks, "eks");
    this.region = Objects.requireNonNull(region, "region");
  }

  /**
   * The choice among {@code addons} (a DescribeAddonVersions answer) for {@code addon} and the
   * Kubernetes {@code minor}: the default is the version whose compatibility with {@code minor} has
   * {@code defaultVersion=true}; the latest is the highest of all in {@link #VERSION_ORDER}. Empty
   * when the answer lists no version of the addon.
   */
  public static Optional<Choice> choose(List<AddonInfo> addons, String addon, String minor) {
    List<AddonVersionInfo> versions = new ArrayList<>();
    for (AddonInfo info : addons) {
      if (info.addonName() == null || info.addonName().equals(addon)) {
        versions.addAll(info.addonVersions());
      }
    }
    String latest =
        versions.stream()
            .map(AddonVersionInfo::addonVersion)
            .filter(v -> v != null && !v.isBlank())
            .max(VERSION_ORDER)
            .orElse(null);
    if (latest == null) {
      return Optional.empty();
    }
    String defaultVersion =
        versions.stream()
            .filter(v -> v.addonVersion() != null && isDefaultFor(v, minor))
            .map(AddonVersionInfo::addonVersion)
            .max(VERSION_ORDER)
            .orElse(null);
    return Optional.of(new Choice(defaultVersion, latest));
  }

  private static boolean isDefaultFor(AddonVersionInfo version, String minor) {
    for (Compatibility c : version.compatibilities()) {
      if (minor.equals(c.clusterVersion()) && Boolean.TRUE.equals(c.defaultVersion())) {
        return true;
      }
    }
    return false;
  }

  /**
   * Asks EKS (every page) which versions of {@code addon} exist for Kubernetes {@code minor} and
   * chooses among them. Refused access and an empty answer are the user's to fix ({@link
   * ConfigException}); any other answer of EKS is {@link LookupFailedException}; a network failure
   * stays the SDK's exception.
   */
  public Choice lookup(String addon, String minor) {
    List<AddonInfo> addons = new ArrayList<>();
    try {
      eks.describeAddonVersionsPaginator(r -> r.addonName(addon).kubernetesVersion(minor))
          .forEach(page -> addons.addAll(page.addons()));
    } catch (EksException e) {
      throw classify(e, addon, minor);
    }
    return choose(addons, addon, minor)
        .orElseThrow(
            () ->
                new ConfigException(
                    "EKS lists no "
                        + addon
                        + " versions for Kubernetes "
                        + minor
                        + " in "
                        + region
                        + " (DescribeAddonVersions), so cache_container_images=true has nothing to"
                        + " pull for it; build a Kubernetes version EKS supports, set "
                        + variableFor(addon)
                        + "=none to cache the other images, or set cache_container_images=false"));
  }

  /** The template variable that gives this addon's versions instead of the lookup. */
  public static String variableFor(String addon) {
    return addon.replace('-', '_') + "_versions";
  }

  RuntimeException classify(EksException e, String addon, String minor) {
    String code = AwsErrors.errorCode(e).orElse(String.valueOf(e.statusCode()));
    String what =
        "cannot look up the "
            + addon
            + " versions to cache for Kubernetes "
            + minor
            + " (cache_container_images=true): "
            + PERMISSION
            + " in "
            + region;
    if (e.statusCode() == 403 || code.startsWith("AccessDenied")) {
      return new ConfigException(
          what
              + " was refused ("
              + code
              + "); allow "
              + PERMISSION
              + " for these credentials, or set kube_proxy_versions and vpc_cni_versions to skip"
              + " the lookup",
          e);
    }
    if (e.statusCode() >= 500 || AwsErrors.isThrottling(e)) {
      return new LookupFailedException(
          what
              + " failed on the side of EKS ("
              + e.statusCode()
              + " "
              + code
              + "); try again later",
          e);
    }
    // Anything else (an endpoint that does not serve EKS answers 404 without an error code): say
    // which call got which answer, rather than the SDK's bare message.
    return new LookupFailedException(
        what
            + " was answered with HTTP "
            + e.statusCode()
            + AwsErrors.errorCode(e).map(c -> " " + c).orElse("")
            + "; check --endpoint-url and aws_region, or set kube_proxy_versions and"
            + " vpc_cni_versions to skip the lookup",
        e);
  }

  private static int compareVersions(String a, String b) {
    Matcher left = RUN.matcher(a);
    Matcher right = RUN.matcher(b);
    while (true) {
      boolean l = left.find();
      boolean r = right.find();
      if (!l || !r) {
        return Boolean.compare(l, r);
      }
      String x = left.group();
      String y = right.group();
      boolean digits = Character.isDigit(x.charAt(0)) && Character.isDigit(y.charAt(0));
      int c =
          digits
              ? new java.math.BigInteger(x).compareTo(new java.math.BigInteger(y))
              : x.compareTo(y);
      if (c != 0) {
        return c;
      }
    }
  }

  /**
   * EKS failed on its side (a 5xx or throttling after the SDK's retries: try again later) or gave
   * another answer than the versions (an endpoint that does not serve EKS).
   */
  public static final class LookupFailedException extends RuntimeException implements Categorized {
    private static final long serialVersionUID = 1L;

    LookupFailedException(String message, Throwable cause) {
      super(message, cause);
    }

    @Override
    public FailureCategory category() {
      return FailureCategory.ENVIRONMENT;
    }
  }
}
