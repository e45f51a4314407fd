package dev.eksnode.amibuilder.config;

import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import software.amazon.awssdk.regions.Region;

/**
 * The shape checks of SPEC §2, shared by the variables ({@link VariableValidator}) and the
 * template's rendered builder fields, so a value is judged the same whichever way it reaches the
 * build. Each check returns {@code null} when the value is fine, else what is wrong and how to fix
 * it; the caller adds the field, the value and where it came from.
 */
public final class ValueRules {
  /** What is wrong with a value, and what to write instead. */
  public record Problem(String problem, String fix) {}

  private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d{1,2}");
  private static final Pattern REGION_NAME = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");

  /** The SDK's regions, without its global pseudo-regions (aws-global...). */
  private static final Set<String> KNOWN_REGIONS =
      Region.regions().stream()
          .filter(r -> !r.isGlobalRegion())
          .map(Region::id)
          .collect(Collectors.toCollection(TreeSet::new));

  private static final Pattern ACCOUNT = Pattern.compile("\\d{12}");
  private static final Pattern AMI_ID = Pattern.compile("ami-([0-9a-f]{8}|[0-9a-f]{17})");
  private static final Pattern SUBNET_ID = Pattern.compile("subnet-([0-9a-f]{8}|[0-9a-f]{17})");
  private static final Pattern SG_ID = Pattern.compile("sg-([0-9a-f]{8}|[0-9a-f]{17})");
  private static final Pattern INSTANCE_TYPE = Pattern.compile("[a-z][a-z0-9-]*\\.[a-z0-9-]+");
  private static final Pattern AMI_NAME_CHARS = Pattern.compile("[A-Za-z0-9()\\[\\] ./\\-'@_]*");
  private static final Pattern KMS =
      Pattern.compile(
          "([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})|(mrk-[0-9a-f]{32})|(alias/[A-Za-z0-9/_-]{1,250})"
              + "|(arn:aws[a-z-]*:kms:[a-z0-9-]+:\\d{12}:(key/[A-Za-z0-9-]+|alias/[A-Za-z0-9/_-]+))");
  private static final Pattern CIDR4 =
      Pattern.compile(
          "(25[0-5]|2[0-4]\\d|1?\\d?\\d)(\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)){3}/(3[0-2]|[12]?\\d)");
  private static final Pattern LINUX_USER = Pattern.compile("[a-z_][a-z0-9_.-]{0,31}");
  private static final Set<String> VOLUME_TYPES =
      Set.of("gp2", "gp3", "io1", "io2", "st1", "sc1", "standard");
  private static final Set<String> SSH_INTERFACES =
      Set.of("public_ip", "private_ip", "public_dns", "private_dns");
  private static final Set<String> OWNER_ALIASES = Set.of("amazon", "self", "aws-marketplace");

  /** EC2's own limit for an image description. */
  public static final int MAX_AMI_DESCRIPTION = 255;

  /** The largest EBS volume (GiB) any volume type accepts. */
  public static final int MAX_VOLUME_GIB = 16384;

  private ValueRules() {}

  /**
   * Whether {@code v} has the shape of an AWS region name (us-west-2, cn-northwest-1,
   * us-iso-east-1...).
   */
  public static boolean isRegion(String v) {
    return REGION.matcher(v).matches();
  }

  /**
   * A region AWS has: one of the SDK's regions (its global pseudo-regions left out); a misspelt
   * name gets the closest one as its fix.
   */
  public static Problem region(String v) {
    if (KNOWN_REGIONS.contains(v)) {
      return null;
    }
    return new Problem(
        "'" + v + "' is not an AWS region name",
        DidYouMean.suggest(v, KNOWN_REGIONS)
            .map(s -> "did you mean " + s + "?")
            .orElse("use a region such as us-west-2 or eu-central-1"));
  }

  /**
   * A region name for an endpoint of the user's choice ({@code --endpoint-url}): an emulator or a
   * private cloud may use any name, so only its shape is checked.
   */
  public static Problem regionName(String v) {
    return REGION_NAME.matcher(v).matches()
        ? null
        : new Problem(
            "'" + v + "' is not a region name",
            "use lowercase letters, digits and dashes, e.g. us-west-2");
  }

  /** How region names are judged: which of {@link #region} and {@link #regionName} applies. */
  public enum Regions {
    /** Against the SDK's list of regions: AWS's own endpoints. */
    KNOWN,
    /** By their shape only: {@code --endpoint-url} sends every call elsewhere. */
    ANY_NAME;

    /** {@code ANY_NAME} when the calls go to an endpoint the user chose, else {@code KNOWN}. */
    public static Regions forEndpoint(Object endpointOverride) {
      return endpointOverride == null ? KNOWN : ANY_NAME;
    }

    /** The problem with {@code v}, or null. */
    public Problem check(String v) {
      return this == KNOWN ? region(v) : regionName(v);
    }
  }

  public static Problem cidr(String v) {
    return CIDR4.matcher(v).matches()
        ? null
        : new Problem(
            "'" + v + "' is not an IPv4 CIDR", "write CIDRs like 203.0.113.7/32, comma-separated");
  }

