package dev.eksnode.amibuilder.ebs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.cli.CliContext;
import dev.eksnode.amibuilder.cli.Main;
import dev.eksnode.amibuilder.cli.TestHome;
import dev.eksnode.amibuilder.eks.WorkerBinaries;
import dev.eksnode.amibuilder.rig.FaultProxy;
import dev.eksnode.amibuilder.rig.MotoExtension;
import dev.eksnode.amibuilder.rig.MotoState;
import dev.eksnode.amibuilder.rig.NodeHostExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.KeyPairInfo;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A build whose binary bucket is private, with no credentials forwarded and no instance profile:
 * {@code ami-builder k8s} with the real template against moto (behind the fault proxy) and the node
 * host, where the real install-worker.sh runs and its wget stand-in fetches loopback URLs for real.
 * The build signs each object install-worker.sh needs, the instance downloads them from moto's
 * private bucket through those URLs, and no URL or signature shows anywhere the build writes.
 */
class PresignedBinariesIT {
  @RegisterExtension static final MotoExtension MOTO = new MotoExtension();
  @RegisterExtension static final NodeHostExtension NODE = new NodeHostExtension();
  static final String REGION = "us-west-2";
  static final String BUCKET = "private-eks-binaries";
  static final String ACCESS_KEY = "ASIAPRESIGNEDBUILD01";
  static final String SECRET_KEY = "presignedBuildSecretKey/0123456789abcdefXYZ";
  static final String TOKEN = "IQoJb3JpZ2luX2VjEPresignedBuildSessionToken//////////+wEaCXVz";

  @TempDir Path root;
  FaultProxy proxy;
  Ec2Client ec2;
  S3Client s3;

  @BeforeEach
  void setUp() {
    proxy = FaultProxy.start(MOTO.endpoint());
    ec2 = MOTO.ec2(Region.of(REGION));
    s3 = MOTO.s3(Region.of(REGION));
    NODE.followAuthorizedKeys(
        () ->
            ec2.describeKeyPairs(r -> r.includePublicKey(true)).keyPairs().stream()
                .map(KeyPairInfo::publicKey)
                .filter(k -> k != null && !k.isBlank())
                .toList());
    NODE.publishBinaries("1.23.16", "2023-01-30", "v0.8.6", "v0.5.9");
  }

  @AfterEach
  void tearDown() {
    proxy.close();
    ec2.close();
    s3.close();
  }

  record Run(int code, String out, String err) {}

