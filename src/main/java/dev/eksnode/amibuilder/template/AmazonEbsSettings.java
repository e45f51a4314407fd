package dev.eksnode.amibuilder.template;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The amazon-ebs builder's settings after rendering, typed and grouped by what the build steps read
 * together.
 *
 * <p>One convention for every group: an optional value that was not given is {@code null} (a
 * collection is empty), never an empty string. The groups' constructors apply it, so the build
 * steps need no "is it blank?" tests. Tag values may still hold build-time fields such as {@code {{
 * .SourceAMI }}}: render them with {@link BuildSpec#renderAtBuildTime} once the source AMI is
 * known.
 *
 * @param region the build region ({@code region})
 * @param customEndpointEc2 {@code custom_endpoint_ec2}; null: the SDK's endpoint for the region
 */
public record AmazonEbsSettings(
    String region,
    String customEndpointEc2,
    SourceAmi source,
    LaunchSettings launch,
    NetworkSettings network,
    SshSettings ssh,
    ImageSettings image,
    Distribution distribution,
    Polling polling,
    TagSettings tags) {

  public AmazonEbsSettings {
    Objects.requireNonNull(region, "region");
    customEndpointEc2 = given(customEndpointEc2);
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(launch, "launch");
    Objects.requireNonNull(network, "network");
    Objects.requireNonNull(ssh, "ssh");
    Objects.requireNonNull(image, "image");
    Objects.requireNonNull(distribution, "distribution");
    Objects.requireNonNull(polling, "polling");
    Objects.requireNonNull(tags, "tags");
  }

  /**
   * Where the build instance boots from: an explicit id, a filter, or both (Packer sends them in
   * one DescribeImages).
   *
   * @param id {@code source_ami}; null when not given
   * @param filter {@code source_ami_filter}; null when not given
   */
  public record SourceAmi(String id, SourceAmiFilter filter) {
    public SourceAmi {
      id = given(id);
    }
  }

  /**
   * The source AMI filter: {@code filters} by name (a filter whose value is blank is dropped: it
   * would match nothing), {@code owners}, {@code most_recent}.
   */
  public record SourceAmiFilter(
      Map<String, String> filters, List<String> owners, boolean mostRecent) {
    public SourceAmiFilter {
      Map<String, String> named = new LinkedHashMap<>();
      filters.forEach(
          (name, value) -> {
            if (value != null && !value.isBlank()) {
              named.put(name, value);
            }
          });
      filters = Collections.unmodifiableMap(named);
      owners = List.copyOf(owners);
    }
  }

  /**
   * What RunInstances needs beyond the network.
   *
   * @param instanceType {@code instance_type}
   * @param blockDevices {@code launch_block_device_mappings}
   * @param iamInstanceProfile {@code iam_instance_profile}, a name or an ARN; null (also for blank
   *     text): none
   * @param metadataOptions {@code metadata_options}, never null (IMDSv2 required when not given)
   * @param userData {@code user_data} or the contents of {@code user_data_file}; null (also for
   *     blank text): none
   * @param temporaryIamInstanceProfilePolicyDocument {@code
   *     temporary_iam_instance_profile_policy_document} as JSON text (an object in the template is
   *     rendered to JSON); null (also for blank text): none
   */
  public record LaunchSettings(
      String instanceType,
      List<BlockDevice> blockDevices,
      String iamInstanceProfile,
      MetadataOptions metadataOptions,
      String userData,
      String temporaryIamInstanceProfilePolicyDocument) {
    public LaunchSettings {
      Objects.requireNonNull(instanceType, "instanceType");
      blockDevices = List.copyOf(blockDevices);
      // Nothing judges these two values' shape, so whitespace alone is taken for "not given", as it
      // always was.
      iamInstanceProfile = nonBlank(iamInstanceProfile);
      Objects.requireNonNull(metadataOptions, "metadataOptions");
      userData = nonBlank(userData);
      temporaryIamInstanceProfilePolicyDocument =
          nonBlank(temporaryIamInstanceProfilePolicyDocument);
    }
  }

  /**
   * Where the build instance runs and who may reach it.
   *
   * @param subnetId {@code subnet_id}; null: the default VPC
   * @param securityGroupId {@code security_group_id}; null: a temporary group is made for the build
   * @param associatePublicIpAddress {@code associate_public_ip_address}; null: the subnet's setting
   * @param temporarySecurityGroupSourceCidrs who the temporary group admits; empty: the caller's
   *     public /32
   */
  public record NetworkSettings(
      String subnetId,
      String securityGroupId,
      Boolean associatePublicIpAddress,
      List<String> temporarySecurityGroupSourceCidrs) {
    public NetworkSettings {
      subnetId = given(subnetId);
      securityGroupId = given(securityGroupId);
      temporarySecurityGroupSourceCidrs = List.copyOf(temporarySecurityGroupSourceCidrs);
    }
  }

  /**
   * How the build connects to its instance.
   *
   * @param username {@code ssh_username}
   * @param host {@code ssh_host}; null (also for blank text): the address {@code interfaceName}
   *     picks
   * @param interfaceName {@code ssh_interface} (public_ip, private_ip, public_dns, private_dns);
   *     null: the public IP when the instance has one, else the private IP
   * @param port {@code ssh_port}
   * @param pty {@code ssh_pty}
   * @param timeout {@code ssh_timeout}
   */
  public record SshSettings(
      String username, String host, String interfaceName, int port, boolean pty, Duration timeout) {
    public SshSettings {
      Objects.requireNonNull(username, "username");
      host = nonBlank(host);
      interfaceName = given(interfaceName);
      Objects.requireNonNull(timeout, "timeout");
    }
  }

  /**
   * The AMI made in the build region.
   *
   * @param name {@code ami_name}
   * @param description {@code ami_description}; empty when not given (sent as written, EC2 stores
   *     it so)
   * @param blockDevices {@code ami_block_device_mappings}
   * @param encryptBoot {@code encrypt_boot}
   * @param kmsKeyId {@code kms_key_id} for the build region; null: the region's default EBS key
   */
  public record ImageSettings(
      String name,
      String description,
      List<BlockDevice> blockDevices,
      boolean encryptBoot,
      String kmsKeyId) {
    public ImageSettings {
      Objects.requireNonNull(name, "name");
      description = description == null ? "" : description;
      blockDevices = List.copyOf(blockDevices);
      kmsKeyId = given(kmsKeyId);
    }
  }

  /**
   * Where the finished AMI goes: copies to other regions and who may use it.
   *
   * @param regions {@code ami_regions}
   * @param regionKmsKeyIds {@code region_kms_key_ids}; a region named with an empty key maps to
   *     null, meaning that region's default EBS key (the name still counts for the rule that every
   *     copy region has an entry)
   * @param users {@code ami_users}
   * @param groups {@code ami_groups}
   * @param snapshotUsers {@code snapshot_users}
   */
  public record Distribution(
      List<String> regions,
      Map<String, String> regionKmsKeyIds,
      List<String> users,
      List<String> groups,
      List<String> snapshotUsers) {
    public Distribution {
      regions = List.copyOf(regions);
      Map<String, String> keys = new LinkedHashMap<>();
      regionKmsKeyIds.forEach((region, key) -> keys.put(region, given(key)));
      regionKmsKeyIds = Collections.unmodifiableMap(keys);
      users = List.copyOf(users);
      groups = List.copyOf(groups);
      snapshotUsers = List.copyOf(snapshotUsers);
    }
  }

  /**
   * The template's tag maps. An entry with a blank name is dropped (EC2 has no such tag); values
   * are kept as written, build-time fields included.
   *
   * @param run {@code run_tags}, on the build instance
   * @param runVolume {@code run_volume_tags}, on the build instance's volumes
   * @param ami {@code tags}, on the AMI (and its snapshots) in every region
   * @param snapshot {@code snapshot_tags}, added on the snapshots
   */
  public record TagSettings(
      Map<String, String> run,
      Map<String, String> runVolume,
      Map<String, String> ami,
      Map<String, String> snapshot) {
    public TagSettings {
      run = named(run);
      runVolume = named(runVolume);
      ami = named(ami);
      snapshot = named(snapshot);
    }

    private static Map<String, String> named(Map<String, String> tags) {
      Map<String, String> out = new LinkedHashMap<>();
      tags.forEach(
          (key, value) -> {
            if (key != null && !key.isBlank() && value != null) {
              out.put(key, value);
            }
          });
      return Collections.unmodifiableMap(out);
    }
  }

  /** One block device mapping; {@code volumeSize} in GiB, null when not given. */
  public record BlockDevice(
      String deviceName,
      String volumeType,
      Integer volumeSize,
      boolean deleteOnTermination,
      Boolean encrypted,
      Integer iops,
      Integer throughput) {
    public BlockDevice {
      Objects.requireNonNull(deviceName, "deviceName");
      Objects.requireNonNull(volumeType, "volumeType");
    }
  }

  /** Packer's {@code aws_polling}: delay between polls and the number of attempts. */
  public record Polling(Duration delay, int maxAttempts) {
    public Duration total() {
      return delay.multipliedBy(maxAttempts);
    }
  }

  /** Instance metadata options; IMDSv2 ("required") is our default. */
  public record MetadataOptions(
      String httpTokens, String httpEndpoint, int httpPutResponseHopLimit) {}

  /**
   * An optional value the validator judges: empty means not given. Whitespace stays, so the
   * validator rejects it with the field's name instead of quietly treating it as unset.
   */
  private static String given(String value) {
    return value == null || value.isEmpty() ? null : value;
  }

  /** Free text nothing validates: empty or whitespace alone means not given. */
  private static String nonBlank(String value) {
    return value == null || value.isBlank() ? null : value;
  }
}
