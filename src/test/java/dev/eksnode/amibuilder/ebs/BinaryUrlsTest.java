package dev.eksnode.amibuilder.ebs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.aws.ApiRateLimiter;
import dev.eksnode.amibuilder.aws.AwsClientFactory;
import dev.eksnode.amibuilder.aws.AwsSettings;
import dev.eksnode.amibuilder.eks.WorkerBinaries;
import dev.eksnode.amibuilder.pipeline.FakeTime;
import dev.eksnode.amibuilder.remote.Redactor;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * Signing the binary bucket's objects: the SDK's presigner with the factory's credentials and
 * endpoint, each URL for its own key, valid for the chosen time, and every secret part listed for
 * masking.
 */
class BinaryUrlsTest {
  private static final String ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE";
  private static final String SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  private static final String TOKEN = "FwoGZXIvYXdzEJr//////////wEaDPresignSessionToken+/=";
  private static final URI EMULATOR = URI.create("http://127.0.0.1:4566");
  private static final WorkerBinaries BINARIES =
      new WorkerBinaries(
          "my-private-bucket", "eu-west-1", "1.23.16", "2023-01-30", "amd64", "v0.8.6", false);

  private static AwsClientFactory factory(AwsCredentialsProvider credentials) {
    return new AwsClientFactory(
        AwsSettings.of("us-west-2"),
        new ApiRateLimiter(
            new ApiRateLimiter.Bucket(10, 1), new ApiRateLimiter.Bucket(10, 1), new FakeTime()),
        credentials);
  }

