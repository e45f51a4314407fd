package dev.eksnode.amibuilder.rig;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for checkip.amazonaws.com on a free loopback port: answers every GET with one IPv4
 * address as plain text and counts the requests, so a test can tell whether a build asked.
 */
public final class CheckIpServer implements AutoCloseable {
  private final HttpServer server;
  private final AtomicInteger requests = new AtomicInteger();

  private CheckIpServer(String address) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        exchange -> {
          requests.incrementAndGet();
          byte[] body = (address + "\n").getBytes(StandardCharsets.US_ASCII);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
  }

  /** Starts a server that answers {@code address}, e.g. {@code 203.0.113.7}. */
  public static CheckIpServer answering(String address) {
    try {
      return new CheckIpServer(address);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The URL to put in {@code AMI_BUILDER_CHECKIP_URL}. */
  public URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
  }

  /** How many requests arrived so far. */
  public int requests() {
    return requests.get();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
