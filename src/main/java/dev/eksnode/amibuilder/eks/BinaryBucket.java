package dev.eksnode.amibuilder.eks;

import dev.eksnode.amibuilder.config.ConfigException;
import dev.eksnode.amibuilder.config.KubernetesVersion;
import dev.eksnode.amibuilder.failure.Categorized;
import dev.eksnode.amibuilder.failure.FailureCategory;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.regions.PartitionMetadata;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Exception;

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
      ListObjectsV2Response page;
      try {
        page = s3.listObjectsV2(req.build());
      } catch (S3Exception e) {
        throw classify(e, prefix);
      }
      for (CommonPrefix p : page.commonPrefixes()) {
        String name = p.prefix().substring(parent.length());
        names.add(name.endsWith("/") ? name.substring(0, name.length() - 1) : name);
      }
      token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
    } while (token != null);
    return names;
  }

  /**
   * A refusal of the listing, judged: access denied is the user's to fix (exit 2, naming the
   * permission, the bucket and the prefix); S3 failing on its side is the environment's (exit 1);
   * anything else (no such bucket, another region) is returned as it is for the caller to word.
   */
  RuntimeException classify(S3Exception e, String prefix) {
    String code =
        e.awsErrorDetails() == null || e.awsErrorDetails().errorCode() == null
            ? String.valueOf(e.statusCode())
            : e.awsErrorDetails().errorCode();
    String where = "s3://" + bucket + "/" + prefix + " (" + region + ")";
    if (e.statusCode() == 403) {
      return new ConfigException(
          "listing "
              + where
              + " to find the Kubernetes version or build date was refused ("
              + code
              + "); these credentials need s3:ListBucket on "
              + bucketArn()
              + " for the prefix '"
              + prefix
              + "', or pass a full --kubernetes-version and --kubernetes-build-date to skip the"
              + " lookup",
          e);
    }
    if (e.statusCode() >= 500) {
      return new UnavailableException(
          "S3 failed listing "
              + where
              + " to find the Kubernetes version or build date ("
              + e.statusCode()
              + " "
              + code
              + "); try again later, or pass a full --kubernetes-version and"
              + " --kubernetes-build-date to skip the lookup",
          e);
    }
    return e;
  }

  /** How many HeadObject calls {@link #requireObjects} has in flight at once. */
  static final int HEAD_POOL = 4;

  /**
   * Checks with HeadObject, a few at a time, that every {@code names} object exists below {@code
   * prefix}. Missing objects are named together in one {@link ConfigException}; a refusal (403) is
   * a {@link ConfigException} naming {@code s3:GetObject}; S3 failing on its side is an {@link
   * UnavailableException}; a network failure is thrown as the SDK reports it.
   */
  public void requireObjects(String prefix, List<String> names) throws InterruptedException {
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(
            Math.max(1, Math.min(HEAD_POOL, names.size())),
            r -> {
              Thread t = new Thread(r, "head-object");
              t.setDaemon(true);
              return t;
            });
    List<String> missing = new ArrayList<>();
    try {
      List<java.util.concurrent.Future<Boolean>> found = new ArrayList<>();
      for (String name : names) {
        found.add(pool.submit(() -> exists(prefix + name)));
      }
      for (int i = 0; i < names.size(); i++) {
        boolean there;
        try {
          there = found.get(i).get();
        } catch (java.util.concurrent.ExecutionException e) {
          if (e.getCause() instanceof S3Exception s3e) {
            throw headFailure(s3e, prefix + names.get(i));
          }
          if (e.getCause() instanceof RuntimeException re) {
            throw re;
          }
          throw new IllegalStateException(e.getCause());
        }
        if (!there) {
          missing.add(names.get(i));
        }
      }
    } finally {
      pool.shutdownNow();
    }
    if (!missing.isEmpty()) {
      throw new ConfigException(
          "s3://"
              + bucket
              + "/"
              + prefix
              + " ("
              + region
              + ") lacks "
              + String.join(", ", missing)
              + " of the "
              + names.size()
              + " objects install-worker.sh downloads; check kubernetes_version,"
              + " kubernetes_build_date and arch (ami-builder versions lists what is published),"
              + " or copy them there when binary_bucket_name is your own bucket");
    }
  }

  private boolean exists(String key) {
    try {
      s3.headObject(r -> r.bucket(bucket).key(key));
      return true;
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return false;
      }
      throw e;
    }
  }

  /** A HeadObject answered with something other than found or not found. */
  RuntimeException headFailure(S3Exception e, String key) {
    String code =
        e.awsErrorDetails() == null || e.awsErrorDetails().errorCode() == null
            ? String.valueOf(e.statusCode())
            : e.awsErrorDetails().errorCode();
    String where = "s3://" + bucket + "/" + key + " (" + region + ")";
    if (e.statusCode() == 403) {
      return new ConfigException(
          "HeadObject on "
              + where
              + " was refused ("
              + code
              + "); these credentials need s3:GetObject on "
              + bucketArn()
              + "/*, which install-worker.sh needs too (S3 also answers 403 for a missing object"
              + " when s3:ListBucket is not granted)",
          e);
    }
    if (e.statusCode() == 301 || e.statusCode() == 400) {
      return new ConfigException(
          "HeadObject on "
              + where
              + " failed ("
              + e.statusCode()
              + " "
              + code
              + "); check that binary_bucket_region is the region of binary_bucket_name",
          e);
    }
    if (e.statusCode() >= 500) {
      return new UnavailableException(
          "S3 failed checking " + where + " (" + e.statusCode() + " " + code + "); try again later",
          e);
    }
    return e;
  }

  /** The bucket's ARN in the partition of its region (aws, aws-cn, aws-us-gov...). */
  String bucketArn() {
    String partition;
    try {
      partition = PartitionMetadata.of(Region.of(region)).id();
    } catch (RuntimeException e) {
      partition = "aws";
    }
    return "arn:" + partition + ":s3:::" + bucket;
  }

  /** S3 failed on its side (a 5xx after the SDK's retries): try again later. */
  public static final class UnavailableException extends RuntimeException implements Categorized {
    private static final long serialVersionUID = 1L;

    UnavailableException(String message, Throwable cause) {
      super(message, cause);
    }

    @Override
    public FailureCategory category() {
      return FailureCategory.ENVIRONMENT;
    }
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
