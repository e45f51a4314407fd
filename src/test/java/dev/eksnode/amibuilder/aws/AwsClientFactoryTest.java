package dev.eksnode.amibuilder.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.pipeline.FakeTime;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.s3.S3Client;

class AwsClientFactoryTest {
  private static final URI MOTO = URI.create("http://127.0.0.1:5000");

  private final ApiRateLimiter limiter =
      new ApiRateLimiter(
          new ApiRateLimiter.Bucket(10, 1), new ApiRateLimiter.Bucket(10, 1), new FakeTime());
  private final AwsSettings settings =
      AwsSettings.of("us-west-2")
          .withEndpointOverride(MOTO)
          .withTimeouts(Duration.ofSeconds(90), Duration.ofSeconds(20))
          .withMaxAttempts(7);

  @Test
  void ec2_appliesRegionEndpointTimeoutsRetriesAndTheRateLimiter() {
    try (AwsClientFactory factory = new AwsClientFactory(settings, limiter)) {
      Ec2Client ec2 = factory.ec2("eu-west-1");

      assertEquals(Region.EU_WEST_1, ec2.serviceClientConfiguration().region());
      assertEquals(Optional.of(MOTO), ec2.serviceClientConfiguration().endpointOverride());
      ClientOverrideConfiguration override =
          ec2.serviceClientConfiguration().overrideConfiguration();
      assertEquals(Optional.of(Duration.ofSeconds(90)), override.apiCallTimeout());
      assertEquals(Optional.of(Duration.ofSeconds(20)), override.apiCallAttemptTimeout());
      RetryStrategy retry = override.retryStrategy().orElseThrow();
      assertEquals(7, retry.maxAttempts());
      assertTrue(override.executionInterceptors().contains(limiter.interceptor()));
    }
  }

  @Test
  void otherServices_areNotRateLimitedButShareSettings() {
    try (AwsClientFactory factory = new AwsClientFactory(settings, limiter)) {
      S3Client s3 = factory.s3("us-east-1");

      assertEquals(Region.US_EAST_1, s3.serviceClientConfiguration().region());
      assertEquals(Optional.of(MOTO), s3.serviceClientConfiguration().endpointOverride());
      assertFalse(
          s3.serviceClientConfiguration()
              .overrideConfiguration()
              .executionInterceptors()
              .contains(limiter.interceptor()));
      assertEquals(
          Region.US_WEST_2, factory.sts("us-west-2").serviceClientConfiguration().region());
      assertEquals(
          Region.US_WEST_2, factory.eks("us-west-2").serviceClientConfiguration().region());
    }
  }

  @Test
  void iam_isOneClientPerPartitionAtItsGlobalRegion_withTheEndpointOverride() {
    try (AwsClientFactory factory = new AwsClientFactory(settings, limiter)) {
      IamClient iam = factory.iam("us-west-2");

      assertEquals(Region.AWS_GLOBAL, iam.serviceClientConfiguration().region());
      assertEquals(Optional.of(MOTO), iam.serviceClientConfiguration().endpointOverride());
      assertSame(iam, factory.iam("eu-central-1"), "one IAM for the partition");
      assertNotSame(iam, factory.iam("cn-north-1"));
      assertFalse(
          iam.serviceClientConfiguration()
              .overrideConfiguration()
              .executionInterceptors()
              .contains(limiter.interceptor()));
    }
    assertEquals("aws-cn-global", AwsClientFactory.iamRegion("cn-northwest-1"));
    assertEquals("aws-us-gov-global", AwsClientFactory.iamRegion("us-gov-west-1"));
    assertEquals("aws-global", AwsClientFactory.iamRegion("eu-west-1"));
    assertEquals("aws-global", AwsClientFactory.iamRegion("moto-local-1"), "an unknown region");
  }

  @Test
  void clients_areCachedPerServiceAndRegion() {
    try (AwsClientFactory factory = new AwsClientFactory(settings, limiter)) {
      assertSame(factory.ec2("us-west-2"), factory.ec2());
      assertNotSame(factory.ec2("us-west-2"), factory.ec2("eu-west-1"));
    }
  }

  @Test
  void clients_requestedConcurrently_areCreatedOnce() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try (AwsClientFactory factory = new AwsClientFactory(settings, limiter)) {
      List<Callable<Ec2Client>> tasks = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        tasks.add(() -> factory.ec2("ap-south-1"));
      }
      List<Future<Ec2Client>> results = pool.invokeAll(tasks);
      for (Future<Ec2Client> result : results) {
        assertSame(results.get(0).get(), result.get());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void close_refusesFurtherClients() {
    AwsClientFactory factory = new AwsClientFactory(settings.withProfile("build"), limiter);
    factory.ec2();
    factory.close();

    assertThrows(IllegalStateException.class, factory::ec2);
  }

  @Test
  void settings_rejectNonsense() {
    assertThrows(IllegalArgumentException.class, () -> AwsSettings.of(" "));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            AwsSettings.of("us-west-2")
                .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(10)));
    assertThrows(
        IllegalArgumentException.class, () -> AwsSettings.of("us-west-2").withMaxAttempts(0));
  }
}
