package dev.eksnode.amibuilder.eks;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Computes the kubelet max-pods value exactly as the node's max-pods-calculator.sh does, from an
 * instance type's ENI and IP limits and the VPC CNI settings.
 */
public final class MaxPodsCalculator {

  /** With more vCPUs than this the cap is {@link #LARGE_CAP}, otherwise {@link #SMALL_CAP}. */
  public static final int VCPU_THRESHOLD = 30;

  public static final int SMALL_CAP = 110;
  public static final int LARGE_CAP = 250;

  /** Each prefix assigned under prefix delegation is a /28, i.e. 16 addresses. */
  public static final int ADDRESSES_PER_PREFIX = 16;

  private static final Pattern VERSION = Pattern.compile("^v?(\\d+)\\.(\\d+)");

  private MaxPodsCalculator() {}

  /**
   * The CNI settings the calculation depends on.
   *
   * @param cniVersion the VPC CNI version, e.g. {@code 1.10.1} (required)
   * @param customNetworking CNI custom networking: the primary ENI carries no pods
   * @param prefixDelegation CNI prefix delegation requested
   * @param cniMaxEni the CNI's MAX_ENI setting, or 0 for none
   * @param showMaxAllowed return the uncapped value
   */
  public record Settings(
      String cniVersion,
      boolean customNetworking,
      boolean prefixDelegation,
      int cniMaxEni,
      boolean showMaxAllowed) {

    public Settings {
      if (cniVersion == null || cniVersion.isBlank()) {
        throw new IllegalArgumentException(
            "You must specify a CNI version (cniVersion), e.g. 1.10.1");
      }
      if (!VERSION.matcher(cniVersion).find()) {
        throw new IllegalArgumentException(
            "CNI version '" + cniVersion + "' is not MAJOR.MINOR[.PATCH], e.g. 1.10.1");
      }
      if (cniMaxEni < 0) {
        throw new IllegalArgumentException(
            "cniMaxEni must be positive, or 0 for no limit: " + cniMaxEni);
      }
    }

    /** Defaults: no custom networking, no prefix delegation, no ENI limit, capped value. */
    public static Settings of(String cniVersion) {
      return new Settings(cniVersion, false, false, 0, false);
    }

    public Settings withPrefixDelegation() {
      return new Settings(cniVersion, customNetworking, true, cniMaxEni, showMaxAllowed);
    }

    public Settings withCustomNetworking() {
      return new Settings(cniVersion, true, prefixDelegation, cniMaxEni, showMaxAllowed);
    }

    public Settings withMaxEni(int maxEni) {
      return new Settings(cniVersion, customNetworking, prefixDelegation, maxEni, showMaxAllowed);
    }

    public Settings withShowMaxAllowed() {
      return new Settings(cniVersion, customNetworking, prefixDelegation, cniMaxEni, true);
    }
  }

  public static int maxPods(InstanceTypeInfo type, Settings settings) {
    int enis = type.maximumNetworkInterfaces();
    if (settings.cniMaxEni() > 0) {
      enis = Math.min(settings.cniMaxEni(), enis);
    }
    if (settings.customNetworking()) {
      enis -= 1;
    }
    int addressesPerEni = type.ipv4AddressesPerInterface() - 1;
    // Only Nitro instances can take prefixes; on others the CNI falls back to single addresses.
    boolean prefixes =
        type.nitro()
            && settings.prefixDelegation()
            && prefixDelegationSupported(settings.cniVersion());
    int raw =
        prefixes ? enis * (addressesPerEni * ADDRESSES_PER_PREFIX) + 2 : enis * addressesPerEni + 2;
    if (settings.showMaxAllowed()) {
      return raw;
    }
    return Math.min(raw, type.defaultVCpus() > VCPU_THRESHOLD ? LARGE_CAP : SMALL_CAP);
  }

  /** Prefix delegation arrived after VPC CNI 1.8. */
  public static boolean prefixDelegationSupported(String cniVersion) {
    Matcher matcher = VERSION.matcher(cniVersion);
    if (!matcher.find()) {
      throw new IllegalArgumentException(
          "CNI version '" + cniVersion + "' is not MAJOR.MINOR[.PATCH]");
    }
    int major = Integer.parseInt(matcher.group(1));
    int minor = Integer.parseInt(matcher.group(2));
    return major > 1 || (major == 1 && minor > 8);
  }
}
