package dev.eksnode.amibuilder.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.eksnode.amibuilder.aws.ApiRateLimiter;
import dev.eksnode.amibuilder.aws.AwsClientFactory;
import dev.eksnode.amibuilder.aws.AwsSettings;
import dev.eksnode.amibuilder.remote.Ed25519Keys;
import dev.eksnode.amibuilder.remote.HostKeyPolicy;
import dev.eksnode.amibuilder.remote.LineSink;
import dev.eksnode.amibuilder.remote.SshSession;
import dev.eksnode.amibuilder.remote.SshTarget;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.keyprovider.SimpleGeneratorHostKeyProvider;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The training run behind {@code bin/ami-builder}'s class-data-sharing archive: the launcher runs
 * it once under {@code -XX:DumpLoadedClassList} when the jar is new and dumps the classes listed
 * into a static archive ({@code -Xshare:dump}), so the archive holds the classes of every command
 * rather than only those of whichever command happened to run first. It goes through the code paths
 * a start-up and a build load: the help, {@code validate} and {@code vars} on the shipped template,
 * AWS clients from {@link AwsClientFactory} calling a canned endpoint on the loopback interface,
 * and an SSH session ({@link SshSession}) to an in-process server on the loopback interface.
 * Nothing leaves this machine and nothing is printed; any failure only makes the archive smaller.
 */
public final class CdsTraining {
  private static final Pattern ACTION = Pattern.compile("Action=([A-Za-z]+)");

  private CdsTraining() {}

  public static void main(String[] args) {
    train();
    System.exit(0);
  }

  /** What a training run got through; a test checks that every part still runs. */
  record Report(List<Integer> exitCodes, int awsRequests, List<Integer> sshExitCodes) {}

  static Report train() {
    PrintWriter none =
        new PrintWriter(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
    Path home = Home.locate(System.getenv());
    CliContext ctx =
        new CliContext(none, none, Map.of(), Clock.systemDefaultZone(), home, home, null);
    List<Integer> codes = new ArrayList<>();
    for (String[] command : COMMANDS) {
      quietly(() -> codes.add(Main.run(ctx, command)));
    }
    AtomicInteger requests = new AtomicInteger();
    quietly(() -> aws(requests));
    List<Integer> ssh = new ArrayList<>();
    quietly(() -> ssh(ssh));
    return new Report(codes, requests.get(), ssh);
  }

  /** The commands run, the last one failing on purpose (the error path loads classes too). */
  static final String[][] COMMANDS = {
    {"--help"},
    {"k8s", "--help"},
    {"validate", "--kubernetes-version", "1.23.16"},
    {"vars", "--kubernetes-version", "1.23.16"},
    {"validate", "--kubernetes-version", "nonsense"},
  };

  private interface Work {
    void run() throws Exception;
  }

  private static void quietly(Work work) {
    try {
      work.run();
    } catch (Exception | LinkageError e) {
      // Training only: whatever ran is in the archive.
    }
  }

  private static void aws(AtomicInteger requests) throws Exception {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        exchange -> {
          requests.incrementAndGet();
          answer(exchange);
        });
    server.start();
    try (AwsClientFactory aws =
        new AwsClientFactory(
            AwsSettings.of("us-west-2")
                .withEndpointOverride(
                    URI.create("http://127.0.0.1:" + server.getAddress().getPort()))
                .withMaxAttempts(1),
            ApiRateLimiter.ec2Defaults(),
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTRAINING", "x")))) {
      quietly(() -> aws.ec2().describeImages(r -> r.owners("self")));
      quietly(() -> aws.ec2().describeVpcs(r -> r.vpcIds("vpc-1")));
      quietly(() -> aws.s3("us-west-2").headObject(r -> r.bucket("b").key("k")));
      quietly(() -> aws.s3("us-west-2").listObjectsV2(r -> r.bucket("b").prefix("p")));
      quietly(() -> aws.sts("us-west-2").getCallerIdentity());
      quietly(() -> aws.eks("us-west-2").describeCluster(r -> r.name("c")));
      quietly(() -> aws.iam("us-west-2").getInstanceProfile(r -> r.instanceProfileName("p")));
    } finally {
      server.stop(0);
    }
  }

  private static void answer(HttpExchange exchange) throws IOException {
    byte[] body;
    try (InputStream in = exchange.getRequestBody()) {
      body = in.readAllBytes();
    }
    Matcher action = ACTION.matcher(new String(body, StandardCharsets.UTF_8));
    String text =
        action.find()
            ? "<"
                + action.group(1)
                + "Response xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>t</requestId></"
                + action.group(1)
                + "Response>"
            : "";
    byte[] out = text.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "text/xml");
    if ("HEAD".equals(exchange.getRequestMethod()) || out.length == 0) {
      exchange.sendResponseHeaders(200, -1);
    } else {
      exchange.sendResponseHeaders(200, out.length);
      exchange.getResponseBody().write(out);
    }
    exchange.close();
  }

  private static void ssh(List<Integer> exitCodes) throws Exception {
    Ed25519Keys.GeneratedKey key = Ed25519Keys.generate();
    SshServer server = SshServer.setUpDefaultServer();
    server.setHost("127.0.0.1");
    server.setPort(0);
    server.setKeyPairProvider(new SimpleGeneratorHostKeyProvider());
    server.setPublickeyAuthenticator(
        (user, offered, session) -> offered.equals(key.keyPair().getPublic()));
    server.setCommandFactory((channel, command) -> new TrainingCommand());
    server.start();
    try (SshSession ssh =
        SshSession.connect(
            SshTarget.of("127.0.0.1", server.getPort(), "training", key.keyPair())
                .withConnectTimeout(Duration.ofSeconds(5)),
            HostKeyPolicy.trustOnFirstUse(),
            null)) {
      exitCodes.add(ssh.exec("true", LineSink.discard()).exitStatus());
      exitCodes.add(
          ssh.execWithInput("cat", stdin -> stdin.write(new byte[] {1, 2, 3}), LineSink.discard())
              .exitStatus());
    } finally {
      server.stop(true);
    }
  }

  /** Reads its input, writes a line, exits 0. */
  private static final class TrainingCommand implements org.apache.sshd.server.command.Command {
    private InputStream in;
    private OutputStream out;
    private org.apache.sshd.server.ExitCallback exit;

    @Override
    public void setInputStream(InputStream in) {
      this.in = in;
    }

    @Override
    public void setOutputStream(OutputStream out) {
      this.out = out;
    }

    @Override
    public void setErrorStream(OutputStream err) {}

    @Override
    public void setExitCallback(org.apache.sshd.server.ExitCallback callback) {
      this.exit = callback;
    }

    @Override
    public void start(
        org.apache.sshd.server.channel.ChannelSession channel,
        org.apache.sshd.server.Environment env) {
      Thread worker =
          new Thread(
              () -> {
                try {
                  in.transferTo(OutputStream.nullOutputStream());
                  out.write("done\n".getBytes(StandardCharsets.US_ASCII));
                  out.flush();
                } catch (IOException e) {
                  // the session went away
                }
                exit.onExit(0);
              });
      worker.setDaemon(true);
      worker.start();
    }

    @Override
    public void destroy(org.apache.sshd.server.channel.ChannelSession channel) {}
  }
}