  private static AwsClientFactory staticKeys() {
    return factory(
        StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)));
  }

  private static Map<String, String> query(String url) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String pair : URI.create(url).getRawQuery().split("&")) {
      int eq = pair.indexOf('=');
      out.put(
          pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return out;
  }

  @Test
  void expiry_isAnHour_theShorterOfThatAndTheBuildTimeout() {
    assertEquals(Duration.ofHours(1), BinaryUrls.expiry());
    assertTrue(BinaryUrls.expiry().compareTo(Ec2Build.BUILD_TIMEOUT) <= 0);
  }

  @Test
  void emulatorEndpoint_pathStyle_eachUrlSignsItsOwnKey_withTheExpiry() {
    try (AwsClientFactory aws = staticKeys()) {
      BinaryUrls.Signed signed =
          BinaryUrls.sign(aws.s3Presigner("eu-west-1", EMULATOR), BINARIES, BinaryUrls.expiry());

      assertEquals(BINARIES.keys(), List.copyOf(signed.byKey().keySet()));
      assertEquals(7, signed.byKey().size());
      signed
          .byKey()
          .forEach(
              (key, url) -> {
                URI uri = URI.create(url);
                assertEquals("http", uri.getScheme(), url);
                assertEquals("127.0.0.1", uri.getHost(), url);
                assertEquals(4566, uri.getPort(), url);
                assertEquals("/my-private-bucket/" + key, uri.getPath(), url);
                Map<String, String> q = query(url);
                assertEquals("3600", q.get("X-Amz-Expires"), url);
                assertEquals("AWS4-HMAC-SHA256", q.get("X-Amz-Algorithm"), url);
                assertTrue(
                    q.get("X-Amz-Credential")
                        .matches(ACCESS_KEY + "/\\d{8}/eu-west-1/s3/aws4_request"),
                    q.get("X-Amz-Credential"));
                assertTrue(q.get("X-Amz-Signature").matches("[0-9a-f]{64}"), url);
                assertFalse(q.containsKey("X-Amz-Security-Token"), "static keys have no token");
                assertFalse(url.contains(SECRET_KEY), "the secret key never leaves the signer");
              });
    }
  }

  @Test
  void s3sOwnEndpoint_virtualHostedInTheBucketsRegion_andTheChosenExpiry() {
    try (AwsClientFactory aws = staticKeys()) {
      BinaryUrls.Signed signed =
          BinaryUrls.sign(aws.s3Presigner("eu-west-1", null), BINARIES, Duration.ofMinutes(20));
      String key = BINARIES.keys().get(0);
      URI uri = URI.create(signed.byKey().get(key));
      assertEquals("https", uri.getScheme());
      assertEquals("my-private-bucket.s3.eu-west-1.amazonaws.com", uri.getHost());
      assertEquals("/" + key, uri.getPath());
      assertEquals("1200", query(uri.toString()).get("X-Amz-Expires"));
    }
  }

  @Test
  void chinaRegion_signsForItsOwnDomain() {
    WorkerBinaries china =
        new WorkerBinaries("cn-bucket", "cn-north-1", "1.23.16", "2023-01-30", "arm64", "", true);
    try (AwsClientFactory aws = staticKeys()) {
      URI uri =
          URI.create(
              BinaryUrls.sign(aws.s3Presigner("cn-north-1", null), china, BinaryUrls.expiry())
                  .byKey()
                  .values()
                  .iterator()
                  .next());
      assertEquals("cn-bucket.s3.cn-north-1.amazonaws.com.cn", uri.getHost());
      assertTrue(uri.getPath().startsWith("/1.23.16/2023-01-30/bin/linux/arm64/"), uri.getPath());
    }
  }

  @Test
  void sessionCredentials_theTokenTravelsInTheUrl_andIsListedAsASecret() {
    try (AwsClientFactory aws =
        factory(
            StaticCredentialsProvider.create(
                AwsSessionCredentials.create(ACCESS_KEY, SECRET_KEY, TOKEN)))) {
      BinaryUrls.Signed signed =
          BinaryUrls.sign(aws.s3Presigner("eu-west-1", EMULATOR), BINARIES, BinaryUrls.expiry());
      String url = signed.byKey().values().iterator().next();
      assertEquals(TOKEN, query(url).get("X-Amz-Security-Token"));

      List<String> secrets = signed.secrets();
      assertTrue(secrets.contains(TOKEN), "the decoded token");
      assertTrue(secrets.contains(ACCESS_KEY), "the access key id");
      assertTrue(secrets.containsAll(signed.byKey().values()), "every URL whole");
      Redactor redactor = Redactor.of(secrets);
      String signature = query(url).get("X-Amz-Signature");
      for (String shown :
          List.of(
              "wget: " + url + ": 403 Forbidden",
              "token=" + TOKEN,
              "signature " + signature,
              "key " + ACCESS_KEY)) {
        String masked = redactor.redact(shown);
        assertFalse(masked.contains(TOKEN), masked);
        assertFalse(masked.contains(signature), masked);
        assertFalse(masked.contains(ACCESS_KEY), masked);
        assertTrue(masked.contains(Redactor.MASK), masked);
      }
    }
  }

  @Test
  void fileText_oneKeyAndUrlPairALine_inOrder() {
    BinaryUrls.Signed signed =
        new BinaryUrls.Signed(
            new LinkedHashMap<>(
                Map.of("a/kubelet", "https://b.example/a/kubelet?X-Amz-Signature=1")));
    assertEquals("a/kubelet https://b.example/a/kubelet?X-Amz-Signature=1\n", signed.fileText());
    assertEquals("", new BinaryUrls.Signed(Map.of()).fileText());
  }

  @Test
  void shortValues_suchAsAnEmulatorsAccessKey_areNotMaskedAsWords() {
    try (AwsClientFactory aws =
        factory(
            StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing")))) {
      List<String> secrets =
          BinaryUrls.sign(aws.s3Presigner("eu-west-1", EMULATOR), BINARIES, BinaryUrls.expiry())
              .secrets();
      assertFalse(secrets.contains("testing"), secrets.toString());
      assertTrue(secrets.stream().anyMatch(s -> s.matches("[0-9a-f]{64}")), "the signature");
    }
  }

  @Test
  void presigner_isMadeOncePerRegionAndEndpoint() {
    try (AwsClientFactory aws = staticKeys()) {
      var first = aws.s3Presigner("eu-west-1", EMULATOR);
      assertNotNull(first);
      assertSame(first, aws.s3Presigner("eu-west-1", EMULATOR));
      assertFalse(first == aws.s3Presigner("eu-west-1", null));
    }
  }
}
