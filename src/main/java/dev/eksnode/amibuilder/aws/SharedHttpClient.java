package dev.eksnode.amibuilder.aws;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.function.Supplier;
import javax.net.ssl.TrustManager;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpConfigurationOption;
import software.amazon.awssdk.http.urlconnection.ProxyConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.utils.Lazy;
import software.amazon.awssdk.utils.NumericUtils;

/**
 * The one HTTP client behind every AWS client of the JVM. The URL-connection client keeps no
 * connections or threads of its own (the JDK pools connections), so one serves every service,
 * region and build at once. Its TLS context trusts what the JDK trusts, through a {@link
 * DeferredTrustManager}: the trust store is read on the first TLS handshake, not when the client is
 * made, so a build against a plain-HTTP endpoint never reads it. Never closed: there is nothing to
 * release.
 *
 * <p>The SDK's URL-connection client makes its TLS context when it is built, which initialises the
 * JDK's TLS stack (its cipher suites and algorithm constraints, some 50 ms of CPU) whatever the
 * endpoint's scheme. So {@code https} requests go to that client, made at the first of them (or by
 * the warm-up, for a build that speaks TLS), and plain {@code http} requests (an emulator, a
 * private endpoint) to one without TLS that opens its connections as the SDK's does: the same proxy
 * settings (the SDK's {@link ProxyConfiguration} defaults, from the system properties and the
 * environment), the same proxy authorization and the same time-outs.
 */
final class SharedHttpClient {
  private static final DeferredTrustManager TRUST = new DeferredTrustManager();
  // Made when this class is first used: cheap, since it makes no TLS context.
  private static final SchemeDispatch CLIENT = build(TRUST);

  private SharedHttpClient() {}

  static SdkHttpClient get() {
    return CLIENT;
  }

  /** A client whose TLS connections are judged by {@code trust}; see the class comment. */
  static SchemeDispatch build(DeferredTrustManager trust) {
    return new SchemeDispatch(
        () ->
            UrlConnectionHttpClient.builder()
                .tlsTrustManagersProvider(() -> new TrustManager[] {trust})
                .build(),
        ProxyConfiguration.builder().build());
  }

  /** Reads the trust store and makes the TLS client now (the warm-up does, for a TLS build). */
  static void readTrustStore() {
    TRUST.delegate();
    CLIENT.tls();
  }

  /**
   * Sends {@code https} requests to the TLS client, made when first needed, and others to one
   * without TLS.
   */
  static final class SchemeDispatch implements SdkHttpClient {
    private static final Duration CONNECT_TIMEOUT =
        SdkHttpConfigurationOption.GLOBAL_HTTP_DEFAULTS.get(
            SdkHttpConfigurationOption.CONNECTION_TIMEOUT);
    private static final Duration READ_TIMEOUT =
        SdkHttpConfigurationOption.GLOBAL_HTTP_DEFAULTS.get(
            SdkHttpConfigurationOption.READ_TIMEOUT);

    private final Lazy<SdkHttpClient> tls;
    private final ProxyConfiguration proxy;
    private final SdkHttpClient plain;

    SchemeDispatch(Supplier<SdkHttpClient> tls, ProxyConfiguration proxy) {
      this.tls = new Lazy<>(tls);
      this.proxy = proxy;
      this.plain = UrlConnectionHttpClient.create(this::plainConnection);
    }

    @Override
    public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
      boolean secure = "https".equalsIgnoreCase(request.httpRequest().protocol());
      return (secure ? tls() : plain).prepareRequest(request);
    }

    SdkHttpClient tls() {
      return tls.getValue();
    }

    /** Whether the TLS client has been made (a test checks that plain requests never make it). */
    boolean tlsMade() {
      return tls.hasValue();
    }

    /** What the SDK's client opens for a plain-HTTP URI, with the same proxy rules. */
    HttpURLConnection plainConnection(URI uri) {
      try {
        HttpURLConnection connection;
        if (proxy.host() != null && proxied(uri)) {
          connection =
              (HttpURLConnection)
                  uri.toURL()
                      .openConnection(
                          new Proxy(
                              Proxy.Type.HTTP,
                              InetSocketAddress.createUnresolved(proxy.host(), proxy.port())));
          if (!isEmpty(proxy.username()) && !isEmpty(proxy.password())) {
            String token = proxy.username() + ":" + proxy.password();
            connection.addRequestProperty(
                "proxy-authorization",
                "Basic "
                    + Base64.getEncoder().encodeToString(token.getBytes(StandardCharsets.UTF_8)));
          }
        } else {
          connection = (HttpURLConnection) uri.toURL().openConnection();
        }
        connection.setConnectTimeout(NumericUtils.saturatedCast(CONNECT_TIMEOUT.toMillis()));
        connection.setReadTimeout(NumericUtils.saturatedCast(READ_TIMEOUT.toMillis()));
        return connection;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** The SDK's rule: no pattern of the non-proxy hosts matches the host, lower-cased. */
    private boolean proxied(URI uri) {
      String host = uri.getHost().toLowerCase(Locale.getDefault());
      return proxy.nonProxyHosts().stream().noneMatch(host::matches);
    }

    private static boolean isEmpty(String value) {
      return value == null || value.isEmpty();
    }

    @Override
    public String clientName() {
      return plain.clientName();
    }

    @Override
    public void close() {
      // Nothing to release: the JDK pools the connections.
    }
  }
}
