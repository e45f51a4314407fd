package dev.eksnode.amibuilder.config;

import dev.eksnode.amibuilder.config.ValueRules.Problem;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Checks every variable value before anything talks to AWS. The first problem is thrown as a
 * one-line {@link ConfigException} naming the variable, its value, where it came from and the fix.
 */
public final class VariableValidator {
  /** What the checks need to know about the command being run. */
  public enum Purpose {
    /** A build: the Kubernetes version is required. */
    BUILD,
    /** Listing variables: nothing is required, values are still checked. */
    LIST
  }

  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
  private static final Pattern CNI_VERSION = Pattern.compile("v\\d+\\.\\d+\\.\\d+");
  private static final Pattern IMAGE_TAG = Pattern.compile("[0-9][A-Za-z0-9._+~-]*");
  private static final Pattern REGISTRY_HOST =
      Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+");
  private static final Pattern ADDON_VERSION =
      Pattern.compile("v\\d+\\.\\d+\\.\\d+-[A-Za-z0-9][A-Za-z0-9.-]*");

  private final Map<String, Function<String, Problem>> rules = new LinkedHashMap<>();

  public VariableValidator() {
    this(ValueRules.Regions.KNOWN);
  }

  /**
   * @param regions how region names are judged: AWS's regions, or any well-formed name when every
   *     call goes to {@code --endpoint-url}
   */
  public VariableValidator(ValueRules.Regions regions) {
    rules.put(
        "kubernetes_version",
        v ->
            KubernetesVersion.parse(v).isPresent() && !v.startsWith("v")
                ? null
                : new Problem(
                    "not a Kubernetes version",
                    "use MAJOR.MINOR.PATCH such as 1.23.16, or MAJOR.MINOR such as 1.23"));
    rules.put("kubernetes_build_date", VariableValidator::date);
    rules.put(
        "arch",
        v ->
            Set.of("x86_64", "arm64").contains(v)
                ? null
                : new Problem("unsupported architecture", "use x86_64 or arm64"));
    rules.put("kernel_version", PackageSpecs::kernel);
    for (String b :
        new String[] {
          "encrypted",
          "cache_container_images",
          "pull_cni_from_github",
          "associate_public_ip_address",
          "forward_aws_credentials"
        }) {
      rules.put(
          b, v -> Booleans.isBoolean(v) ? null : new Problem("not a boolean", "use true or false"));
    }
    rules.put("launch_block_device_mappings_volume_size", ValueRules::volumeSize);
    rules.put("aws_region", regions::check);
    rules.put("binary_bucket_region", regions::check);
    rules.put("ami_regions", v -> ValueRules.list(v, regions::check));
    rules.put("temporary_security_group_source_cidrs", v -> ValueRules.list(v, ValueRules::cidr));
    rules.put("ami_users", v -> ValueRules.list(v, ValueRules::accountId));
    rules.put("source_ami_owners", v -> ValueRules.list(v, ValueRules::owner));
    rules.put("kms_key_id", ValueRules::kmsKey);
    rules.put("volume_type", ValueRules::volumeType);
    rules.put("instance_type", ValueRules::instanceType);
    rules.put("ami_name", ValueRules::amiName);
    rules.put("source_ami_id", ValueRules::amiId);
    rules.put("subnet_id", ValueRules::subnetId);
    rules.put("security_group_id", ValueRules::securityGroupId);
    rules.put("ssh_interface", ValueRules::sshInterface);
    rules.put(
        "binary_bucket_name",
        v ->
            BUCKET.matcher(v).matches() && !v.contains("..")
                ? null
                : new Problem(
                    "not a valid S3 bucket name",
                    "use 3-63 lower-case letters, digits, dots and hyphens"));
    rules.put(
        "cni_plugin_version",
        v ->
            CNI_VERSION.matcher(v).matches()
                ? null
                : new Problem("not a CNI plugins release", "use a tag such as v0.8.6"));
    rules.put("containerd_version", v -> PackageSpecs.yum(v, "1.6.6-1.amzn2.0.2", "1.7.*", false));
    rules.put("runc_version", v -> PackageSpecs.yum(v, "1.1.4-1.amzn2", "1.1.*", false));
    rules.put("docker_version", v -> PackageSpecs.yum(v, "20.10.17-1.amzn2.0.1", "20.10.*", true));
    rules.put(
        "pause_container_version",
        v ->
            IMAGE_TAG.matcher(v).matches()
                ? null
                : new Problem("not an image tag", "use a tag such as 3.5"));
    rules.put(
        "ecr_uri",
        v ->
            REGISTRY_HOST.matcher(v).matches()
                ? null
                : new Problem(
                    "not a registry host",
                    "use e.g. 602401143452.dkr.ecr.us-west-2.amazonaws.com, or leave it empty to"
                        + " have it resolved"));
    rules.put("kube_proxy_versions", VariableValidator::addonVersions);
    rules.put("vpc_cni_versions", VariableValidator::addonVersions);
    rules.put("remote_folder", ValueRules::remoteFolder);
    rules.put("ssh_username", ValueRules::sshUsername);
    rules.put("ssh_port", ValueRules::port);
    rules.put("additional_yum_repos", VariableValidator::yumRepos);
  }

