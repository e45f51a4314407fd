package dev.eksnode.amibuilder.aws;

import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

/**
 * The one HTTP client behind every AWS client of the JVM. The URL-connection client keeps no
 * connections or threads of its own (the JDK pools connections), so one serves every service,
 * region and build at once; what it does hold is a TLS context, whose making reads the JDK's trust
 * store, some 100 ms that each client would otherwise pay again (EC2, S3 and STS per region and per
 * build of a matrix). Never closed: there is nothing to release.
 */
final class SharedHttpClient {
  private static volatile SdkHttpClient client;

  private SharedHttpClient() {}

  /** The client, made on first use (by {@link SdkWarmUp} on its thread, in a build). */
  static SdkHttpClient get() {
    SdkHttpClient c = client;
    if (c == null) {
      synchronized (SharedHttpClient.class) {
        c = client;
        if (c == null) {
          c = UrlConnectionHttpClient.builder().build();
          client = c;
        }
      }
    }
    return c;
  }
}
