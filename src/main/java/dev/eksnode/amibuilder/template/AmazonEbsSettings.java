package dev.eksnode.amibuilder.template;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The amazon-ebs builder's settings after rendering, typed. Tag values may still hold build-time fields such as
 * {@code {{ .SourceAMI }}}: render them with {@link BuildSpec#renderAtBuildTime} once the source AMI is known.
 */
public record AmazonEbsSettings(
    String region,
    String customEndpointEc2,
    String sourceAmi,
    SourceAmiFilter sourceAmiFilter,
    String instanceType,
    List<BlockDevice> launchBlockDevices,
    List<BlockDevice> amiBlockDevices,
    Polling polling,
    List<String> amiRegions,
    List<String> amiUsers,
    List<String> snapshotUsers,
    List<String> amiGroups,
    String sshUsername,
    String sshInterface,
    boolean sshPty,
    String sshHost,
    int sshPort,
    Duration sshTimeout,
    List<String> temporarySecurityGroupSourceCidrs,
    String securityGroupId,
    Boolean associatePublicIpAddress,
    boolean encryptBoot,
    String kmsKeyId,
    Map<String, String> regionKmsKeyIds,
    Map<String, String> runTags,
    Map<String, String> runVolumeTags,
    Map<String, String> tags,
    Map<String, String> snapshotTags,
    String subnetId,
    String iamInstanceProfile,
    MetadataOptions metadataOptions,
    String userData,
    String amiName,
    String amiDescription) {

  public AmazonEbsSettings {
    launchBlockDevices = List.copyOf(launchBlockDevices);
    amiBlockDevices = List.copyOf(amiBlockDevices);
    amiRegions = List.copyOf(amiRegions);
    amiUsers = List.copyOf(amiUsers);
    snapshotUsers = List.copyOf(snapshotUsers);
    amiGroups = List.copyOf(amiGroups);
    temporarySecurityGroupSourceCidrs = List.copyOf(temporarySecurityGroupSourceCidrs);
    regionKmsKeyIds = Map.copyOf(regionKmsKeyIds);
    runTags = Map.copyOf(runTags);
    runVolumeTags = Map.copyOf(runVolumeTags);
    tags = Map.copyOf(tags);
    snapshotTags = Map.copyOf(snapshotTags);
  }

  /** The source AMI filter: {@code filters} by name, {@code owners}, {@code most_recent}. */
  public record SourceAmiFilter(Map<String, String> filters, List<String> owners, boolean mostRecent) {
    public SourceAmiFilter {
      filters = Map.copyOf(filters);
      owners = List.copyOf(owners);
    }
  }

  /** One block device mapping; {@code volumeSize} in GiB, null when not given. */
  public record BlockDevice(
      String deviceName, String volumeType, Integer volumeSize, boolean deleteOnTermination, Boolean encrypted,
      Integer iops, Integer throughput) {}

  /** Packer's {@code aws_polling}: delay between polls and the number of attempts. */
  public record Polling(Duration delay, int maxAttempts) {
    public Duration total() {
      return delay.multipliedBy(maxAttempts);
    }
  }

  /** Instance metadata options; IMDSv2 ("required") is our default. */
  public record MetadataOptions(String httpTokens, String httpEndpoint, int httpPutResponseHopLimit) {}
}