  public static Problem accountId(String v) {
    return ACCOUNT.matcher(v).matches()
        ? null
        : new Problem(
            "'" + v + "' is not a 12-digit AWS account id",
            "list account ids comma-separated, e.g. 123456789012");
  }

  public static Problem owner(String v) {
    return ACCOUNT.matcher(v).matches() || OWNER_ALIASES.contains(v)
        ? null
        : new Problem(
            "'" + v + "' is not an account id or owner alias",
            "use a 12-digit account id, amazon, self or aws-marketplace");
  }

  public static Problem kmsKey(String v) {
    return KMS.matcher(v).matches()
        ? null
        : new Problem(
            "not a KMS key id, ARN or alias", "use a key id (uuid), alias/name or a key ARN");
  }

  public static Problem volumeType(String v) {
    return VOLUME_TYPES.contains(v)
        ? null
        : new Problem(
            "unsupported EBS volume type", "use one of gp2, gp3, io1, io2, st1, sc1, standard");
  }

  public static Problem volumeSize(String v) {
    return whole(v, ValueRules::volumeSize);
  }

  public static Problem volumeSize(int gib) {
    return gib >= 1 && gib <= MAX_VOLUME_GIB
        ? null
        : new Problem(
            "not a volume size in GiB",
            "use a whole number from 1 to " + MAX_VOLUME_GIB + " (the reference uses 4)");
  }

  public static Problem instanceType(String v) {
    return INSTANCE_TYPE.matcher(v).matches()
        ? null
        : new Problem("not an EC2 instance type", "use FAMILY.SIZE such as m5.large");
  }

  /** EC2's rule for image names: 3 to 128 characters from a small set. */
  public static Problem amiName(String v) {
    if (v.length() < 3 || v.length() > 128) {
      return new Problem(
          "AMI names must be 3 to 128 characters long (this one has " + v.length() + ")",
          v.length() < 3
              ? "choose a longer ami_name"
              : "shorten ami_name to at most 128 characters");
    }
    return AMI_NAME_CHARS.matcher(v).matches()
        ? null
        : new Problem(
            "AMI names may only contain letters, digits, spaces and ( ) [ ] . / - ' @ _",
            "choose another ami_name");
  }

  public static Problem amiDescription(String v) {
    return v.length() <= MAX_AMI_DESCRIPTION
        ? null
        : new Problem(
            "AMI descriptions may have at most "
                + MAX_AMI_DESCRIPTION
                + " characters (this one has "
                + v.length()
                + ")",
            "shorten ami_description or ami_component_description");
  }

  public static Problem amiId(String v) {
    return AMI_ID.matcher(v).matches()
        ? null
        : new Problem(
            "not an AMI id",
            "use an id like ami-0123456789abcdef0, or leave it empty to use the filter");
  }

  public static Problem subnetId(String v) {
    return SUBNET_ID.matcher(v).matches()
        ? null
        : new Problem("not a subnet id", "use an id like subnet-0123456789abcdef0");
  }

  public static Problem securityGroupId(String v) {
    return SG_ID.matcher(v).matches()
        ? null
        : new Problem(
            "not a security group id",
            "use an id like sg-0123456789abcdef0, or leave it empty for a temporary group");
  }

  public static Problem sshInterface(String v) {
    return SSH_INTERFACES.contains(v)
        ? null
        : new Problem(
            "unsupported SSH interface", "use public_ip, private_ip, public_dns or private_dns");
  }

  public static Problem sshUsername(String v) {
    return LINUX_USER.matcher(v).matches()
        ? null
        : new Problem("not a Linux user name", "use e.g. ec2-user");
  }

  public static Problem port(String v) {
    return whole(v, ValueRules::port);
  }

  public static Problem port(int n) {
    return n >= 1 && n <= 65535
        ? null
        : new Problem("not a TCP port", "use a number from 1 to 65535");
  }

  public static Problem remoteFolder(String v) {
    return v.startsWith("/")
        ? null
        : new Problem("not an absolute path", "use a directory such as /tmp, or leave it empty");
  }

  /**
   * A whole-number rule applied to text; text that is no whole number is judged as 0, which every
   * such rule rejects.
   */
  private static Problem whole(String v, IntFunction<Problem> rule) {
    try {
      return rule.apply(Integer.parseInt(v.strip()));
    } catch (NumberFormatException e) {
      return rule.apply(0);
    }
  }

  /**
   * At least {@code min}: counts, delays and limits that EC2 or the waits cannot use when zero or
   * negative.
   */
  public static Problem atLeast(long n, long min, String what) {
    return n >= min
        ? null
        : new Problem(
            what + " must be at least " + min, "use a whole number of " + min + " or more");
  }

  /**
   * Each entry of a comma-separated list; an empty entry is a problem of its own (a stray comma).
   */
  public static Problem list(String v, Function<String, Problem> each) {
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

  /** Each entry of an already split list. */
  public static Problem each(Iterable<String> items, Function<String, Problem> each) {
    for (String item : items) {
      Problem p = each.apply(item);
      if (p != null) {
        return p;
      }
    }
    return null;
  }
}
