package dev.eksnode.amibuilder.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

/**
 * The shared HTTP client against real HTTP servers on the loopback interface: plain requests never
 * make the TLS client, and they take the proxy settings as the SDK's own client does (one server
 * plays the proxy and records what reached it).
 */
class SharedHttpClientTest {
  private static final List<String> PROXY_PROPERTIES =
      List.of("http.proxyHost", "http.proxyPort", "http.proxyUser", "http.proxyPassword");

  private HttpServer server;
  private final List<String> seen = new ArrayList<>();
  private final Map<String, String> saved = new HashMap<>();

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        exchange -> {
          synchronized (seen) {
            seen.add(
                exchange.getRequestURI()
                    + " "
                    + exchange.getRequestHeaders().getFirst("Proxy-Authorization"));
          }
          exchange.sendResponseHeaders(204, -1);
          exchange.close();
        });
    server.start();
    for (String p : PROXY_PROPERTIES) {
      saved.put(p, System.getProperty(p));
    }
  }

  @AfterEach
  void stop() {
    server.stop(0);
    saved.forEach(
        (p, v) -> {
          if (v == null) {
            System.clearProperty(p);
          } else {
            System.setProperty(p, v);
          }
        });
  }

  private String local(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  private static int get(SdkHttpClient client, String uri) throws IOException {
    SdkHttpFullRequest request =
        SdkHttpFullRequest.builder().uri(URI.create(uri)).method(SdkHttpMethod.GET).build();
    HttpExecuteResponse response =
        client.prepareRequest(HttpExecuteRequest.builder().request(request).build()).call();
    response.responseBody().ifPresent(body -> body.abort());
    return response.httpResponse().statusCode();
  }

  @Test
  void plainRequests_neverMakeTheTlsClient_httpsOnesDo() throws IOException {
    SharedHttpClient.SchemeDispatch client = SharedHttpClient.build(new DeferredTrustManager());
    assertEquals(204, get(client, local("/plain")));
    assertEquals(List.of("/plain null"), seen);
    assertFalse(client.tlsMade());
    // Nothing listens there: the connection is refused, after the TLS client was made for it.
    int closed;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = socket.getLocalPort();
    }
    String https = "https://127.0.0.1:" + closed + "/secure";
    assertThrows(IOException.class, () -> get(client, https));
    assertTrue(client.tlsMade());
  }

  /**
   * An https request goes through the TLS client and its deferred trust manager: a TLS server whose
   * self-signed certificate the JDK does not trust is refused, and the trust store was read for it.
   */
  @Test
  void httpsRequests_areJudgedByTheDeferredTrustManager(@TempDir Path dir) throws Exception {
    Path store = dir.resolve("server.p12");
    Process keytool =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-alias",
                "server",
                "-keyalg",
                "EC",
                "-dname",
                "CN=127.0.0.1",
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                store.toString(),
                "-storepass",
                "changeit")
            .redirectErrorStream(true)
            .start();
    String out = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, keytool.waitFor(), out);
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      keys.load(in, "changeit".toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, "changeit".toCharArray());
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(kmf.getKeyManagers(), null, null);
    HttpsServer tls =
        HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    tls.setHttpsConfigurator(new HttpsConfigurator(context));
    tls.createContext(
        "/",
        exchange -> {
          exchange.sendResponseHeaders(204, -1);
          exchange.close();
        });
    tls.start();
    try {
      DeferredTrustManager trust = new DeferredTrustManager();
      SharedHttpClient.SchemeDispatch client = SharedHttpClient.build(trust);
      String uri = "https://127.0.0.1:" + tls.getAddress().getPort() + "/";
      assertThrows(SSLHandshakeException.class, () -> get(client, uri));
      assertTrue(client.tlsMade());
      assertTrue(trust.loaded());
    } finally {
      tls.stop(0);
    }
  }

  @Test
  void plainRequests_takeTheProxySettingsAsTheSdksClientDoes() throws IOException {
    System.setProperty("http.proxyHost", "127.0.0.1");
    System.setProperty("http.proxyPort", Integer.toString(server.getAddress().getPort()));
    System.setProperty("http.proxyUser", "alice");
    System.setProperty("http.proxyPassword", "s3cret");
    SdkHttpClient sdk = UrlConnectionHttpClient.builder().build();
    SdkHttpClient ours = SharedHttpClient.build(new DeferredTrustManager());
    // An unresolvable host: only a proxy can answer for it.
    String target = "http://node.invalid:8080/latest?x=1";
    assertEquals(204, get(sdk, target));
    assertEquals(204, get(ours, target));
    assertEquals(2, seen.size());
    assertEquals(seen.get(0), seen.get(1));
    assertEquals("http://node.invalid:8080/latest?x=1 Basic YWxpY2U6czNjcmV0", seen.get(0));
  }

  @Test
  void withoutProxySettings_plainRequestsGoStraightToTheHost() throws IOException {
    PROXY_PROPERTIES.forEach(System::clearProperty);
    SdkHttpClient ours = SharedHttpClient.build(new DeferredTrustManager());
    assertEquals(204, get(ours, local("/direct?a=b")));
    assertEquals(List.of("/direct?a=b null"), seen);
  }
}
