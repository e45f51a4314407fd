package dev.eksnode.amibuilder.ebs;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Finds the caller's public IPv4 address through a check-IP endpoint that answers it as plain text.
 */
public final class CallerIp {
  private CallerIp() {}

  /**
   * The caller's address as a {@code /32} CIDR.
   *
   * @throws PreflightException when the endpoint cannot be reached or answers something else than
   *     an IPv4 address; the message tells how to avoid the lookup
   */
  public static String lookup(URI endpoint) throws InterruptedException {
    String hint =
        "; set temporary_security_group_source_cidrs to the address range the build may SSH from";
    String body;
    try {
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      HttpResponse<String> response =
          client.send(
              HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(10)).GET().build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new PreflightException(
            "cannot find this machine's public address: "
                + endpoint
                + " answered HTTP "
                + response.statusCode()
                + hint);
      }
      body = response.body().strip();
    } catch (IOException e) {
      throw new PreflightException(
          "cannot find this machine's public address: "
              + endpoint
              + " failed ("
              + e.getClass().getSimpleName()
              + (e.getMessage() == null ? "" : ": " + e.getMessage())
              + ")"
              + hint);
    }
    if (!body.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
      throw new PreflightException(
          "cannot find this machine's public address: "
              + endpoint
              + " did not answer an IPv4 address"
              + hint);
    }
    try {
      InetAddress.getByName(body);
    } catch (UnknownHostException e) {
      throw new PreflightException(
          "cannot find this machine's public address: '" + body + "' is not valid" + hint);
    }
    return body + "/32";
  }
}
