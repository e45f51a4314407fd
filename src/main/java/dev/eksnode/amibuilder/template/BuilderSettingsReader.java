package dev.eksnode.amibuilder.template;

import dev.eksnode.amibuilder.template.AmazonEbsSettings.Distribution;
import dev.eksnode.amibuilder.template.AmazonEbsSettings.ImageSettings;
import dev.eksnode.amibuilder.template.AmazonEbsSettings.LaunchSettings;
import dev.eksnode.amibuilder.template.AmazonEbsSettings.MetadataOptions;
import dev.eksnode.amibuilder.template.AmazonEbsSettings.NetworkSettings;
import dev.eksnode.amibuilder.template.AmazonEbsSettings.Polling;
import dev.eksnode.amibuilder.template.AmazonEbsSettings.SourceAmi;
import dev.eksnode.amibuilder.template.AmazonEbsSettings.SourceAmiFilter;
import dev.eksnode.amibuilder.template.AmazonEbsSettings.SshSettings;
import dev.eksnode.amibuilder.template.AmazonEbsSettings.TagSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Renders the amazon-ebs builder's fields and types them into {@link AmazonEbsSettings}, filling in
 * the defaults. Shape errors (not a number, not a list, an unknown key) are reported here; whether
 * a value is acceptable is {@link BuilderValidator}'s job.
 */
final class BuilderSettingsReader {
  private final SourceFiles files;

  BuilderSettingsReader(SourceFiles files) {
    this.files = files;
  }

  AmazonEbsSettings read(TemplateFields b) {
    // Read in one fixed order (the order they were always read in), not group by group: with
    // several mistakes in
    // one template, the mistake reported first stays the same.
    String region = b.required("region", "set aws_region");
    String customEndpoint = b.text("custom_endpoint_ec2", null);
    String sourceAmi = b.text("source_ami", null);
    SourceAmiFilter filter = sourceAmiFilter(b);
    String instanceType = b.required("instance_type", "set instance_type");
    List<AmazonEbsSettings.BlockDevice> launchDevices = b.devices("launch_block_device_mappings");
    List<AmazonEbsSettings.BlockDevice> amiDevices = b.devices("ami_block_device_mappings");
    Polling polling = polling(b);
    List<String> amiRegions = b.list("ami_regions");
    List<String> amiUsers = b.list("ami_users");
    List<String> snapshotUsers = b.list("snapshot_users");
    List<String> amiGroups = b.list("ami_groups");
    String sshUsername = b.text("ssh_username", "ec2-user");
    String sshInterface = b.text("ssh_interface", null);
    boolean sshPty = b.bool("ssh_pty", false);
    String sshHost = b.text("ssh_host", null);
    int sshPort = b.integer("ssh_port", 22);
    Duration sshTimeout = b.duration("ssh_timeout", Duration.ofMinutes(5));
    List<String> sourceCidrs = b.list("temporary_security_group_source_cidrs");
    String securityGroupId = b.text("security_group_id", null);
    Boolean publicIp = b.optionalBool("associate_public_ip_address");
    boolean encryptBoot = b.bool("encrypt_boot", false);
    String kmsKeyId = b.text("kms_key_id", null);
    Map<String, String> regionKmsKeyIds = b.map("region_kms_key_ids");
    Map<String, String> runTags = b.map("run_tags");
    Map<String, String> runVolumeTags = b.map("run_volume_tags");
    Map<String, String> amiTags = b.map("tags");
    Map<String, String> snapshotTags = b.map("snapshot_tags");
    String subnetId = b.text("subnet_id", null);
    String instanceProfile = b.text("iam_instance_profile", null);
    MetadataOptions metadata = metadata(b);
    String userData = userData(b);
    String temporaryPolicy = b.json("temporary_iam_instance_profile_policy_document");
    String amiName = b.required("ami_name", "set ami_name");
    String amiDescription = b.text("ami_description", "");

    return new AmazonEbsSettings(
        region,
        customEndpoint,
        new SourceAmi(sourceAmi, filter),
        new LaunchSettings(
            instanceType, launchDevices, instanceProfile, metadata, userData, temporaryPolicy),
        new NetworkSettings(subnetId, securityGroupId, publicIp, sourceCidrs),
        new SshSettings(sshUsername, sshHost, sshInterface, sshPort, sshPty, sshTimeout),
        new ImageSettings(amiName, amiDescription, amiDevices, encryptBoot, kmsKeyId),
        new Distribution(amiRegions, regionKmsKeyIds, amiUsers, amiGroups, snapshotUsers),
        polling,
        new TagSettings(runTags, runVolumeTags, amiTags, snapshotTags));
  }

  private static SourceAmiFilter sourceAmiFilter(TemplateFields b) {
    TemplateFields f = b.object("source_ami_filter");
    if (f == null) {
      return null;
    }
    f.onlyKeys(Set.of("filters", "owners", "most_recent"));
    List<String> owners = new ArrayList<>();
    for (String o : f.list("owners")) {
      for (String part : o.split(",")) {
        if (!part.isBlank()) {
          owners.add(part.strip());
        }
      }
    }
    return new SourceAmiFilter(f.map("filters"), owners, f.bool("most_recent", false));
  }

  private static Polling polling(TemplateFields b) {
    TemplateFields f = b.object("aws_polling");
    if (f == null) {
      // Generous for real AMIs (Packer's default of 40 x 15 s has timed out for EKS images).
      return new Polling(Duration.ofSeconds(15), 180);
    }
    f.onlyKeys(Set.of("delay_seconds", "max_attempts"));
    return new Polling(
        Duration.ofSeconds(f.integer("delay_seconds", 15)), f.integer("max_attempts", 180));
  }

  private static MetadataOptions metadata(TemplateFields b) {
    TemplateFields f = b.object("metadata_options");
    if (f == null) {
      return new MetadataOptions("required", "enabled", 1);
    }
    f.onlyKeys(
        Set.of(
            "http_tokens",
            "http_endpoint",
            "http_put_response_hop_limit",
            "instance_metadata_tags"));
    String tokens = f.text("http_tokens", "required");
    if (!Set.of("required", "optional").contains(tokens)) {
      throw new TemplateException(
          f.where + ".http_tokens = '" + tokens + "': use required or optional");
    }
    return new MetadataOptions(
        tokens, f.text("http_endpoint", "enabled"), f.integer("http_put_response_hop_limit", 1));
  }

  private String userData(TemplateFields b) {
    String inline = b.text("user_data", "");
    String file = b.text("user_data_file", "");
    if (!inline.isEmpty() && !file.isEmpty()) {
      throw new TemplateException(b.where + ": set user_data or user_data_file, not both");
    }
    return file.isEmpty() ? inline : files.readUserData(b.where, file);
  }
}
