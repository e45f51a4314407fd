package dev.eksnode.amibuilder.config;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Checks every variable value before anything talks to AWS. The first problem is thrown as a one-line
 * {@link ConfigException} naming the variable, its value, where it came from and the fix.
 */
public final class VariableValidator {
  /** What the checks need to know about the command being run. */
  public enum Purpose {
    /** A build: the Kubernetes version is required. */
    BUILD,
    /** Listing variables: nothing is required, values are still checked. */
    LIST
  }

  private record Problem(String problem, String fix) {}

  private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d{1,2}");
  private static final Pattern ACCOUNT = Pattern.compile("\\d{12}");
  private static final Pattern AMI_ID = Pattern.compile("ami-([0-9a-f]{8}|[0-9a-f]{17})");
  private static final Pattern SUBNET_ID = Pattern.compile("subnet-([0-9a-f]{8}|[0-9a-f]{17})");
  private static final Pattern SG_ID = Pattern.compile("sg-([0-9a-f]{8}|[0-9a-f]{17})");
  private static final Pattern INSTANCE_TYPE = Pattern.compile("[a-z][a-z0-9-]*\\.[a-z0-9-]+");
  private static final Pattern AMI_NAME = Pattern.compile("[A-Za-z0-9()\\[\\] ./\\-'@_]{3,128}");
  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
  private static final Pattern KMS = Pattern.compile(
      "([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})|(mrk-[0-9a-f]{32})|(alias/[A-Za-z0-9/_-]{1,250})"
          + "|(arn:aws[a-z-]*:kms:[a-z0-9-]+:\\d{12}:(key/[A-Za-z0-9-]+|alias/[A-Za-z0-9/_-]+))");
  private static final Pattern CNI_VERSION = Pattern.compile("v\\d+\\.\\d+\\.\\d+");
  private static final Pattern PACKAGE_VERSION = Pattern.compile("[0-9][A-Za-z0-9._+~-]*");
  private static final Pattern CIDR4 =
      Pattern.compile("(25[0-5]|2[0-4]\\d|1?\\d?\\d)(\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)){3}/(3[0-2]|[12]?\\d)");
  private static final Set<String> VOLUME_TYPES = Set.of("gp2", "gp3", "io1", "io2", "st1", "sc1", "standard");
  private static final Set<String> KERNELS = Set.of("4.14", "5.4", "5.10");
  private static final Set<String> SSH_INTERFACES = Set.of("public_ip", "private_ip", "public_dns", "private_dns");
  private static final Set<String> OWNER_ALIASES = Set.of("amazon", "self", "aws-marketplace");

  private final Map<String, Function<String, Problem>> rules = new LinkedHashMap<>();

  public VariableValidator() {
    rules.put("kubernetes_version", v -> KubernetesVersion.parse(v).isPresent() && !v.startsWith("v") ? null
        : new Problem("not a Kubernetes version", "use MAJOR.MINOR.PATCH such as 1.23.16, or MAJOR.MINOR such as 1.23"));
    rules.put("kubernetes_build_date", VariableValidator::date);
    rules.put("arch", v -> Set.of("x86_64", "arm64").contains(v) ? null
        : new Problem("unsupported architecture", "use x86_64 or arm64"));
    rules.put("kernel_version", v -> KERNELS.contains(v) ? null
        : new Problem("unsupported kernel", "use 4.14, 5.4 or 5.10 (or leave it empty for the version's default)"));
    for (String b : new String[] {"encrypted", "cache_container_images", "pull_cni_from_github",
        "associate_public_ip_address", "forward_aws_credentials"}) {
      rules.put(b, v -> Booleans.isBoolean(v) ? null : new Problem("not a boolean", "use true or false"));
    }
    rules.put("launch_block_device_mappings_volume_size", v -> size(v));
    rules.put("aws_region", VariableValidator::region);
    rules.put("binary_bucket_region", VariableValidator::region);
    rules.put("ami_regions", v -> list(v, VariableValidator::region));
    rules.put("temporary_security_group_source_cidrs", v -> list(v, c -> CIDR4.matcher(c).matches() ? null
        : new Problem("'" + c + "' is not an IPv4 CIDR", "write CIDRs like 203.0.113.7/32, comma-separated")));
    rules.put("ami_users", v -> list(v, a -> ACCOUNT.matcher(a).matches() ? null
        : new Problem("'" + a + "' is not a 12-digit AWS account id", "list account ids comma-separated, e.g. 123456789012")));
    rules.put("source_ami_owners", v -> list(v, a -> ACCOUNT.matcher(a).matches() || OWNER_ALIASES.contains(a) ? null
        : new Problem("'" + a + "' is not an account id or owner alias", "use a 12-digit account id, amazon, self or aws-marketplace")));
    rules.put("kms_key_id", v -> KMS.matcher(v).matches() ? null
        : new Problem("not a KMS key id, ARN or alias", "use a key id (uuid), alias/name or a key ARN"));
    rules.put("volume_type", v -> VOLUME_TYPES.contains(v) ? null
        : new Problem("unsupported EBS volume type", "use one of gp2, gp3, io1, io2, st1, sc1, standard"));
    rules.put("instance_type", v -> INSTANCE_TYPE.matcher(v).matches() ? null
        : new Problem("not an EC2 instance type", "use FAMILY.SIZE such as m5.large"));
    rules.put("ami_name", v -> AMI_NAME.matcher(v).matches() ? null
        : new Problem(v.length() < 3 || v.length() > 128 ? "AMI names must be 3 to 128 characters long"
            : "AMI names may only contain letters, digits, spaces and ( ) [ ] . / - ' @ _",
            "choose another ami_name"));
    rules.put("source_ami_id", v -> AMI_ID.matcher(v).matches() ? null
        : new Problem("not an AMI id", "use an id like ami-0123456789abcdef0, or leave it empty to use the filter"));
    rules.put("subnet_id", v -> SUBNET_ID.matcher(v).matches() ? null
        : new Problem("not a subnet id", "use an id like subnet-0123456789abcdef0"));
    rules.put("security_group_id", v -> SG_ID.matcher(v).matches() ? null
        : new Problem("not a security group id", "use an id like sg-0123456789abcdef0, or leave it empty for a temporary group"));
    rules.put("ssh_interface", v -> SSH_INTERFACES.contains(v) ? null
        : new Problem("unsupported SSH interface", "use public_ip, private_ip, public_dns or private_dns"));
    rules.put("binary_bucket_name", v -> BUCKET.matcher(v).matches() && !v.contains("..") ? null
        : new Problem("not a valid S3 bucket name", "use 3-63 lower-case letters, digits, dots and hyphens"));
    rules.put("cni_plugin_version", v -> CNI_VERSION.matcher(v).matches() ? null
        : new Problem("not a CNI plugins release", "use a tag such as v0.8.6"));
    for (String p : new String[] {"containerd_version", "runc_version"}) {
      rules.put(p, v -> PACKAGE_VERSION.matcher(v).matches() ? null
          : new Problem("not a package version", "use the yum version-release, e.g. 1.6.6-1.amzn2.0.2"));
    }
    rules.put("docker_version", v -> v.equals("none") || PACKAGE_VERSION.matcher(v).matches() ? null
        : new Problem("not a package version", "use the yum version-release such as 20.10.17-1.amzn2.0.1, or none"));
    rules.put("pause_container_version", v -> PACKAGE_VERSION.matcher(v).matches() ? null
        : new Problem("not an image tag", "use a tag such as 3.5"));
    rules.put("remote_folder", v -> v.startsWith("/") ? null
        : new Problem("not an absolute path", "use a directory such as /tmp, or leave it empty"));
    rules.put("ssh_username", v -> v.matches("[a-z_][a-z0-9_.-]{0,31}") ? null
        : new Problem("not a Linux user name", "use e.g. ec2-user"));
    rules.put("ssh_port", v -> port(v));
    rules.put("additional_yum_repos", VariableValidator::yumRepos);
  }

