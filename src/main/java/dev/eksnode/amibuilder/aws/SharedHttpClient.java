package dev.eksnode.amibuilder.aws;

import javax.net.ssl.TrustManager;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

/**
 * The one HTTP client behind every AWS client of the JVM. The URL-connection client keeps no
 * connections or threads of its own (the JDK pools connections), so one serves every service,
 * region and build at once. Its TLS context trusts what the JDK trusts, through a {@link
 * DeferredTrustManager}: the trust store is read on the first TLS handshake, not when the client is
 * made, so a build against a plain-HTTP endpoint never reads it. Never closed: there is nothing to
 * release.
 */
final class SharedHttpClient {
  private static final DeferredTrustManager TRUST = new DeferredTrustManager();
  // Made when this class is first used: cheap, since making it reads no trust store.
  private static final SdkHttpClient CLIENT = build(TRUST);

  private SharedHttpClient() {}

  static SdkHttpClient get() {
    return CLIENT;
  }

  /** A URL-connection client whose TLS connections are judged by {@code trust}. */
  static SdkHttpClient build(DeferredTrustManager trust) {
    return UrlConnectionHttpClient.builder()
        .tlsTrustManagersProvider(() -> new TrustManager[] {trust})
        .build();
  }

  /** Reads the trust store now (the warm-up does, for a build that will speak TLS). */
  static void readTrustStore() {
    TRUST.delegate();
  }
}