  private Run k8s(String... extra) {
    Map<String, String> env =
        new HashMap<>(
            Map.of(
                "USER",
                "tester",
                "AWS_ACCESS_KEY_ID",
                ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY",
                SECRET_KEY,
                "AWS_SESSION_TOKEN",
                TOKEN,
                "AMI_BUILDER_STATE_DIR",
                root.resolve("state").toString(),
                BuildTuning.POLL_DELAY_ENV,
                "20"));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CliContext ctx =
        new CliContext(
            new PrintWriter(out, true),
            new PrintWriter(err, true),
            env,
            Clock.systemUTC(),
            root.resolve("work"),
            TestHome.projectDir());
    List<String> args =
        new ArrayList<>(
            List.of(
                "k8s",
                "--kubernetes-version",
                "1.23.16",
                "--kubernetes-build-date",
                "2023-01-30",
                "--region",
                REGION,
                "--endpoint-url",
                proxy.endpoint().toString(),
                "--output-dir",
                root.resolve("out").toString(),
                "ssh_host=" + NODE.host(),
                "ssh_port=" + NODE.port(),
                "ssh_username=" + NODE.user(),
                "temporary_security_group_source_cidrs=127.0.0.1/32",
                "binary_bucket_name=" + BUCKET,
                "binary_bucket_region=" + REGION,
                "pull_cni_from_github=false"));
    args.addAll(List.of(extra));
    try {
      Files.createDirectories(root.resolve("work"));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    int code = Main.run(ctx, args.toArray(String[]::new));
    return new Run(code, out.toString(), err.toString());
  }

  private static HttpResponse<byte[]> get(String url) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).GET().build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private static Map<String, String> query(String url) {
    Map<String, String> out = new HashMap<>();
    for (String pair : URI.create(url).getRawQuery().split("&")) {
      int eq = pair.indexOf('=');
      out.put(
          pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return out;
  }

  @Test
  void privateBucket_noInstanceCredentials_binariesComeThroughTheSignedUrls_whichShowNowhere()
      throws Exception {
    List<String> copied = NODE.copyBucketTo(s3, BUCKET);
    List<String> needed =
        new WorkerBinaries(BUCKET, REGION, "1.23.16", "2023-01-30", "amd64", "v0.8.6", false)
            .keys();
    assertTrue(copied.containsAll(needed), copied.toString());
    // The bucket is private: moto refuses an unsigned GET.
    assertEquals(403, get(MOTO.endpoint() + "/" + BUCKET + "/" + needed.get(0)).statusCode());
    MotoState before = MotoState.capture(List.of(ec2));

    ByteArrayOutputStream logs = new ByteArrayOutputStream();
    Run run;
    try (EndToEndIT.LogCapture ignored = EndToEndIT.LogCapture.into(logs)) {
      run = k8s("-vvv", "--json");
    }
    assertEquals(0, run.code(), run.err() + run.out());
    assertEquals(
        Set.of(MotoState.Kind.IMAGE, MotoState.Kind.SNAPSHOT),
        MotoState.capture(List.of(ec2)).diff(before).stream()
            .map(MotoState.Resource::kind)
            .collect(Collectors.toSet()));

    // Nothing was forwarded, and the AWS CLI never fetched: every object came through wget with
    // the URL on its stdin, one signed URL per object install-worker.sh needs.
    assertTrue(NODE.credentialsSeenBy().isEmpty(), NODE.credentialsSeenBy().toString());
    List<String> calls = NODE.calls();
    assertTrue(calls.stream().noneMatch(c -> c.startsWith("aws s3")), calls.toString());
    for (String key : needed) {
      String name = key.substring(key.lastIndexOf('/') + 1);
      assertTrue(
          calls.contains("wget --quiet --output-document " + name + " --input-file=-"),
          name + " not fetched through its URL: " + calls);
    }
    List<String> urls = NODE.urlsReadFromStdin();
    assertEquals(needed.size(), urls.size(), urls.toString());
    Set<String> signedPaths = new LinkedHashSet<>();
    for (String url : urls) {
      URI uri = URI.create(url);
      assertEquals(proxy.endpoint().getHost(), uri.getHost(), "the build's S3 endpoint");
      assertEquals(proxy.endpoint().getPort(), uri.getPort(), "the build's S3 endpoint");
      signedPaths.add(uri.getPath());
      Map<String, String> q = query(url);
      assertEquals("3600", q.get("X-Amz-Expires"), url);
      assertTrue(q.get("X-Amz-Credential").startsWith(ACCESS_KEY + "/"), url);
      assertEquals(TOKEN, q.get("X-Amz-Security-Token"), "signed with the caller's session");
    }
    assertEquals(
        needed.stream().map(k -> "/" + BUCKET + "/" + k).collect(Collectors.toSet()), signedPaths);
    // The instance really downloaded them from moto (through the proxy): one GET per object.
    Map<String, Integer> byAction = proxy.countsByAction();
    for (String key : needed) {
      assertEquals(1, byAction.getOrDefault("GET /" + BUCKET + "/" + key, 0), key);
    }
    assertArrayEquals(
        Files.readAllBytes(NODE.fixtureDir().resolve("bucket").resolve(needed.get(0))),
        Files.readAllBytes(NODE.onDisk("/usr/bin/kubelet")),
        "the kubelet installed is the one from the private bucket");

    // The file of URLs reached the instance readable by the SSH user alone, and is gone now.
    List<String> modes = NODE.urlFileModes();
    assertEquals(needed.size(), modes.size(), modes.toString());
    String file = modes.get(0).substring(modes.get(0).indexOf(' ') + 1);
    assertTrue(file.startsWith("/tmp/ami-builder-binary-urls-"), file);
    assertTrue(modes.stream().allMatch(m -> m.equals("600 " + file)), modes.toString());
    assertFalse(Files.exists(NODE.onDisk(file)), file + " was left on the instance");

    // Each URL works with a plain GET from here and returns the object from the private bucket;
    // without its signature the same address is refused.
    Path fixtureBucket = NODE.fixtureDir().resolve("bucket");
    for (String url : urls) {
      String key = URI.create(url).getPath().substring(BUCKET.length() + 2);
      HttpResponse<byte[]> signed = get(url);
      assertEquals(200, signed.statusCode(), key);
      assertArrayEquals(Files.readAllBytes(fixtureBucket.resolve(key)), signed.body(), key);
      assertEquals(403, get(url.substring(0, url.indexOf('?'))).statusCode(), key);
    }

    // No URL, signature or token in the output, the log (-vvv), the manifests, the version info
    // or the journal.
    List<String> secrets = new ArrayList<>();
    for (String url : urls) {
      secrets.add(url);
      secrets.add(url.substring(url.indexOf('?') + 1));
      secrets.add(query(url).get("X-Amz-Signature"));
    }
    secrets.add(TOKEN);
    secrets.add(SECRET_KEY);
    String logged = logs.toString(StandardCharsets.UTF_8);
    assertTrue(logged.contains("pre-signed URLs for s3://" + BUCKET + "/1.23.16/"), "no log line");
    Map<String, String> texts = new HashMap<>();
    texts.put("stdout", run.out());
    texts.put("stderr", run.err());
    texts.put("log", logged);
    for (Path dir : List.of(root.resolve("out"), root.resolve("state"))) {
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path f : files.filter(Files::isRegularFile).toList()) {
          texts.put(f.toString(), Files.readString(f));
        }
      }
    }
    assertTrue(
        texts.keySet().stream().anyMatch(n -> n.endsWith("manifest.json")),
        texts.keySet().toString());
    for (Map.Entry<String, String> text : texts.entrySet()) {
      for (String secret : secrets) {
        assertFalse(text.getValue().contains(secret), text.getKey() + " shows " + secret);
      }
    }
  }

