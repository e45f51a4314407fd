package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.aws.AwsClientFactory;
import dev.eksnode.amibuilder.config.Assignment;
import dev.eksnode.amibuilder.config.ConfigException;
import dev.eksnode.amibuilder.config.KubernetesVersion;
import dev.eksnode.amibuilder.eks.BinaryBucket;
import dev.eksnode.amibuilder.template.BuildSpec;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Completes a bare {@code MAJOR.MINOR} version and a missing build date from the binary bucket, as
 * the reference's Makefile leaves to the user: the newest patch and the newest date published. Runs
 * after validation and before anything is created; the only AWS call a build makes before its
 * preflight.
 */
final class BucketVersions {
  private BucketVersions() {}

  /** Whether {@code spec} needs the bucket at all. */
  static boolean incomplete(BuildSpec spec) {
    return minorOnly(spec) || spec.variables().value("kubernetes_build_date").isEmpty();
  }

  /** The assignments that complete {@code spec}; empty when it is complete already. */
  static List<Assignment> resolve(BuildSpec spec, BuildRequest.ClientSource clients, URI endpoint) {
    if (!incomplete(spec)) {
      return List.of();
    }
    String version = spec.kubernetesVersion();
    String date = spec.variables().value("kubernetes_build_date");
    String bucket = spec.variables().value("binary_bucket_name");
    String region = spec.variables().value("binary_bucket_region");
    BinaryBucket.Build found;
    try (AwsClientFactory aws = clients.open(region, endpoint)) {
      found = new BinaryBucket(aws.s3(region), bucket, region).resolve(version, date);
    } catch (S3Exception e) {
      throw new ConfigException(
          "cannot list s3://"
              + bucket
              + " in "
              + region
              + " ("
              + (e.awsErrorDetails() == null ? e.statusCode() : e.awsErrorDetails().errorCode())
              + ") to find the newest build of Kubernetes "
              + version
              + "; pass --kubernetes-build-date, or check binary_bucket_name/binary_bucket_region");
    }
    String from = "resolved from s3://" + bucket;
    List<Assignment> out = new ArrayList<>();
    if (minorOnly(spec)) {
      out.add(new Assignment("kubernetes_version", found.version(), from));
    }
    if (date.isEmpty()) {
      out.add(new Assignment("kubernetes_build_date", found.buildDate(), from));
    }
    return out;
  }

  private static boolean minorOnly(BuildSpec spec) {
    return KubernetesVersion.parse(spec.kubernetesVersion()).map(v -> !v.hasPatch()).orElse(false);
  }
}
