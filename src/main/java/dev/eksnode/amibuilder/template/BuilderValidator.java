package dev.eksnode.amibuilder.template;

import com.fasterxml.jackson.databind.JsonNode;
import dev.eksnode.amibuilder.config.ConfigException;
import dev.eksnode.amibuilder.config.ValueRules;
import dev.eksnode.amibuilder.config.ValueRules.Problem;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Judges the rendered amazon-ebs settings with the same rules as the variables. A variable's own
 * check names its source first; this one catches what the template itself writes (literals, {@code
 * env}, {@code timestamp}) before any AWS call, naming the template file, the field path, the value
 * and the fix.
 */
final class BuilderValidator {
  private static final Set<String> HTTP_ENDPOINT = Set.of("enabled", "disabled");

  private final Map<String, JsonNode> raw;
  private final String where;
  private final ValueRules.Regions regions;

  /**
   * @param raw the builder object as written, to show the expression a bad value was rendered from
   * @param where {@code template <file>: builders[0]}
   */
  BuilderValidator(Map<String, JsonNode> raw, String where) {
    this(raw, where, ValueRules.Regions.KNOWN);
  }

  /**
   * @param regions how region names are judged (any well-formed name with {@code --endpoint-url})
   */
  BuilderValidator(Map<String, JsonNode> raw, String where, ValueRules.Regions regions) {
    this.raw = raw;
    this.where = where;
    this.regions = regions;
  }

  void validate(AmazonEbsSettings s) {
    AmazonEbsSettings.Distribution distribution = s.distribution();
    if (distribution.groups().stream().anyMatch(g -> !g.equals("all"))) {
      throw new TemplateException(
          where + ".ami_groups: only \"all\" is a valid group; remove the others");
    }
    check("region", s.region(), regions::check);
    check("source_ami", s.source().id(), ValueRules::amiId);
    if (s.source().filter() != null) {
      checkEach("source_ami_filter.owners", s.source().filter().owners(), ValueRules::owner);
    }
    check("instance_type", s.launch().instanceType(), ValueRules::instanceType);
    devices("launch_block_device_mappings", s.launch().blockDevices());
    devices("ami_block_device_mappings", s.image().blockDevices());
    AmazonEbsSettings.Polling polling = s.polling();
    check(
        "aws_polling.delay_seconds",
        String.valueOf(polling.delay().getSeconds()),
        v ->
            ValueRules.atLeast(
                polling.delay().getSeconds(), 1, "the delay between polls (seconds)"));
    check(
        "aws_polling.max_attempts",
        String.valueOf(polling.maxAttempts()),
        v -> ValueRules.atLeast(polling.maxAttempts(), 1, "the number of polls"));
    checkEach("ami_regions", distribution.regions(), regions::check);
    checkEach("ami_users", distribution.users(), ValueRules::accountId);
    checkEach("snapshot_users", distribution.snapshotUsers(), ValueRules::accountId);
    AmazonEbsSettings.SshSettings ssh = s.ssh();
    check("ssh_username", ssh.username(), ValueRules::sshUsername);
    check("ssh_interface", ssh.interfaceName(), ValueRules::sshInterface);
    check("ssh_port", String.valueOf(ssh.port()), v -> ValueRules.port(ssh.port()));
    if (ssh.timeout().isNegative() || ssh.timeout().isZero()) {
      fail(
          "ssh_timeout",
          ssh.timeout().toSeconds() + "s",
          new Problem("the SSH timeout must be positive", "write a duration such as 5m or 90s"));
    }
    checkEach(
        "temporary_security_group_source_cidrs",
        s.network().temporarySecurityGroupSourceCidrs(),
        ValueRules::cidr);
    check("security_group_id", s.network().securityGroupId(), ValueRules::securityGroupId);
    check("subnet_id", s.network().subnetId(), ValueRules::subnetId);
    check("kms_key_id", s.image().kmsKeyId(), ValueRules::kmsKey);
    for (Map.Entry<String, String> e :
        new java.util.TreeMap<>(distribution.regionKmsKeyIds()).entrySet()) {
      Problem key = regions.check(e.getKey());
      if (key != null) {
        throw new TemplateException(
            where
                + ".region_kms_key_ids: key '"
                + ConfigException.oneLine(e.getKey())
                + "' is not an AWS region name; "
                + key.fix()
                + " as the key, with the KMS key for that region as value");
      }
      check("region_kms_key_ids." + e.getKey(), e.getValue(), ValueRules::kmsKey);
    }
    // As Packer: once region_kms_key_ids is given, every copy region needs its key (a key id does
    // not cross regions, and a silent fallback to the default key would hide a typo in the map).
    if (!distribution.regionKmsKeyIds().isEmpty()) {
      for (String region : distribution.regions()) {
        if (!region.equals(s.region()) && !distribution.regionKmsKeyIds().containsKey(region)) {
          throw new TemplateException(
              where
                  + ".region_kms_key_ids: no key for '"
                  + ConfigException.oneLine(region)
                  + "', which is in ami_regions; add \""
                  + ConfigException.oneLine(region)
                  + "\": \"<KMS key id, ARN or alias in that region>\" or remove the region from ami_regions");
        }
      }
    }
    AmazonEbsSettings.MetadataOptions metadata = s.launch().metadataOptions();
    if (!HTTP_ENDPOINT.contains(metadata.httpEndpoint())) {
      fail(
          "metadata_options.http_endpoint",
          metadata.httpEndpoint(),
          new Problem("not an instance metadata setting", "use enabled or disabled"));
    }
    int hops = metadata.httpPutResponseHopLimit();
    if (hops < 1 || hops > 64) {
      fail(
          "metadata_options.http_put_response_hop_limit",
          String.valueOf(hops),
          new Problem(
              "EC2 accepts a hop limit from 1 to 64", "use 1 (the default) or 2 for containers"));
    }
    check("ami_name", s.image().name(), ValueRules::amiName);
    check("ami_description", s.image().description(), ValueRules::amiDescription);
    temporaryProfile(s.launch());
  }

