package dev.eksnode.amibuilder.eks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.eks.MaxPodsCalculator.Settings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MaxPodsCalculatorTest {

  private static final InstanceTypeInfo M5_8XLARGE =
      new InstanceTypeInfo("m5.8xlarge", "nitro", 8, 8, 30, 32);
  private static final InstanceTypeInfo M4_XLARGE =
      new InstanceTypeInfo("m4.xlarge", "xen", 4, 4, 15, 4);
  private static final InstanceTypeInfo M5_LARGE =
      new InstanceTypeInfo("m5.large", "nitro", 3, 3, 10, 2);

  @Test
  void maxPods_m5_8xlarge_is234() {
    assertEquals(234, MaxPodsCalculator.maxPods(M5_8XLARGE, Settings.of("1.10.1")));
  }

  @Test
  void maxPods_m5_8xlargeWithPrefixDelegation_isCappedAt250() {
    assertEquals(
        250, MaxPodsCalculator.maxPods(M5_8XLARGE, Settings.of("1.10.1").withPrefixDelegation()));
  }

  @Test
  void maxPods_withShowMaxAllowed_returnsTheRawPrefixValue3714() {
    assertEquals(
        3714,
        MaxPodsCalculator.maxPods(
            M5_8XLARGE, Settings.of("1.10.1").withPrefixDelegation().withShowMaxAllowed()));
  }

  @Test
  void maxPods_m4_xlarge_is58() {
    assertEquals(58, MaxPodsCalculator.maxPods(M4_XLARGE, Settings.of("1.10.1")));
  }

  @Test
  void maxPods_xenWithPrefixDelegation_ignoresPrefixes() {
    assertEquals(
        58, MaxPodsCalculator.maxPods(M4_XLARGE, Settings.of("1.12.0").withPrefixDelegation()));
  }

  @Test
  void maxPods_prefixDelegationWithCni1_8_isNotSupported() {
    assertEquals(
        234,
        MaxPodsCalculator.maxPods(
            M5_8XLARGE, Settings.of("1.8.0").withPrefixDelegation().withShowMaxAllowed()));
  }

  @Test
  void maxPods_smallInstanceWithPrefixDelegation_isCappedAt110() {
    // 3 * (9 * 16) + 2 = 434 raw; 2 vCPUs keep the small cap.
    assertEquals(
        110, MaxPodsCalculator.maxPods(M5_LARGE, Settings.of("1.9.0").withPrefixDelegation()));
    assertEquals(
        434,
        MaxPodsCalculator.maxPods(
            M5_LARGE, Settings.of("1.9.0").withPrefixDelegation().withShowMaxAllowed()));
  }

  @Test
  void maxPods_withCustomNetworking_leavesThePrimaryEniOut() {
    assertEquals(
        7 * 29 + 2,
        MaxPodsCalculator.maxPods(M5_8XLARGE, Settings.of("1.10.1").withCustomNetworking()));
  }

  @Test
  void maxPods_withMaxEni_usesTheSmallerOfLimitAndEnis() {
    assertEquals(
        2 * 29 + 2, MaxPodsCalculator.maxPods(M5_8XLARGE, Settings.of("1.10.1").withMaxEni(2)));
    assertEquals(234, MaxPodsCalculator.maxPods(M5_8XLARGE, Settings.of("1.10.1").withMaxEni(20)));
  }

  @Test
  void maxPods_withMaxEniAndCustomNetworking_subtractsAfterTheLimit() {
    assertEquals(
        1 * 14 + 2,
        MaxPodsCalculator.maxPods(
            M4_XLARGE, Settings.of("1.10.1").withMaxEni(2).withCustomNetworking()));
  }

  @Test
  void maxPods_exactly30Vcpus_keepsTheSmallCap() {
    InstanceTypeInfo thirty = new InstanceTypeInfo("x.thirty", "nitro", 8, 8, 30, 30);
    assertEquals(110, MaxPodsCalculator.maxPods(thirty, Settings.of("1.10.1")));
  }

  @ParameterizedTest
  @CsvSource({
    "1.8.0,false",
    "1.8.9,false",
    "1.9.0,true",
    "1.10.1,true",
    "v1.12.5-eksbuild.1,true",
    "2.0,true",
    "0.9,false"
  })
  void prefixDelegationSupported_onlyAbove1_8(String version, boolean supported) {
    assertEquals(supported, MaxPodsCalculator.prefixDelegationSupported(version));
  }

  @Test
  void settings_withoutCniVersion_failsNamingIt() {
    IllegalArgumentException error =
        assertThrows(IllegalArgumentException.class, () -> Settings.of(" "));
    assertTrue(error.getMessage().contains("CNI version"), error.getMessage());
  }

  @Test
  void settings_withMalformedVersion_fails() {
    assertThrows(IllegalArgumentException.class, () -> Settings.of("latest"));
  }

  @Test
  void instanceTypeInfo_nitroOnlyForTheNitroHypervisor() {
    assertTrue(M5_8XLARGE.nitro());
    assertFalse(M4_XLARGE.nitro());
    assertFalse(new InstanceTypeInfo("m5.metal", null, 15, 15, 50, 96).nitro());
  }
}
