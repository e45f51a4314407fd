package dev.eksnode.amibuilder.rig;

import dev.eksnode.amibuilder.rig.MotoServer.MotoStartException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.eks.EksClient;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sts.StsClient;

/**
 * Gives tests a real moto server: one process per JVM (shared by all test classes through the root
 * store), state reset before every test.
 *
 * <pre>
 * &#64;RegisterExtension static final MotoExtension MOTO = new MotoExtension();
 * try (Ec2Client ec2 = MOTO.ec2()) { ec2.describeKeyPairs(); }
 * </pre>
 *
 * Alternatively {@code @ExtendWith(MotoExtension.class)} and a {@link MotoServer} parameter.
 *
 * <p>moto is found through the system property {@value #MOTO_PROPERTY}, then the environment
 * variable {@value #MOTO_ENV} (both set by {@code bin/run-tests}), then {@code
 * .rig/venv/bin/moto_server} under the project directory.
 */
public final class MotoExtension
    implements BeforeAllCallback, BeforeEachCallback, ParameterResolver {

  public static final String MOTO_PROPERTY = "amibuilder.moto";
  public static final String MOTO_ENV = "AMIBUILDER_MOTO";
  public static final Region DEFAULT_REGION = Region.US_EAST_1;

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(MotoExtension.class);
  private static final String SERVER_KEY = "moto-server";

  private MotoServer server;

  @Override
  public void beforeAll(ExtensionContext context) {
    server = serverFor(context);
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    serverFor(context).reset();
  }

  @Override
  public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext context) {
    return parameterContext.getParameter().getType() == MotoServer.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameterContext, ExtensionContext context) {
    return serverFor(context);
  }

  /** The moto endpoint, e.g. {@code http://127.0.0.1:40123}. */
  public URI endpoint() {
    return server().endpoint();
  }

  public MotoServer server() {
    if (server == null) {
      throw new IllegalStateException(
          "MotoExtension is not started: register it on a static field with @RegisterExtension");
    }
    return server;
  }

  public Ec2Client ec2() {
    return ec2(DEFAULT_REGION);
  }

  public Ec2Client ec2(Region region) {
    return client(Ec2Client.builder(), region);
  }

  public EcrClient ecr(Region region) {
    return client(EcrClient.builder(), region);
  }

  public EksClient eks(Region region) {
    return client(EksClient.builder(), region);
  }

  /** IAM, global: signed for aws-global. */
  public IamClient iam() {
    return client(IamClient.builder(), Region.AWS_GLOBAL);
  }

  public StsClient sts(Region region) {
    return client(StsClient.builder(), region);
  }

  public S3Client s3(Region region) {
    // Path-style keeps bucket names out of the host name, which is a bare loopback address here.
    return configure(S3Client.builder().forcePathStyle(true), endpoint(), region);
  }

  /** Any SDK v2 client pointed at moto. The caller closes it. */
  public <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C client(
      B builder, Region region) {
    return configure(builder, endpoint(), region);
  }

  /**
   * Points an SDK v2 client builder at {@code endpoint} (moto, or a {@link FaultProxy} in front of
   * it) with dummy static credentials and the URL-connection HTTP client, then builds it. It uses
   * the SDK's standard retry strategy (3 attempts; EC2's legacy default would make 4), as the
   * product's client factory does, so fault tests see the real retries.
   */
  public static <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C configure(
      B builder, URI endpoint, Region region) {
    return builder
        .endpointOverride(endpoint)
        .region(region)
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing")))
        .httpClientBuilder(UrlConnectionHttpClient.builder())
        .overrideConfiguration(
            ClientOverrideConfiguration.builder()
                .retryStrategy(RetryMode.STANDARD)
                .apiCallTimeout(Duration.ofSeconds(60))
                .build())
        .build();
  }

  private static MotoServer serverFor(ExtensionContext context) {
    return context
        .getRoot()
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent(SERVER_KEY, key -> startServer(), MotoServer.class);
  }

  /** Starts a moto server outside JUnit (for test-scope tools); the caller closes it. */
  public static MotoServer startServer() {
    Path project = projectDir();
    Path executable =
        locateMoto(System.getProperty(MOTO_PROPERTY), System.getenv(MOTO_ENV), project);
    return MotoServer.start(executable, project.resolve("target/moto-server.log"));
  }

  static Path projectDir() {
    String configured = System.getProperty("amibuilder.projectDir");
    return Path.of(configured != null ? configured : System.getProperty("user.dir"))
        .toAbsolutePath();
  }

  static Path locateMoto(String property, String environment, Path project) {
    String configured = property;
    String source = "system property " + MOTO_PROPERTY;
    if (configured == null || configured.isBlank()) {
      configured = environment;
      source = "environment variable " + MOTO_ENV;
    }
    if (configured != null && !configured.isBlank()) {
      Path path = Path.of(configured);
      if (!Files.isExecutable(path)) {
        throw new MotoStartException(
            source
                + " names "
                + path
                + ", which is not an executable moto_server; run bin/run-tests");
      }
      return path;
    }
    Path venv = project.resolve(".rig/venv/bin/moto_server");
    if (Files.isExecutable(venv)) {
      return venv;
    }
    throw new MotoStartException(
        "moto_server not found (no "
            + MOTO_PROPERTY
            + " property, no "
            + MOTO_ENV
            + " variable, no "
            + venv
            + "): run bin/run-tests once to install it");
  }
}
