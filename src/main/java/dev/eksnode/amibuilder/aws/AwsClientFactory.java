package dev.eksnode.amibuilder.aws;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkClient;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.regions.PartitionMetadata;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.RegionMetadata;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.eks.EksClient;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * The only place AWS clients are made: one client per service and region per run, created on first
 * use (so {@code --help} and {@code validate} never pay for SDK start-up), all closed with the
 * factory. Thread safe; concurrent builds share one factory and therefore one {@link
 * ApiRateLimiter}.
 */
public final class AwsClientFactory implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AwsClientFactory.class);

  private record Key(String service, String region) {}

  private final AwsSettings settings;
  private final ApiRateLimiter limiter;
  private final AwsCredentialsProvider credentials;
  // Null (the shared URL-connection client) but for SdkWarmUp's canned answers.
  private final SdkHttpClient http;
  private final Map<Key, SdkClient> clients = new ConcurrentHashMap<>();
  private final Map<String, S3Presigner> presigners = new ConcurrentHashMap<>();
  private volatile boolean closed;

  public AwsClientFactory(AwsSettings settings, ApiRateLimiter limiter) {
    this(
        settings,
        limiter,
        settings.profile() != null
            ? ProfileCredentialsProvider.builder().profileName(settings.profile()).build()
            : DefaultCredentialsProvider.builder().build());
  }

  /**
   * With explicit credentials: the CLI resolves them from its own environment map (not the process
   * environment), so an in-process run sees exactly the variables it was given.
   */
  public AwsClientFactory(
      AwsSettings settings, ApiRateLimiter limiter, AwsCredentialsProvider credentials) {
    this(settings, limiter, credentials, null);
  }

  private AwsClientFactory(
      AwsSettings settings,
      ApiRateLimiter limiter,
      AwsCredentialsProvider credentials,
      SdkHttpClient http) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.limiter = Objects.requireNonNull(limiter, "limiter");
    this.credentials = Objects.requireNonNull(credentials, "credentials");
    this.http = http;
  }

  public AwsSettings settings() {
    return settings;
  }

  public ApiRateLimiter rateLimiter() {
    return limiter;
  }

  /** EC2 in {@code region}; its calls pass through the shared rate limiter. */
  public Ec2Client ec2(String region) {
    return client(
        "ec2", region, Ec2Client.class, () -> configure(Ec2Client.builder(), region, true).build());
  }

  public Ec2Client ec2() {
    return ec2(settings.region());
  }

  /**
   * S3 in {@code region}. Not rate limited: S3 scales per prefix and the preflight checks many
   * binaries at once. Path-style addressing with an endpoint override, since emulators serve one
   * host name.
   */
  public S3Client s3(String region) {
    return client(
        "s3",
        region,
        S3Client.class,
        () ->
            configure(S3Client.builder(), region, false)
                .forcePathStyle(settings.endpointOverride() != null)
                .build());
  }

  /**
   * Signs S3 URLs for {@code region} with this factory's credentials, locally (no call is made).
   * With {@code endpoint} (an emulator or another S3-compatible endpoint) the URLs go there,
   * path-style as {@link #s3} addresses it; null signs for S3's own endpoint of the region.
   */
  public S3Presigner s3Presigner(String region, URI endpoint) {
    if (region == null || region.isBlank()) {
      throw new IllegalArgumentException("region must be set for the S3 presigner");
    }
    ensureOpen();
    S3Presigner presigner =
        presigners.computeIfAbsent(
            region + " " + endpoint,
            key -> {
              S3Presigner.Builder builder =
                  S3Presigner.builder()
                      .region(Region.of(region))
                      .credentialsProvider(credentials)
                      .serviceConfiguration(
                          S3Configuration.builder()
                              .pathStyleAccessEnabled(endpoint != null)
                              .build());
              if (endpoint != null) {
                builder.endpointOverride(endpoint);
              }
              return builder.build();
            });
    if (closed) {
      presigner.close();
      ensureOpen();
    }
    return presigner;
  }

  public EksClient eks(String region) {
    return client(
        "eks",
        region,
        EksClient.class,
        () -> configure(EksClient.builder(), region, false).build());
  }

  public StsClient sts(String region) {
    return client(
        "sts",
        region,
        StsClient.class,
        () -> configure(StsClient.builder(), region, false).build());
  }

  /**
   * IAM for the partition {@code region} belongs to. IAM is global: one endpoint per partition,
   * signed for the partition's global region ({@code aws-global}, {@code aws-cn-global}, {@code
   * aws-us-gov-global}, ...), so builds in several regions of a partition share one client. A
   * region the SDK does not know (an emulator's) counts as the commercial partition. Not rate
   * limited (the limiter models EC2's buckets; a build makes a handful of IAM calls). An endpoint
   * override applies as for every service (moto serves IAM on its one port).
   */
  public IamClient iam(String region) {
    String global = iamRegion(region);
    return client(
        "iam",
        global,
        IamClient.class,
        () -> configure(IamClient.builder(), global, false).build());
  }

  /** The signing region of IAM in {@code region}'s partition, e.g. {@code aws-cn-global}. */
  public static String iamRegion(String region) {
    RegionMetadata metadata =
        region == null || region.isBlank() ? null : RegionMetadata.of(Region.of(region));
    PartitionMetadata partition = metadata == null ? null : metadata.partition();
    String id = partition == null ? "aws" : partition.id();
    Region global = Region.of(id + "-global");
    return Region.regions().contains(global) ? global.id() : Region.AWS_GLOBAL.id();
  }

  private <T extends SdkClient> T client(
      String service, String region, Class<T> type, Supplier<T> create) {
    if (region == null || region.isBlank()) {
      throw new IllegalArgumentException("region must be set for " + service);
    }
    ensureOpen();
    SdkClient client =
        clients.computeIfAbsent(
            new Key(service, region),
            key -> {
              log.debug("Creating {} client [region={}]", service, region);
              return create.get();
            });
    // close() may have run between the check and the creation; do not hand out a client nobody will
    // close.
    if (closed) {
      client.close();
      ensureOpen();
    }
    return type.cast(client);
  }

  private <B extends AwsClientBuilder<B, ?> & AwsSyncClientBuilder<B, ?>> B configure(
      B builder, String region, boolean rateLimited) {
    ClientOverrideConfiguration.Builder override =
        ClientOverrideConfiguration.builder()
            .apiCallTimeout(settings.apiCallTimeout())
            .apiCallAttemptTimeout(settings.apiCallAttemptTimeout())
            .retryStrategy(
                AwsRetryStrategy.standardRetryStrategy().toBuilder()
                    .maxAttempts(settings.maxAttempts())
                    .build());
    if (rateLimited) {
      override.addExecutionInterceptor(limiter.interceptor());
    }
    override.addExecutionInterceptor(new UnreachableEndpoint());
    builder
        .region(Region.of(region))
        .credentialsProvider(credentials)
        .overrideConfiguration(override.build());
    if (settings.endpointOverride() != null) {
      builder.endpointOverride(settings.endpointOverride());
    }
    // The URL-connection client starts fast and has no thread pools to shut down; set it explicitly
    // because the Apache client also comes onto the class path with the service modules. One for
    // the whole JVM: the SDK does not close a client it was handed.
    builder.httpClient(http != null ? http : SharedHttpClient.get());
    return builder;
  }

  /**
   * An EC2 client made exactly as {@link #ec2(String)} makes one, but sending its requests to
   * {@code http}: {@link SdkWarmUp} runs the request path on canned answers with it. The caller
   * closes it.
   */
  static Ec2Client ec2Over(SdkHttpClient http, AwsCredentialsProvider credentials) {
    AwsClientFactory factory =
        new AwsClientFactory(
            AwsSettings.of("us-east-1").withMaxAttempts(1),
            ApiRateLimiter.ec2Defaults(),
            credentials,
            http);
    return factory.configure(Ec2Client.builder(), "us-east-1", true).build();
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("AWS client factory is closed");
    }
  }

  /** Closes every client made and the credentials provider. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    List<SdkClient> all = new ArrayList<>(clients.values());
    clients.clear();
    presigners.values().forEach(S3Presigner::close);
    presigners.clear();
    for (SdkClient client : all) {
      try {
        client.close();
      } catch (RuntimeException e) {
        log.debug("Closing {} failed: {}", client.serviceName(), e.toString());
      }
    }
    if (credentials instanceof SdkAutoCloseable closeable) {
      closeable.close();
    }
  }
}
