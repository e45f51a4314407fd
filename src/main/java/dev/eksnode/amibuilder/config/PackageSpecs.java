package dev.eksnode.amibuilder.config;

import dev.eksnode.amibuilder.config.ValueRules.Problem;
import java.util.regex.Pattern;

/**
 * The values the node scripts hand to yum: the containerd, runc and Docker versions and the kernel.
 * Upstream's own defaults moved from exact version-release strings to yum globs ({@code 1.7.*},
 * {@code *}), so a glob is as good as a version here; what is refused is text that yum would not
 * read as a version, above all anything a shell on the build instance would treat as syntax.
 */
final class PackageSpecs {
  /**
   * The characters of an RPM version-release ({@code _ + ~} appear in real releases, {@code :}
   * separates an epoch) plus yum's globs {@code *} and {@code ?}.
   */
  private static final Pattern SPEC_CHAR = Pattern.compile("[A-Za-z0-9._+~:*?-]");

  /**
   * A spec starts like a version does, or with a glob; {@code v1.7} or {@code latest} never match a
   * package version and yum would fail only on the instance, minutes into the build.
   */
  private static final Pattern YUM_SPEC = Pattern.compile("[0-9*?][A-Za-z0-9._+~:*?-]*");

  /**
   * A kernel line (5.10, 6.1), optionally with its patch level and release (5.10.239-236.958, or
   * the whole {@code uname -r}, 5.10.239-236.958.amzn2.x86_64).
   */
  private static final Pattern KERNEL =
      Pattern.compile("\\d+\\.\\d+(\\.\\d+(-[0-9A-Za-z_]+(\\.[0-9A-Za-z_]+)*)?)?");

  private PackageSpecs() {}

  /**
   * A version (or glob) for {@code yum install NAME-SPEC}; {@code none} too where the package is
   * optional (Docker).
   */
  static Problem yum(String v, String exampleVersion, String exampleGlob, boolean noneAllowed) {
    String fix =
        "use a yum version-release such as "
            + exampleVersion
            + " or a glob such as "
            + exampleGlob
            + (noneAllowed ? ", or none" : "");
    if (noneAllowed && v.equals("none")) {
      return null;
    }
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (!SPEC_CHAR.matcher(String.valueOf(c)).matches()) {
        return new Problem(
            "contains " + describe(c) + ", which no package version has (it would reach a shell)",
            fix);
      }
    }
    return YUM_SPEC.matcher(v).matches() ? null : new Problem("not a yum package version", fix);
  }

  static Problem kernel(String v) {
    return KERNEL.matcher(v).matches()
        ? null
        : new Problem(
            "not a kernel version",
            "use a kernel line such as 5.10 or 5.15, or a full release such as 5.10.239-236.958"
                + " (or leave it empty for the Kubernetes version's default)");
  }

  /** The MAJOR.MINOR line of a kernel version: 5.10 for 5.10.239-236.958. */
  static String kernelLine(String v) {
    String[] parts = v.split("\\.", 3);
    return parts.length < 2 ? v : parts[0] + "." + parts[1];
  }

  private static String describe(char c) {
    if (Character.isWhitespace(c)) {
      return "whitespace";
    }
    if (Character.isISOControl(c)) {
      return String.format("a control character (U+%04X)", (int) c);
    }
    return "'" + c + "'";
  }
}
