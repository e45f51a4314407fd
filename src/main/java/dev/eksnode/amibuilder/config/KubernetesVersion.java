package dev.eksnode.amibuilder.config;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Kubernetes version as EKS names them: {@code 1.23.9}, or {@code 1.23} meaning "the newest 1.23
 * patch".
 */
public record KubernetesVersion(int major, int minor, Integer patch)
    implements Comparable<KubernetesVersion> {
  private static final Pattern SYNTAX =
      Pattern.compile("v?(\\d{1,3})\\.(\\d{1,3})(?:\\.(\\d{1,4}))?");

  public static Optional<KubernetesVersion> parse(String text) {
    Matcher m = SYNTAX.matcher(text == null ? "" : text.strip());
    if (!m.matches()) {
      return Optional.empty();
    }
    Integer patch = m.group(3) == null ? null : Integer.valueOf(m.group(3));
    return Optional.of(
        new KubernetesVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), patch));
  }

  public boolean hasPatch() {
    return patch != null;
  }

  /** {@code 1.23}. */
  public String minorString() {
    return major + "." + minor;
  }

  /**
   * True when this version is at or above {@code major.minor} (a bare minor counts as its .0 patch
   * or newer).
   */
  public boolean atLeast(int wantMajor, int wantMinor) {
    return major > wantMajor || (major == wantMajor && minor >= wantMinor);
  }

  @Override
  public int compareTo(KubernetesVersion o) {
    int c = Integer.compare(major, o.major);
    if (c == 0) {
      c = Integer.compare(minor, o.minor);
    }
    if (c == 0) {
      c = Integer.compare(patch == null ? -1 : patch, o.patch == null ? -1 : o.patch);
    }
    return c;
  }

  @Override
  public String toString() {
    return patch == null ? minorString() : minorString() + "." + patch;
  }
}
