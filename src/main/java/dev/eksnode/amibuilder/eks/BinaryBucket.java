package dev.eksnode.amibuilder.eks;

import dev.eksnode.amibuilder.config.ConfigException;
import dev.eksnode.amibuilder.config.KubernetesVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;

/**
 * Reads the layout of the EKS binary bucket ({@code <version>/<build date>/bin/linux/<arch>/...})
 * to complete a version given as {@code MAJOR.MINOR} and a missing build date with the newest ones
 * published.
 */
public final class BinaryBucket {
  /** A fully known version and build date. */
  public record Build(String version, String buildDate) {}

  private final S3Client s3;
  private final String bucket;
  private final String region;

  public BinaryBucket(S3Client s3, String bucket, String region) {
    this.s3 = s3;
    this.bucket = bucket;
    this.region = region;
  }

  /** Completes {@code version} (may be minor only) and {@code buildDate} (may be empty). */
  public Build resolve(String version, String buildDate) {
    KubernetesVersion v =
        KubernetesVersion.parse(version)
            .orElseThrow(
                () -> new ConfigException("kubernetes_version '" + version + "' is not a version"));
    String full = version;
    if (!v.hasPatch()) {
      full =
          newest(
                  folders(v.minorString() + "."),
                  p ->
                      KubernetesVersion.parse(p)
                          .filter(KubernetesVersion::hasPatch)
                          .filter(k -> k.major() == v.major() && k.minor() == v.minor())
                          .isPresent(),
                  BinaryBucket::compareVersions)
              .orElseThrow(
                  () ->
                      new ConfigException(
                          "no Kubernetes "
                              + version
                              + ".x build in s3://"
                              + bucket
                              + " ("
                              + region
                              + "); pass --kubernetes-version with a published MAJOR.MINOR.PATCH"));
    }
    String date = buildDate;
    if (date == null || date.isEmpty()) {
      String prefix = full + "/";
      date =
          newest(folders(prefix), d -> d.matches("\\d{4}-\\d{2}-\\d{2}"), String::compareTo)
              .orElseThrow(
                  () ->
                      new ConfigException(
                          "no build of Kubernetes "
                              + version
                              + " in s3://"
                              + bucket
                              + " ("
                              + region
                              + "); check kubernetes_version, or binary_bucket_name/binary_bucket_region for your own bucket"));
    }
    return new Build(full, date);
  }

  /**
   * The names of the "folders" directly below {@code prefix}'s parent that start with {@code
   * prefix}.
   */
  private List<String> folders(String prefix) {
    String parent = prefix.contains("/") ? prefix.substring(0, prefix.lastIndexOf('/') + 1) : "";
    List<String> names = new ArrayList<>();
    String token = null;
    do {
      ListObjectsV2Request.Builder req =
          ListObjectsV2Request.builder().bucket(bucket).prefix(prefix).delimiter("/");
      if (token != null) {
        req.continuationToken(token);
      }
      ListObjectsV2Response page = s3.listObjectsV2(req.build());
      for (CommonPrefix p : page.commonPrefixes()) {
        String name = p.prefix().substring(parent.length());
        names.add(name.endsWith("/") ? name.substring(0, name.length() - 1) : name);
      }
      token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
    } while (token != null);
    return names;
  }

  private static Optional<String> newest(
      List<String> names,
      java.util.function.Predicate<String> keep,
      java.util.Comparator<String> order) {
    return names.stream().filter(keep).max(order);
  }

  private static int compareVersions(String a, String b) {
    return KubernetesVersion.parse(a)
        .orElseThrow()
        .compareTo(KubernetesVersion.parse(b).orElseThrow());
  }
}