  @Test
  void anObjectMissingFromThePrivateBucket_failsTheBuildNamingIt_notItsUrl() throws Exception {
    NODE.copyBucketTo(s3, BUCKET);
    String missing = "1.23.16/2023-01-30/bin/linux/amd64/aws-iam-authenticator.sha256";
    // The preflight's HeadObject finds it; the object is gone by the time the instance asks for it.
    proxy
        .on("GET /" + BUCKET + "/" + missing)
        .always()
        .fail(404, "NoSuchKey", "The specified key does not exist.");
    MotoState before = MotoState.capture(List.of(ec2));

    Run run = k8s();

    assertEquals(1, run.code(), run.err() + run.out());
    assertTrue(
        run.err()
            .contains(
                "could not download s3://"
                    + BUCKET
                    + "/"
                    + missing
                    + " through its pre-signed URL (refused, missing or expired)"),
        run.err());
    for (String url : NODE.urlsReadFromStdin()) {
      assertFalse(run.err().contains(url) || run.out().contains(url), "a URL was shown");
      String signature = query(url).get("X-Amz-Signature");
      assertFalse(run.err().contains(signature) || run.out().contains(signature));
    }
    assertEquals(Set.of(), MotoState.capture(List.of(ec2)).diff(before), "nothing may be left");
    // The failed script's file of URLs was removed all the same.
    String mode = NODE.urlFileModes().get(0);
    String file = mode.substring(mode.indexOf(' ') + 1);
    assertFalse(Files.exists(NODE.onDisk(file)), file + " was left on the instance");
  }
}
