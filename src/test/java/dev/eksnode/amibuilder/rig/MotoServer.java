package dev.eksnode.amibuilder.rig;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running {@code moto_server} process on a loopback port. {@link MotoExtension} keeps a single
 * instance in the root extension store, so every test class in the JVM shares it and JUnit stops it
 * when the run ends.
 */
public final class MotoServer implements ExtensionContext.Store.CloseableResource, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(MotoServer.class);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final int START_ATTEMPTS = 3;

  /**
   * The images every region of this moto starts with: Amazon's minimal AL2 and AL2023 images
   * (x86_64 and arm64), which the templates' {@code source_ami_filter} finds. Without it moto loads
   * about 1,170 images per region (its whole ECS and Windows catalogue), each with a snapshot and a
   * volume, again after every reset; building that and listing those snapshots was about a third of
   * moto's CPU in the integration tests.
   */
  private static final String AMIS_RESOURCE = "/rig/moto-amis.json";

  private final Process process;
  private final URI endpoint;
  private final Path log;
  private final HttpClient http;

  private MotoServer(Process process, URI endpoint, Path log, HttpClient http) {
    this.process = process;
    this.endpoint = endpoint;
    this.log = log;
    this.http = http;
  }

  /**
   * The CPU time moto has used so far, all its threads together (Linux: /proc's utime + stime): one
   * Python process, whose interpreter runs one thread at a time however many calls it holds.
   */
  public Duration cpuTime() {
    return process
        .info()
        .totalCpuDuration()
        .orElseThrow(
            () -> new IllegalStateException("no CPU time for moto (pid " + process.pid() + ")"));
  }

  /** Starts moto from the given executable and waits until it answers HTTP. */
  public static MotoServer start(Path motoServer, Path logFile) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    MotoStartException last = null;
    // A free port found by binding port 0 can be taken by someone else before moto binds it;
    // a new port on the next attempt covers that race.
    for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
      int port = freeLoopbackPort();
      try {
        return startOn(motoServer, port, logFile, http);
      } catch (MotoStartException e) {
        last = e;
        LOG.warn("moto did not start on port {} (attempt {}): {}", port, attempt, e.getMessage());
      }
    }
    throw last;
  }

  private static MotoServer startOn(Path motoServer, int port, Path logFile, HttpClient http) {
    Process process;
    try {
      Files.createDirectories(logFile.toAbsolutePath().getParent());
      ProcessBuilder builder =
          new ProcessBuilder(
                  List.of(motoServer.toString(), "-H", "127.0.0.1", "-p", Integer.toString(port)))
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
      builder.environment().put("MOTO_AMIS_PATH", writeAmis(logFile).toString());
      process = builder.start();
    } catch (IOException e) {
      throw new MotoStartException("cannot run " + motoServer + ": " + e.getMessage(), e);
    }
    URI endpoint = URI.create("http://127.0.0.1:" + port);
    MotoServer server = new MotoServer(process, endpoint, logFile, http);
    Instant deadline = Instant.now().plus(START_TIMEOUT);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new MotoStartException(
            "moto_server exited with "
                + process.exitValue()
                + "; log "
                + logFile
                + ":\n"
                + server.logTail());
      }
      if (server.answers()) {
        LOG.info("moto_server up at {} (pid {})", endpoint, process.pid());
        return server;
      }
      sleep(Duration.ofMillis(100));
    }
    server.close();
    throw new MotoStartException(
        "moto_server did not answer within "
            + START_TIMEOUT
            + "; log "
            + logFile
            + ":\n"
            + server.logTail());
  }

  /**
   * Copies the image list beside the log, where moto can read it as a file; one file per test JVM,
   * so parallel forks never rewrite a file another moto is reading.
   */
  private static Path writeAmis(Path logFile) throws IOException {
    Path file =
        logFile
            .toAbsolutePath()
            .resolveSibling("moto-amis-" + ProcessHandle.current().pid() + ".json");
    try (var in = MotoServer.class.getResourceAsStream(AMIS_RESOURCE)) {
      if (in == null) {
        throw new IOException("test resource " + AMIS_RESOURCE + " is missing");
      }
      Files.write(file, in.readAllBytes());
    }
    return file;
  }

  public URI endpoint() {
    return endpoint;
  }

  /** Drops every resource moto holds, as a fresh server would have. */
  public void reset() {
    HttpRequest request =
        HttpRequest.newBuilder(endpoint.resolve("/moto-api/reset"))
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.noBody())
            .build();
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException(
            "moto reset answered " + response.statusCode() + ": " + response.body());
      }
    } catch (IOException e) {
      throw new IllegalStateException("moto reset failed: " + e.getMessage() + "\n" + logTail(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while resetting moto", e);
    }
  }

  private boolean answers() {
    HttpRequest request =
        HttpRequest.newBuilder(endpoint.resolve("/moto-api/"))
            .timeout(Duration.ofSeconds(2))
            .GET()
            .build();
    try {
      return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() < 500;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MotoStartException("interrupted while waiting for moto", e);
    }
  }

  private String logTail() {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(log unreadable: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private static int freeLoopbackPort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new MotoStartException("no free loopback port: " + e.getMessage(), e);
    }
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MotoStartException("interrupted while waiting for moto", e);
    }
  }

  /** moto could not be found or started; the message says what to do. */
  public static final class MotoStartException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public MotoStartException(String message) {
      super(message);
    }

    public MotoStartException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