  public void validate(Variables vars, Purpose purpose) {
    if (purpose == Purpose.BUILD && !vars.isSet("kubernetes_version")) {
      throw new ConfigException(
          "kubernetes_version is not set; pass --kubernetes-version 1.23.16 (or any MAJOR.MINOR[.PATCH]), "
              + "a variable file that sets it, or use a shortcut such as 'ami-builder k8s 1.23'");
    }
    for (var rule : rules.entrySet()) {
      Variable v = vars.get(rule.getKey());
      if (v == null || v.value().isEmpty()) {
        continue;
      }
      Problem p = rule.getValue().apply(v.value());
      if (p != null) {
        throw ConfigException.forVariable(v, p.problem(), p.fix());
      }
    }
    checkKernelCompatibility(vars);
  }

  /**
   * Kubernetes 1.24 and later images are built on kernel 5.10 (or 5.4); 4.14 lacks what their
   * containerd setup needs.
   */
  private static void checkKernelCompatibility(Variables vars) {
    Variable kernel = vars.get("kernel_version");
    var version = KubernetesVersion.parse(vars.value("kubernetes_version"));
    if (kernel != null
        && "4.14".equals(PackageSpecs.kernelLine(kernel.value()))
        && version.isPresent()
        && version.get().atLeast(1, 24)) {
      throw ConfigException.forVariable(
          kernel,
          "kernel 4.14 is not supported for Kubernetes " + version.get().minorString(),
          "use 5.10 (the default from 1.24) or 5.4");
    }
  }

  /** Addon versions to cache: "none", or versions with their platform, commas or spaces. */
  private static Problem addonVersions(String v) {
    if (v.equals("none")) {
      return null;
    }
    for (String item : v.strip().split("[,\\s]+")) {
      if (!ADDON_VERSION.matcher(item).matches()) {
        return new Problem(
            "'" + item + "' is not an addon version with its platform",
            "use e.g. v1.24.7-eksbuild.2,v1.24.10-eksbuild.1, none, or leave it empty to have"
                + " it resolved");
      }
    }
    return null;
  }

  private static Problem date(String v) {
    try {
      if (v.matches("\\d{4}-\\d{2}-\\d{2}")) {
        LocalDate.parse(v);
        return null;
      }
    } catch (DateTimeParseException e) {
      return new Problem(
          "not a real calendar date",
          "use YYYY-MM-DD, a build-date folder of the binary bucket such as 2023-01-30");
    }
    return new Problem(
        "not a build date",
        "use YYYY-MM-DD, a build-date folder of the binary bucket such as 2023-01-30");
  }

  /**
   * Whether {@code v} has the shape of an AWS region name (us-west-2, cn-northwest-1,
   * us-iso-east-1...).
   */
  public static boolean isRegion(String v) {
    return ValueRules.isRegion(v);
  }

  private static Problem yumRepos(String v) {
    for (String record : v.split(";")) {
      if (record.isBlank()) {
        continue;
      }
      Map<String, String> fields = new LinkedHashMap<>();
      for (String field : record.split(",")) {
        int eq = field.indexOf('=');
        if (eq <= 0) {
          return new Problem(
              "'" + field + "' is not key=value",
              "write repo=NAME,name=TEXT,baseurl=URL[,priority=N] records separated by ';'");
        }
        fields.put(field.substring(0, eq).strip(), field.substring(eq + 1));
      }
      if (!fields.containsKey("repo") || !fields.containsKey("baseurl")) {
        return new Problem(
            "a record lacks repo= or baseurl=",
            "write repo=NAME,name=TEXT,baseurl=URL[,priority=N] records separated by ';'");
      }
    }
    return null;
  }
}
