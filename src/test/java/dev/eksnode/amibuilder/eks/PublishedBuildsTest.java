package dev.eksnode.amibuilder.eks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.config.ConfigException;
import dev.eksnode.amibuilder.config.KubernetesVersion;
import dev.eksnode.amibuilder.eks.PublishedBuilds.Build;
import dev.eksnode.amibuilder.eks.PublishedBuilds.Release;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.S3Exception;

class PublishedBuildsTest {

  private static KubernetesVersion v(String text) {
    return KubernetesVersion.parse(text).orElseThrow();
  }

  private static List<KubernetesVersion> vs(String... texts) {
    return java.util.Arrays.stream(texts).map(PublishedBuildsTest::v).toList();
  }

  private static Build build(String date) {
    return new Build(date, new TreeMap<>(Map.of("linux", List.of("arm64", "amd64"))));
  }

  @Test
  void versions_keepsOnlyMajorMinorPatchFolders() {
    assertEquals(
        vs("1.23.9", "1.10.3"),
        PublishedBuilds.versions(
            List.of(
                "1.23.9", "cloudformation", "1.23", "v1.24.0", "1.10.3", "1.25.6-eks", "docs")));
  }

  @Test
  void sortNewestFirst_usesVersionOrderNotTextOrder_andDatesNewestFirst() {
    List<Release> sorted =
        PublishedBuilds.sortNewestFirst(
            List.of(
                new Release(v("1.23.9"), List.of(build("2022-07-27"))),
                new Release(v("1.10.3"), List.of(build("2018-07-26"))),
                new Release(
                    v("1.23.16"),
                    List.of(build("2023-01-11"), build("2023-01-30"), build("2022-12-01"))),
                new Release(v("1.9.11"), List.of(build("2018-06-01"))),
                new Release(v("1.24.10"), List.of(build("2023-01-30")))));
    assertEquals(
        vs("1.24.10", "1.23.16", "1.23.9", "1.10.3", "1.9.11"),
        sorted.stream().map(Release::version).toList());
    assertEquals(
        List.of("2023-01-30", "2023-01-11", "2022-12-01"),
        sorted.get(1).builds().stream().map(Build::date).toList());
  }

  @Test
  void build_sortsPlatformsAndArchitectures() {
    Build b =
        new Build(
            "2023-01-30",
            new TreeMap<>(Map.of("windows", List.of("amd64"), "linux", List.of("arm64", "amd64"))));
    assertEquals(List.of("linux/amd64", "linux/arm64", "windows/amd64"), b.platformArches());
  }

  @Test
  void matches_minorSelectsItsPatches_fullVersionSelectsItself_nullSelectsAll() {
    assertTrue(PublishedBuilds.matches(v("1.23.9"), v("1.23")));
    assertTrue(PublishedBuilds.matches(v("1.23.16"), v("1.23")));
    assertFalse(PublishedBuilds.matches(v("1.24.0"), v("1.23")));
    assertFalse(PublishedBuilds.matches(v("2.23.0"), v("1.23")));
    assertTrue(PublishedBuilds.matches(v("1.23.9"), v("1.23.9")));
    assertFalse(PublishedBuilds.matches(v("1.23.16"), v("1.23.9")));
    assertFalse(PublishedBuilds.matches(v("1.23.90"), v("1.23.9")));
    assertTrue(PublishedBuilds.matches(v("1.10.3"), null));
  }

  @Test
  void nearest_namesTheNeighboursOnEitherSide() {
    List<KubernetesVersion> published =
        vs("1.21.2", "1.21.14", "1.23.9", "1.23.16", "1.23.17", "1.24.10", "1.24.13");
    // A missing minor: the newest patch below, and the newest patch of the next minor up.
    assertEquals(vs("1.21.14", "1.23.17"), PublishedBuilds.nearest(published, v("1.22")));
    // A missing patch inside a published minor: its neighbours in that minor.
    assertEquals(vs("1.23.9", "1.23.16"), PublishedBuilds.nearest(published, v("1.23.10")));
    // A missing patch of a missing minor.
    assertEquals(vs("1.21.14", "1.23.17"), PublishedBuilds.nearest(published, v("1.22.3")));
    // Past either end: one side only.
    assertEquals(vs("1.24.13"), PublishedBuilds.nearest(published, v("1.26")));
    assertEquals(vs("1.21.14"), PublishedBuilds.nearest(published, v("1.20.1")));
    assertEquals(vs("1.24.13"), PublishedBuilds.nearest(published, v("1.24.20")));
  }

  private static S3Exception s3Error(int status, String code) {
    return (S3Exception)
        S3Exception.builder()
            .statusCode(status)
            .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage(code).build())
            .build();
  }

  @Test
  void translate_accessDenied_namesListBucketAndTheBucket() {
    RuntimeException e =
        PublishedBuilds.translate(s3Error(403, "AccessDenied"), "my-bins", "eu-west-1");
    assertTrue(e instanceof ConfigException, e.toString());
    assertEquals(
        "access denied listing s3://my-bins (eu-west-1): the credentials need s3:ListBucket on the"
            + " bucket my-bins; check the policy of your profile or role, or --bucket",
        e.getMessage());
  }

  @Test
  void translate_missingBucket_andWrongRegion_sayWhatToChange() {
    RuntimeException missing =
        PublishedBuilds.translate(
            (S3Exception) NoSuchBucketException.builder().statusCode(404).build(),
            "x",
            "us-west-2");
    assertTrue(missing instanceof ConfigException);
    assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());

    RuntimeException moved =
        PublishedBuilds.translate(s3Error(301, "PermanentRedirect"), "x", "us-west-2");
    assertTrue(moved instanceof ConfigException);
    assertTrue(
        moved.getMessage().contains("is not in us-west-2")
            && moved.getMessage().contains("--bucket-region"),
        moved.getMessage());
  }

  @Test
  void translate_otherFailures_stayAwsFailures() {
    S3Exception slow = s3Error(503, "SlowDown");
    assertSame(slow, PublishedBuilds.translate(slow, "x", "us-west-2"));
  }
}
