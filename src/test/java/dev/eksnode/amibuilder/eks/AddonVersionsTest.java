package dev.eksnode.amibuilder.eks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.config.ConfigException;
import dev.eksnode.amibuilder.failure.FailureCategory;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.eks.EksClient;
import software.amazon.awssdk.services.eks.model.AddonInfo;
import software.amazon.awssdk.services.eks.model.AddonVersionInfo;
import software.amazon.awssdk.services.eks.model.Compatibility;
import software.amazon.awssdk.services.eks.model.DescribeAddonVersionsRequest;
import software.amazon.awssdk.services.eks.model.DescribeAddonVersionsResponse;
import software.amazon.awssdk.services.eks.model.EksException;

/** The default/latest choice among addon versions, EKS's pages, and how its refusals read. */
class AddonVersionsTest {

  static AddonVersionInfo version(String v, String... defaultFor) {
    List<Compatibility> compat = new ArrayList<>();
    for (String minor : List.of("1.22", "1.23", "1.24")) {
      compat.add(
          Compatibility.builder()
              .clusterVersion(minor)
              .defaultVersion(List.of(defaultFor).contains(minor))
              .build());
    }
    return AddonVersionInfo.builder().addonVersion(v).compatibilities(compat).build();
  }

  static AddonInfo addon(String name, AddonVersionInfo... versions) {
    return AddonInfo.builder().addonName(name).addonVersions(versions).build();
  }

  @Test
  void default_isTheVersionMarkedDefaultForTheMinor_latest_isTheHighest() {
    List<AddonInfo> answer =
        List.of(
            addon(
                "kube-proxy",
                version("v1.23.8-eksbuild.2"),
                version("v1.23.7-eksbuild.1", "1.23"),
                version("v1.23.15-eksbuild.2"),
                version("v1.23.9-eksbuild.3", "1.22")));
    AddonVersions.Choice choice = AddonVersions.choose(answer, "kube-proxy", "1.23").orElseThrow();
    assertEquals("v1.23.7-eksbuild.1", choice.defaultVersion());
    // 15 > 9 > 8 as numbers, not as text
    assertEquals("v1.23.15-eksbuild.2", choice.latest());
    assertEquals(List.of("v1.23.7-eksbuild.1", "v1.23.15-eksbuild.2"), choice.toCache());
  }

  @Test
  void theDefaultOfAnotherMinorDoesNotCount() {
    List<AddonInfo> answer =
        List.of(
            addon("vpc-cni", version("v1.11.4-eksbuild.1", "1.22"), version("v1.12.2-eksbuild.1")));
    AddonVersions.Choice choice = AddonVersions.choose(answer, "vpc-cni", "1.23").orElseThrow();
    assertNull(choice.defaultVersion());
    assertEquals(List.of("v1.12.2-eksbuild.1"), choice.toCache());
  }

  @Test
  void aVersionThatIsDefaultAndLatest_isCachedOnce() {
    List<AddonInfo> answer =
        List.of(
            addon("vpc-cni", version("v1.11.4-eksbuild.1"), version("v1.12.2-eksbuild.1", "1.23")));
    assertEquals(
        List.of("v1.12.2-eksbuild.1"),
        AddonVersions.choose(answer, "vpc-cni", "1.23").orElseThrow().toCache());
  }

  @Test
  void noVersions_isEmpty_andOtherAddonsAreIgnored() {
    assertTrue(AddonVersions.choose(List.of(), "kube-proxy", "1.23").isEmpty());
    assertTrue(AddonVersions.choose(List.of(addon("kube-proxy")), "kube-proxy", "1.23").isEmpty());
    assertTrue(
        AddonVersions.choose(
                List.of(addon("vpc-cni", version("v1.12.2-eksbuild.1", "1.23"))),
                "kube-proxy",
                "1.23")
            .isEmpty());
  }

  @Test
  void versionOrder_isSortDashV() {
    List<String> sorted =
        Stream.of(
                "v1.24.10-eksbuild.1",
                "v1.24.9-eksbuild.3",
                "v1.24.10-eksbuild.12",
                "v1.24.10-eksbuild.2",
                "v1.3.0-eksbuild.1",
                "v1.24.7-minimal-eksbuild.2")
            .sorted(AddonVersions.VERSION_ORDER)
            .toList();
    assertEquals(
        List.of(
            "v1.3.0-eksbuild.1",
            "v1.24.7-minimal-eksbuild.2",
            "v1.24.9-eksbuild.3",
            "v1.24.10-eksbuild.1",
            "v1.24.10-eksbuild.2",
            "v1.24.10-eksbuild.12"),
        sorted);
  }

  /** An EKS client that answers DescribeAddonVersions from a queue of pages or one failure. */
  static final class FakeEks implements EksClient {
    final List<DescribeAddonVersionsRequest> requests = new ArrayList<>();
    final Deque<DescribeAddonVersionsResponse> pages = new java.util.ArrayDeque<>();
    RuntimeException failure;