  public void validate(Variables vars, Purpose purpose) {
    if (purpose == Purpose.BUILD && !vars.isSet("kubernetes_version")) {
      throw new ConfigException("kubernetes_version is not set; pass --kubernetes-version 1.23.16 (or any MAJOR.MINOR[.PATCH]), "
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

  /** Kubernetes 1.24 and later images are built on kernel 5.10 (or 5.4); 4.14 lacks what their containerd setup needs. */
  private static void checkKernelCompatibility(Variables vars) {
    Variable kernel = vars.get("kernel_version");
    var version = KubernetesVersion.parse(vars.value("kubernetes_version"));
    if (kernel != null && "4.14".equals(kernel.value()) && version.isPresent() && version.get().atLeast(1, 24)) {
      throw ConfigException.forVariable(kernel, "kernel 4.14 is not supported for Kubernetes "
          + version.get().minorString(), "use 5.10 (the default from 1.24) or 5.4");
    }
  }

  private static Problem date(String v) {
    try {
      if (v.matches("\\d{4}-\\d{2}-\\d{2}")) {
        LocalDate.parse(v);
        return null;
      }
    } catch (DateTimeParseException e) {
      return new Problem("not a real calendar date", "use YYYY-MM-DD, a build-date folder of the binary bucket such as 2023-01-30");
    }
    return new Problem("not a build date", "use YYYY-MM-DD, a build-date folder of the binary bucket such as 2023-01-30");
  }

  /** Whether {@code v} has the shape of an AWS region name (us-west-2, cn-northwest-1, us-iso-east-1...). */
  public static boolean isRegion(String v) {
    return REGION.matcher(v).matches();
  }

  private static Problem region(String v) {
    return REGION.matcher(v).matches() ? null
        : new Problem("'" + v + "' is not an AWS region name", "use a region such as us-west-2 or eu-central-1");
  }

  private static Problem size(String v) {
    try {
      int n = Integer.parseInt(v);
      if (n >= 1 && n <= 16384) {
        return null;
      }
    } catch (NumberFormatException e) {
      // fall through to the common message
    }
    return new Problem("not a volume size in GiB", "use a whole number from 1 to 16384 (the reference uses 4)");
  }

  private static Problem port(String v) {
    try {
      int n = Integer.parseInt(v);
      if (n >= 1 && n <= 65535) {
        return null;
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    return new Problem("not a TCP port", "use a number from 1 to 65535");
  }

  private static Problem list(String v, Function<String, Problem> each) {
    for (String item : v.split(",", -1)) {
      String t = item.strip();
      if (t.isEmpty()) {
        return new Problem("the list has an empty entry", "separate entries with single commas");
      }
      Problem p = each.apply(t);
      if (p != null) {
        return p;
      }
    }
    return null;
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
          return new Problem("'" + field + "' is not key=value",
              "write repo=NAME,name=TEXT,baseurl=URL[,priority=N] records separated by ';'");
        }
        fields.put(field.substring(0, eq).strip(), field.substring(eq + 1));
      }
      if (!fields.containsKey("repo") || !fields.containsKey("baseurl")) {
        return new Problem("a record lacks repo= or baseurl=",
            "write repo=NAME,name=TEXT,baseurl=URL[,priority=N] records separated by ';'");
      }
    }
    return null;
  }
}
