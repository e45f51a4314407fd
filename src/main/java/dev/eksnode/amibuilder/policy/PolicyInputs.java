package dev.eksnode.amibuilder.policy;

import dev.eksnode.amibuilder.config.Booleans;
import dev.eksnode.amibuilder.template.AmazonEbsSettings;
import dev.eksnode.amibuilder.template.BuildSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.regions.PartitionMetadata;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.RegionMetadata;

/**
 * What a build's permissions depend on, read from one rendered {@link BuildSpec}.
 *
 * @param partition {@code aws}, {@code aws-cn}, {@code aws-us-gov}… of the build region (a region
 *     the SDK does not know counts as {@code aws})
 * @param dnsSuffix the partition's DNS suffix, for service principals ({@code amazonaws.com})
 * @param regions the build region first, then each {@code ami_regions} copy region once
 * @param bucket {@code binary_bucket_name}
 * @param bucketRegion {@code binary_bucket_region}
 * @param kubernetesVersion as configured (a bare minor until the bucket resolves it)
 * @param listsBucket whether the build lists the bucket (bare minor or no build date)
 * @param encrypted {@code encrypt_boot}
 * @param kmsKeys the customer keys the build encrypts with, region to key id, ARN or alias (the
 *     regions' default EBS keys are not listed: they need no IAM grant)
 * @param sharesImage {@code ami_users} or {@code ami_groups} given
 * @param sharesSnapshots {@code snapshot_users} given
 * @param instanceProfile {@code iam_instance_profile}; null: none
 * @param temporaryProfile whether {@code temporary_iam_instance_profile_policy_document} is set
 * @param cachesImages {@code cache_container_images}
 * @param subnetGiven {@code subnet_id} given: the preflight describes it
 * @param securityGroupGiven {@code security_group_id} given: no temporary group is made
 * @param passRole the role inside {@code iam_instance_profile} (a name or an ARN); null: any role,
 *     passed to EC2 only
 */
public record PolicyInputs(
    String partition,
    String dnsSuffix,
    List<String> regions,
    String bucket,
    String bucketRegion,
    String kubernetesVersion,
    boolean listsBucket,
    boolean encrypted,
    Map<String, String> kmsKeys,
    boolean sharesImage,
    boolean sharesSnapshots,
    String instanceProfile,
    boolean temporaryProfile,
    boolean cachesImages,
    boolean subnetGiven,
    boolean securityGroupGiven,
    String passRole) {

  public PolicyInputs {
    regions = List.copyOf(regions);
    kmsKeys = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(kmsKeys));
  }

  /** The inputs of the build {@code spec} describes. */
  public static PolicyInputs of(BuildSpec spec) {
    AmazonEbsSettings s = spec.settings();
    Set<String> regions = new LinkedHashSet<>();
    regions.add(s.region());
    regions.addAll(s.distribution().regions());
    String version = spec.kubernetesVersion();
    boolean minorOnly = version.matches("\\d+\\.\\d+");
    boolean listsBucket = minorOnly || spec.variables().value("kubernetes_build_date").isEmpty();
    Map<String, String> keys = new LinkedHashMap<>();
    if (s.image().encryptBoot()) {
      if (s.image().kmsKeyId() != null) {
        keys.put(s.region(), s.image().kmsKeyId());
      }
      for (String region : s.distribution().regions()) {
        String key = s.distribution().regionKmsKeyIds().get(region);
        if (key != null) {
          keys.put(region, key);
        }
      }
    }
    PartitionMetadata partition = partitionOf(s.region());
    return new PolicyInputs(
        partition == null ? "aws" : partition.id(),
        partition == null ? "amazonaws.com" : partition.dnsSuffix(),
        new ArrayList<>(regions),
        spec.variables().value("binary_bucket_name"),
        spec.variables().value("binary_bucket_region"),
        version,
        listsBucket,
        s.image().encryptBoot(),
        keys,
        !s.distribution().users().isEmpty() || !s.distribution().groups().isEmpty(),
        !s.distribution().snapshotUsers().isEmpty(),
        s.launch().iamInstanceProfile(),
        s.launch().temporaryIamInstanceProfilePolicyDocument() != null,
        Booleans.isTrue(spec.variables().value("cache_container_images")),
        s.network().subnetId() != null,
        s.network().securityGroupId() != null,
        null);
  }

  /** These inputs with the instance profile's role named ({@code --pass-role}). */
  public PolicyInputs withPassRole(String role) {
    String arn =
        role == null || role.startsWith("arn:")
            ? role
            : "arn:" + partition + ":iam::*:role/" + role;
    return new PolicyInputs(
        partition,
        dnsSuffix,
        regions,
        bucket,
        bucketRegion,
        kubernetesVersion,
        listsBucket,
        encrypted,
        kmsKeys,
        sharesImage,
        sharesSnapshots,
        instanceProfile,
        temporaryProfile,
        cachesImages,
        subnetGiven,
        securityGroupGiven,
        arn);
  }

  private static PartitionMetadata partitionOf(String region) {
    RegionMetadata metadata = RegionMetadata.of(Region.of(region));
    return metadata == null ? null : metadata.partition();
  }

  /** The Kubernetes minor ({@code 1.23}) of the configured version. */
  public String minor() {
    String[] parts = kubernetesVersion.split("\\.");
    return parts.length >= 2 ? parts[0] + "." + parts[1] : kubernetesVersion;
  }
}
