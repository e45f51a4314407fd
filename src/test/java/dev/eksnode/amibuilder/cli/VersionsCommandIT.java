package dev.eksnode.amibuilder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eksnode.amibuilder.config.KubernetesVersion;
import dev.eksnode.amibuilder.eks.PublishedBuilds;
import dev.eksnode.amibuilder.rig.FaultProxy;
import dev.eksnode.amibuilder.rig.MotoExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@code versions} against a moto bucket laid out like {@code amazon-eks}: versions whose text
 * order is not their semantic order, several build dates, linux/windows/darwin platforms,
 * amd64/arm64, folders that are not builds, and more than a thousand binaries.
 */
class VersionsCommandIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final MotoExtension MOTO = new MotoExtension();
  @TempDir Path root;
  TestHome home;

  /** version -> build dates; every build has linux/amd64, linux/arm64, windows and darwin. */
  private static final Map<String, List<String>> FULL_BUILDS =
      new java.util.LinkedHashMap<>(
          Map.ofEntries(
              Map.entry("1.26.4", List.of("2023-05-11", "2023-04-19")),
              Map.entry("1.25.9", List.of("2023-05-11", "2023-04-19")),
              Map.entry("1.25.6", List.of("2023-01-30")),
              Map.entry("1.24.13", List.of("2023-05-11", "2023-04-19")),
              Map.entry("1.24.10", List.of("2023-01-30")),
              Map.entry("1.23.17", List.of("2023-05-11", "2023-04-19")),
              Map.entry("1.23.16", List.of("2023-01-11", "2023-01-30")),
              Map.entry("1.23.9", List.of("2022-07-27")),
              Map.entry("1.22.17", List.of("2023-05-11", "2023-01-30")),
              Map.entry("1.22.6", List.of("2022-03-09")),
              Map.entry("1.21.14", List.of("2023-01-30", "2022-10-31"))));

  private static final List<String> LINUX_BINARIES =
      List.of(
          "kubelet",
          "kubectl",
          "kube-proxy",
          "aws-iam-authenticator",
          "ecr-credential-provider",
          "cni-plugins-linux-ARCH-v0.8.6.tgz");
  private static final List<String> WINDOWS_BINARIES =
      List.of("kubelet.exe", "kubectl.exe", "kube-proxy.exe", "aws-iam-authenticator.exe");
  private static final List<String> DARWIN_BINARIES = List.of("kubectl", "aws-iam-authenticator");

  @BeforeEach
  void setUp() {
    home = new TestHome(root);
    home.env.put("AWS_ACCESS_KEY_ID", "testing");
    home.env.put("AWS_SECRET_ACCESS_KEY", "testing");
  }

  private TestHome.Result via(String endpoint, String... args) {
    List<String> full = new ArrayList<>(List.of("versions", "--endpoint-url", endpoint));
    full.addAll(List.of(args));
    return home.run(full.toArray(String[]::new));
  }

  private TestHome.Result versions(String... args) {
    return via(MOTO.endpoint().toString(), args);
  }

  /** Every key of a bucket laid out like amazon-eks; more than a thousand. */
  static List<String> amazonEksKeys() {
    List<String> keys = new ArrayList<>();
    FULL_BUILDS.forEach(
        (version, dates) -> {
          for (String date : dates) {
            String bin = version + "/" + date + "/bin/";
            for (String arch : List.of("amd64", "arm64")) {
              addWithChecksums(keys, bin + "linux/" + arch + "/", LINUX_BINARIES, arch);
            }
            addWithChecksums(keys, bin + "windows/amd64/", WINDOWS_BINARIES, "amd64");
            addWithChecksums(keys, bin + "darwin/amd64/", DARWIN_BINARIES, "amd64");
          }
        });
    // Older builds with fewer platforms.
    addWithChecksums(keys, "1.21.2/2021-07-05/bin/linux/amd64/", LINUX_BINARIES, "amd64");
    addWithChecksums(keys, "1.10.3/2018-07-26/bin/linux/amd64/", LINUX_BINARIES, "amd64");
    // Folders and objects that are not builds: skipped.
    keys.add("cloudformation/2020-10-29/amazon-eks-vpc-sample.yaml");
    keys.add("1.23.17/notadate/README");
    keys.add("1.26.4/2023-05-11/src/kubernetes.tar.gz");
    keys.add("1.27.0/2023-06-01/README.md");
    keys.add("1.27.0/2023-06-01/bin/linux/");
    keys.add("README.md");
    return keys;
  }

  private static void addWithChecksums(
      List<String> keys, String folder, List<String> binaries, String arch) {
    for (String b : binaries) {
      String name = b.replace("ARCH", arch);
      keys.add(folder + name);
      keys.add(folder + name + ".sha256");
      keys.add(folder + name + ".md5");
    }
  }

  private static void publish(String bucket, Region region, List<String> keys) throws Exception {
    try (S3Client s3 = MOTO.s3(region)) {
      s3.createBucket(
          r -> r.bucket(bucket).createBucketConfiguration(c -> c.locationConstraint(region.id())));
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        List<Future<?>> puts = new ArrayList<>();
        for (String k : keys) {
          puts.add(
              pool.submit(
                  () -> s3.putObject(r -> r.bucket(bucket).key(k), RequestBody.fromString("x"))));
        }
        for (Future<?> f : puts) {
          f.get();
        }
      } finally {
        pool.shutdown();
      }
    }
  }

  @Test
  void versions_listsAnAmazonEksLikeBucket_newestFirst_asTableAndJson_andNarrowsByVersion()
      throws Exception {
    List<String> keys = amazonEksKeys();
    assertTrue(keys.size() > 1000, "only " + keys.size() + " keys");
    publish("amazon-eks", Region.US_WEST_2, keys);

    try (FaultProxy proxy = FaultProxy.start(MOTO.endpoint())) {
      String endpoint = proxy.endpoint().toString();

      // The table: versions in semantic order (1.23.17 > 1.23.16 > 1.23.9), dates newest first.
      TestHome.Result all = via(endpoint);
      assertEquals(0, all.code(), all.err());
      List<String> lines = all.out().lines().toList();
      assertEquals("VERSION  BUILD DATE  PLATFORMS", lines.get(0));
      assertEquals(
          "1.26.4   2023-05-11  darwin/amd64 linux/amd64 linux/arm64 windows/amd64", lines.get(1));
      List<String> order =
          lines.subList(1, lines.size() - 1).stream().map(l -> l.split("\\s+")[0]).toList();
      assertEquals(
          List.of(
              "1.26.4", "1.26.4", "1.25.9", "1.25.9", "1.25.6", "1.24.13", "1.24.13", "1.24.10",
              "1.23.17", "1.23.17", "1.23.16", "1.23.16", "1.23.9", "1.22.17", "1.22.17", "1.22.6",
              "1.21.14", "1.21.14", "1.21.2", "1.10.3"),
          order);
      assertEquals("1.10.3   2018-07-26  linux/amd64", lines.get(lines.size() - 2));
      assertEquals(
          "13 versions, 20 builds in s3://amazon-eks (us-west-2)", lines.get(lines.size() - 1));

      // Only folder listings of the one bucket; never an object.
      assertEquals(
          Map.of("GET /amazon-eks", proxy.calls().size()),
          proxy.calls().stream()
              .collect(Collectors.groupingBy(c -> c, Collectors.summingInt(c -> 1))),
          "calls: " + proxy.countsByAction());

      // A minor narrows to its patches.
      TestHome.Result minor = via(endpoint, "--kubernetes-version", "1.23");
      assertEquals(0, minor.code(), minor.err());
      assertEquals(
          String.join(
              "\n",
              "VERSION  BUILD DATE  PLATFORMS",
              "1.23.17  2023-05-11  darwin/amd64 linux/amd64 linux/arm64 windows/amd64",
              "1.23.17  2023-04-19  darwin/amd64 linux/amd64 linux/arm64 windows/amd64",
              "1.23.16  2023-01-30  darwin/amd64 linux/amd64 linux/arm64 windows/amd64",
              "1.23.16  2023-01-11  darwin/amd64 linux/amd64 linux/arm64 windows/amd64",
              "1.23.9   2022-07-27  darwin/amd64 linux/amd64 linux/arm64 windows/amd64",
              "3 versions, 5 builds in s3://amazon-eks (us-west-2)",
              ""),
          minor.out());

      // A full version narrows to itself; --json gives one event of the documented shape.
      TestHome.Result one = via(endpoint, "--kubernetes-version", "1.21.2", "--json");
      assertEquals(0, one.code(), one.err());
      List<String> events = one.out().lines().toList();
      assertEquals(1, events.size(), one.out());
      JsonNode event = JSON.readTree(events.get(0));
      assertEquals("versions", event.get("event").asText());
      assertEquals("amazon-eks", event.get("bucket").asText());
      assertEquals("us-west-2", event.get("region").asText());
      assertEquals("1.21.2", event.get("kubernetes_version").asText());
      assertEquals(
          JSON.readTree(
              "[{\"version\":\"1.21.2\",\"builds\":[{\"build_date\":\"2021-07-05\","
                  + "\"platforms\":{\"linux\":[\"amd64\"]}}]}]"),
          event.get("versions"));

      TestHome.Result allJson = via(endpoint, "--json");
      JsonNode versions = JSON.readTree(allJson.out()).get("versions");
      assertEquals(13, versions.size());
      assertEquals("1.26.4", versions.get(0).get("version").asText());
      JsonNode newest = versions.get(0).get("builds").get(0);
      assertEquals("2023-05-11", newest.get("build_date").asText());
      assertEquals(
          JSON.readTree(
              "{\"darwin\":[\"amd64\"],\"linux\":[\"amd64\",\"arm64\"],\"windows\":[\"amd64\"]}"),
          newest.get("platforms"));
      assertTrue(
          StreamSupport.stream(versions.spliterator(), false)
              .noneMatch(v -> v.get("version").asText().equals("1.27.0")),
          "a version folder without binaries is not a build");
    }
  }

  @Test
  void listing_followsContinuationTokens_atEveryLevel() throws Exception {
    publish("amazon-eks", Region.US_WEST_2, amazonEksKeys());
    try (FaultProxy proxy = FaultProxy.start(MOTO.endpoint());
        S3Client s3 =
            MotoExtension.configure(
                S3Client.builder().forcePathStyle(true), proxy.endpoint(), Region.US_WEST_2)) {
      PublishedBuilds whole = new PublishedBuilds(s3, "amazon-eks", "us-west-2");
      var expected = whole.list(null);
      int unpaged = whole.listingCalls();
      assertEquals(unpaged, proxy.count("GET /amazon-eks"));

      proxy.clear();
      // Two folders a page: the top level (15 folders), dates, platforms (4) all take several.
      PublishedBuilds paged = new PublishedBuilds(s3, "amazon-eks", "us-west-2", 2);
      assertEquals(expected, paged.list(null));
      assertEquals(paged.listingCalls(), proxy.count("GET /amazon-eks"));
      assertTrue(
          paged.listingCalls() > unpaged + 20,
          "paged " + paged.listingCalls() + " vs unpaged " + unpaged);
      assertEquals(
          expected.stream().filter(r -> r.version().minor() == 23).toList(),
          paged.list(KubernetesVersion.parse("1.23").orElseThrow()));
    }
  }

  @Test
  void versions_noMatch_isExitTwoNamingTheNearestVersions() throws Exception {
    publish(
        "amazon-eks",
        Region.US_WEST_2,
        List.of(
            "1.21.14/2023-01-30/bin/linux/amd64/kubelet",
            "1.23.9/2022-07-27/bin/linux/amd64/kubelet",
            "1.23.16/2023-01-30/bin/linux/amd64/kubelet",
            "1.23.17/2023-05-11/bin/linux/amd64/kubelet"));
    TestHome.Result minor = versions("--kubernetes-version", "1.22");
    assertEquals(2, minor.code(), minor.err());
    assertEquals(
        List.of(
            "error: no Kubernetes 1.22 in s3://amazon-eks (us-west-2); nearest available: 1.21.14,"
                + " 1.23.17; run without --kubernetes-version to see every version"),
        minor.errLines());
    assertEquals("", minor.out());

    TestHome.Result patch = versions("--kubernetes-version", "1.23.10");
    assertEquals(2, patch.code(), patch.err());
    assertEquals(1, patch.errLines().size(), patch.err());
    assertTrue(patch.err().contains("nearest available: 1.23.9, 1.23.16;"), patch.err());
  }

  @Test
  void versions_accessDenied_isExitTwoNamingListBucketAndTheBucket() {
    try (FaultProxy proxy = FaultProxy.start(MOTO.endpoint())) {
      proxy.on("GET /amazon-eks").always().fail(403, "AccessDenied", "Access Denied");
      TestHome.Result r = via(proxy.endpoint().toString());
      assertEquals(2, r.code(), r.err());
      assertEquals(
          List.of(
              "error: access denied listing s3://amazon-eks (us-west-2): the credentials need"
                  + " s3:ListBucket on the bucket amazon-eks; check the policy of your profile or"
                  + " role, or --bucket"),
          r.errLines());
    }
  }

  @Test
  void versions_missingOrEmptyBucket_isOneClearLine() throws Exception {
    TestHome.Result missing = versions("--bucket", "no-such-bucket");
    assertEquals(2, missing.code(), missing.err());
    assertEquals(
        List.of(
            "error: bucket s3://no-such-bucket (us-west-2) does not exist; check --bucket or"
                + " binary_bucket_name (the default is amazon-eks in us-west-2)"),
        missing.errLines());

    publish("empty-eks", Region.EU_WEST_1, List.of("README.md", "docs/index.html"));
    TestHome.Result empty = versions("--bucket", "empty-eks", "--bucket-region", "eu-west-1");
    assertEquals(2, empty.code(), empty.err());
    assertEquals(1, empty.errLines().size(), empty.err());
    assertTrue(
        empty.err().startsWith("error: s3://empty-eks (eu-west-1) has no Kubernetes versions"),
        empty.err());
  }

  @Test
  void versions_takesTheBucketFromTheVariableLayers_andTheOptionsWin() throws Exception {
    publish("file-bins", Region.EU_WEST_1, List.of("1.24.10/2023-01-30/bin/linux/arm64/kubelet"));
    publish("word-bins", Region.EU_WEST_1, List.of("1.25.6/2023-01-30/bin/linux/amd64/kubelet"));
    publish("option-bins", Region.US_EAST_2, List.of("1.26.4/2023-05-11/bin/linux/amd64/kubelet"));
    Path vars =
        home.write(
            "bins.json",
            "{\"binary_bucket_name\": \"file-bins\", \"binary_bucket_region\": \"eu-west-1\"}");

    TestHome.Result fromFile = versions("--var-file", vars.toString());
    assertEquals(0, fromFile.code(), fromFile.err());
    assertTrue(fromFile.out().contains("1.24.10  2023-01-30  linux/arm64"), fromFile.out());
    assertTrue(fromFile.out().contains("in s3://file-bins (eu-west-1)"), fromFile.out());

    TestHome.Result fromWord =
        versions("--var-file", vars.toString(), "binary_bucket_name=word-bins");
    assertEquals(0, fromWord.code(), fromWord.err());
    assertTrue(fromWord.out().contains("1.25.6 "), fromWord.out());

    home.env.put("binary_bucket_name", "word-bins");
    home.env.put("binary_bucket_region", "eu-west-1");
    TestHome.Result fromEnv = versions("--json");
    assertEquals(0, fromEnv.code(), fromEnv.err());
    assertEquals("word-bins", JSON.readTree(fromEnv.out()).get("bucket").asText());

    TestHome.Result fromOptions =
        versions(
            "--var-file",
            vars.toString(),
            "--var",
            "binary_bucket_name=word-bins",
            "--bucket",
            "option-bins",
            "--bucket-region",
            "us-east-2");
    assertEquals(0, fromOptions.code(), fromOptions.err());
    assertTrue(fromOptions.out().contains("1.26.4   2023-05-11  linux/amd64"), fromOptions.out());

    TestHome.Result badRegion = versions("--bucket-region", "mars-1");
    assertEquals(2, badRegion.code(), badRegion.err());
    assertTrue(
        badRegion.err().startsWith("error: binary_bucket_region = 'mars-1' (from --bucket-region)"),
        badRegion.err());
  }
}