    @Override
    public DescribeAddonVersionsResponse describeAddonVersions(DescribeAddonVersionsRequest r) {
      requests.add(r);
      if (failure != null) {
        throw failure;
      }
      return pages.isEmpty() ? DescribeAddonVersionsResponse.builder().build() : pages.poll();
    }

    @Override
    public String serviceName() {
      return "eks";
    }

    @Override
    public void close() {}
  }

  static EksException eksError(int status, String code) {
    return (EksException)
        EksException.builder()
            .statusCode(status)
            .message(code)
            .awsErrorDetails(
                AwsErrorDetails.builder().errorCode(code).errorMessage("injected").build())
            .build();
  }

  @Test
  void lookup_readsEveryPage_andAsksForTheAddonAndMinor() {
    FakeEks eks = new FakeEks();
    eks.pages.add(
        DescribeAddonVersionsResponse.builder()
            .addons(addon("kube-proxy", version("v1.23.7-eksbuild.1", "1.23")))
            .nextToken("page2")
            .build());
    eks.pages.add(
        DescribeAddonVersionsResponse.builder()
            .addons(addon("kube-proxy", version("v1.23.16-eksbuild.1")))
            .build());
    AddonVersions.Choice choice = new AddonVersions(eks, "us-west-2").lookup("kube-proxy", "1.23");
    assertEquals(List.of("v1.23.7-eksbuild.1", "v1.23.16-eksbuild.1"), choice.toCache());
    assertEquals(2, eks.requests.size());
    assertEquals("kube-proxy", eks.requests.get(0).addonName());
    assertEquals("1.23", eks.requests.get(0).kubernetesVersion());
    assertEquals("page2", eks.requests.get(1).nextToken());
  }

  @Test
  void lookup_accessDenied_isAUsageErrorNamingThePermission() {
    FakeEks eks = new FakeEks();
    eks.failure = eksError(403, "AccessDeniedException");
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> new AddonVersions(eks, "eu-west-1").lookup("vpc-cni", "1.24"));
    assertEquals(
        "cannot look up the vpc-cni versions to cache for Kubernetes 1.24"
            + " (cache_container_images=true): eks:DescribeAddonVersions in eu-west-1 was refused"
            + " (AccessDeniedException); allow eks:DescribeAddonVersions for these credentials, or"
            + " set kube_proxy_versions and vpc_cni_versions to skip the lookup",
        e.getMessage());
  }

  @Test
  void lookup_noVersions_isOneUsageLine() {
    FakeEks eks = new FakeEks();
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> new AddonVersions(eks, "us-west-2").lookup("kube-proxy", "1.19"));
    assertFalse(e.getMessage().contains("\n"));
    assertTrue(
        e.getMessage()
            .startsWith("EKS lists no kube-proxy versions for Kubernetes 1.19 in us-west-2"),
        e.getMessage());
    assertTrue(e.getMessage().contains("kube_proxy_versions=none"), e.getMessage());
  }

  @Test
  void lookup_serverError_andOtherAnswers_areEnvironmentFailures() {
    FakeEks eks = new FakeEks();
    eks.failure = eksError(500, "ServerException");
    AddonVersions.LookupFailedException e =
        assertThrows(
            AddonVersions.LookupFailedException.class,
            () -> new AddonVersions(eks, "us-west-2").lookup("kube-proxy", "1.23"));
    assertEquals(FailureCategory.ENVIRONMENT, e.category());
    assertTrue(e.getMessage().contains("(500 ServerException); try again later"), e.getMessage());

    eks.failure = eksError(400, "InvalidParameterException");
    e =
        assertThrows(
            AddonVersions.LookupFailedException.class,
            () -> new AddonVersions(eks, "us-west-2").lookup("kube-proxy", "1.23"));
    assertTrue(
        e.getMessage().contains("was answered with HTTP 400 InvalidParameterException;"),
        e.getMessage());

    // An endpoint that does not serve EKS (moto): a 404 without an error code.
    eks.failure = (EksException) EksException.builder().statusCode(404).build();
    e =
        assertThrows(
            AddonVersions.LookupFailedException.class,
            () -> new AddonVersions(eks, "us-west-2").lookup("kube-proxy", "1.23"));
    assertEquals(FailureCategory.ENVIRONMENT, e.category());
    assertEquals(
        "cannot look up the kube-proxy versions to cache for Kubernetes 1.23"
            + " (cache_container_images=true): eks:DescribeAddonVersions in us-west-2 was answered"
            + " with HTTP 404; check --endpoint-url and aws_region, or set kube_proxy_versions and"
            + " vpc_cni_versions to skip the lookup",
        e.getMessage());
  }

  @Test
  void variableFor_namesTheTemplateVariable() {
    assertEquals("kube_proxy_versions", AddonVersions.variableFor("kube-proxy"));
    assertEquals("vpc_cni_versions", AddonVersions.variableFor("vpc-cni"));
    assertInstanceOf(String.class, AddonVersions.PERMISSION);
  }
}