  /**
   * {@code temporary_iam_instance_profile_policy_document}: not with {@code iam_instance_profile}
   * (as in Packer), and shaped as IAM takes an inline policy, so a typo fails here rather than
   * after the role was made.
   */
  private void temporaryProfile(AmazonEbsSettings.LaunchSettings launch) {
    String document = launch.temporaryIamInstanceProfilePolicyDocument();
    if (document == null) {
      return;
    }
    if (launch.iamInstanceProfile() != null) {
      throw new TemplateException(
          where
              + ": iam_instance_profile and "
              + BuilderSettingsReader.POLICY_DOCUMENT
              + " are both set; keep one: an existing instance profile, or a policy for the role the"
              + " build makes");
    }
    String problem = PolicyDocuments.problem(document);
    if (problem != null) {
      throw new TemplateException(
          where + "." + BuilderSettingsReader.POLICY_DOCUMENT + ": " + problem);
    }
  }

  private void devices(String key, List<AmazonEbsSettings.BlockDevice> devices) {
    for (int i = 0; i < devices.size(); i++) {
      AmazonEbsSettings.BlockDevice d = devices.get(i);
      String path = key + "[" + i + "]";
      check(path + ".volume_type", d.volumeType(), ValueRules::volumeType);
      if (d.volumeSize() != null) {
        check(
            path + ".volume_size",
            String.valueOf(d.volumeSize()),
            v -> ValueRules.volumeSize(d.volumeSize()));
      }
      if (d.iops() != null) {
        check(
            path + ".iops",
            String.valueOf(d.iops()),
            v -> ValueRules.atLeast(d.iops(), 100, "iops"));
      }
      if (d.throughput() != null) {
        check(
            path + ".throughput",
            String.valueOf(d.throughput()),
            v -> ValueRules.atLeast(d.throughput(), 125, "throughput (MiB/s)"));
      }
    }
  }

  /** An empty value is "not set" and has nothing to judge. */
  private void check(String path, String value, Function<String, Problem> rule) {
    if (value == null || value.isEmpty()) {
      return;
    }
    Problem p = rule.apply(value);
    if (p != null) {
      fail(path, value, p);
    }
  }

  private void checkEach(String path, List<String> values, Function<String, Problem> rule) {
    Problem p = ValueRules.each(values, rule);
    if (p != null) {
      fail(path, String.join(",", values), p);
    }
  }

  private void fail(String path, String value, Problem p) {
    throw new TemplateException(
        where
            + "."
            + path
            + " = '"
            + ConfigException.oneLine(value)
            + "'"
            + writtenAs(path, value)
            + ": "
            + p.problem()
            + "; "
            + p.fix());
  }

  /**
   * The template's expression when the value came out of one, so the user sees which text to
   * change.
   */
  private String writtenAs(String path, String value) {
    JsonNode node = null;
    boolean first = true;
    for (String segment : path.split("\\.")) {
      int bracket = segment.indexOf('[');
      String name = bracket < 0 ? segment : segment.substring(0, bracket);
      node = first ? raw.get(name) : node == null ? null : node.get(name);
      first = false;
      if (bracket >= 0 && node != null) {
        node = node.get(Integer.parseInt(segment.substring(bracket + 1, segment.length() - 1)));
      }
    }
    if (node == null
        || !node.isTextual()
        || !node.asText().contains("{{")
        || node.asText().equals(value)) {
      return "";
    }
    return " (rendered from '" + ConfigException.oneLine(node.asText()) + "')";
  }
}
