package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.aws.AwsClientFactory;
import dev.eksnode.amibuilder.config.Assignment;
import dev.eksnode.amibuilder.config.ConfigException;
import dev.eksnode.amibuilder.config.KubernetesVersion;
import dev.eksnode.amibuilder.eks.BinaryBucket;
import dev.eksnode.amibuilder.eks.WorkerBinaries;
import dev.eksnode.amibuilder.pipeline.CancelledException;
import dev.eksnode.amibuilder.template.BuildSpec;
import dev.eksnode.amibuilder.template.ProvisionerSpec;
import dev.eksnode.amibuilder.template.ShellProvisionerSpec;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
              + dev.eksnode.amibuilder.aws.AwsErrors.errorCode(e)
                  .filter(code -> !code.isBlank())
                  .orElse("HTTP " + e.statusCode())
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

  /**
   * The environment of the template's {@code install-worker.sh} provisioner when it downloads from
   * the binary bucket: a shell provisioner running a script of that name with {@code
   * BINARY_BUCKET_NAME} and {@code PULL_CNI_FROM_GITHUB} in its {@code environment_vars} (the AL2
   * script's inputs). Empty for a template that does not run the script (the bucket is then none of
   * the build's business), gives it no bucket, or runs a script of another contract.
   */
  static Optional<Map<String, String>> installWorkerEnvironment(BuildSpec spec) {
    for (ProvisionerSpec p : spec.provisioners()) {
      if (!(p instanceof ShellProvisionerSpec shell)
          || shell.scripts().stream()
              .noneMatch(
                  s ->
                      s.getFileName() != null
                          && s.getFileName().toString().equals("install-worker.sh"))) {
        continue;
      }
      Map<String, String> env = ProvisionerPlan.environment(shell);
      // PULL_CNI_FROM_GITHUB is part of the AL2 script's contract (ours and the reference's), whose
      // downloads WorkerBinaries lists; a script of that name with another contract (the AL2023
      // templates' install-worker.sh) downloads other things and is not checked.
      if (!env.getOrDefault("BINARY_BUCKET_NAME", "").isBlank()
          && env.containsKey("PULL_CNI_FROM_GITHUB")) {
        return Optional.of(env);
      }
    }
    return Optional.empty();
  }

  /**
   * Checks that every object install-worker.sh will download ({@link WorkerBinaries}) is in the
   * binary bucket, with the values the script will be given: its environment for the version, build
   * date, bucket, region and CNI plugins, and the {@code arch} variable for the architecture (the
   * script reads it from the instance, which runs the source AMI chosen by {@code arch}). Nothing
   * is checked when the template does not run the script with a bucket.
   */
  static void requireBinaries(BuildSpec spec, BuildRequest.ClientSource clients, URI endpoint) {
    Optional<Map<String, String>> found = installWorkerEnvironment(spec);
    if (found.isEmpty()) {
      return;
    }
    // The script's own values, with the build's where the template leaves one out.
    Map<String, String> env = new LinkedHashMap<>(found.get());
    env.merge(
        "BINARY_BUCKET_REGION",
        nonNull(spec.variables().value("binary_bucket_region")),
        BucketVersions::given);
    env.merge("KUBERNETES_VERSION", nonNull(spec.kubernetesVersion()), BucketVersions::given);
    env.merge(
        "KUBERNETES_BUILD_DATE",
        nonNull(spec.variables().value("kubernetes_build_date")),
        BucketVersions::given);
    Optional<WorkerBinaries> binaries =
        WorkerBinaries.fromEnvironment(env, spec.variables().value("arch"));
    if (binaries.isEmpty()) {
      return;
    }
    WorkerBinaries b = binaries.get();
    String folder = b.prefix() + "/";
    List<String> names = b.keys().stream().map(k -> k.substring(folder.length())).toList();
    try (AwsClientFactory aws = clients.open(b.region(), endpoint)) {
      new BinaryBucket(aws.s3(b.region()), b.bucket(), b.region()).requireObjects(folder, names);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CancelledException("interrupted while checking the binary bucket");
    }
  }

  private static boolean minorOnly(BuildSpec spec) {
    return KubernetesVersion.parse(spec.kubernetesVersion()).map(v -> !v.hasPatch()).orElse(false);
  }

  private static String nonNull(String value) {
    return value == null ? "" : value;
  }

  /** The template's value unless it left it blank. */
  private static String given(String fromTemplate, String fromBuild) {
    return fromTemplate.isBlank() ? fromBuild : fromTemplate;
  }
}
