package dev.eksnode.amibuilder.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.pipeline.FakeTime;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ApiRateLimiterTest {
  private final FakeTime time = new FakeTime();
  private final ApiRateLimiter limiter =
      new ApiRateLimiter(new ApiRateLimiter.Bucket(2, 1), new ApiRateLimiter.Bucket(5, 10), time);

  @Test
  void reserve_withinBurst_doesNotWait() {
    for (int i = 0; i < 5; i++) {
      assertEquals(Duration.ZERO, limiter.reserve("us-west-2", "DescribeInstances"));
    }
  }

  @Test
  void reserve_beyondBurst_queuesCallersAtTheRefillRate() {
    limiter.reserve("us-west-2", "CreateTags");
    limiter.reserve("us-west-2", "CreateTags");

    assertEquals(Duration.ofSeconds(1), limiter.reserve("us-west-2", "CreateTags"));
    assertEquals(Duration.ofSeconds(2), limiter.reserve("us-west-2", "CreateTags"));
  }

  @Test
  void buckets_areSeparatePerAction_soOneBusyActionDoesNotHoldUpAnother() {
    limiter.reserve("us-west-2", "CreateTags");
    limiter.reserve("us-west-2", "CreateTags");
    assertTrue(limiter.reserve("us-west-2", "CreateTags").compareTo(Duration.ZERO) > 0);

    assertEquals(Duration.ZERO, limiter.reserve("us-west-2", "RunInstances"));
    assertEquals(Duration.ZERO, limiter.reserve("us-west-2", "TerminateInstances"));
  }

  @Test
  void eightBuildsMutatingCalls_doNotWaitWithTheDefaults() {
    ApiRateLimiter ec2 =
        new ApiRateLimiter(
            new ApiRateLimiter.Bucket(40, 5), new ApiRateLimiter.Bucket(80, 16), time);
    java.util.List<String> oneBuild =
        java.util.List.of(
            "ImportKeyPair",
            "CreateSecurityGroup",
            "AuthorizeSecurityGroupIngress",
            "RunInstances",
            "StopInstances",
            "CreateImage",
            "CreateTags",
            "CreateTags",
            "CreateTags",
            "TerminateInstances",
            "DeleteKeyPair",
            "DeleteSecurityGroup");
    for (int build = 0; build < 8; build++) {
      for (String action : oneBuild) {
        assertEquals(
            Duration.ZERO, ec2.reserve("us-west-2", action), action + " of build " + build);
      }
    }
  }

  @Test
  void reserve_afterIdleTime_refillsUpToCapacityOnly() {
    limiter.reserve("us-west-2", "RunInstances");
    limiter.reserve("us-west-2", "RunInstances");
    time.advance(Duration.ofMinutes(10));

    assertEquals(Duration.ZERO, limiter.reserve("us-west-2", "RunInstances"));
    assertEquals(Duration.ZERO, limiter.reserve("us-west-2", "RunInstances"));
    assertTrue(limiter.reserve("us-west-2", "RunInstances").compareTo(Duration.ZERO) > 0);
  }

  @Test
  void buckets_areSeparatePerRegionAndForDescribeCalls() {
    limiter.reserve("us-west-2", "RunInstances");
    limiter.reserve("us-west-2", "RunInstances");

    assertEquals(Duration.ZERO, limiter.reserve("eu-west-1", "RunInstances"));
    assertEquals(Duration.ZERO, limiter.reserve("us-west-2", "DescribeImages"));
  }

  @Test
  void acquire_sleepsForTheReservationAndCountsCalls() throws Exception {
    for (int i = 0; i < 4; i++) {
      limiter.acquire("us-west-2", "CreateSecurityGroup");
    }

    // Burst of two, then one per second: the fourth call goes out two seconds after the first.
    assertEquals(Duration.ofSeconds(2), time.elapsed());
    assertEquals(Map.of("CreateSecurityGroup", 4L), limiter.callCounts());
  }

  @Test
  void eightBuildsPolling_stayUnderTheDescribeRate() {
    ApiRateLimiter ec2 =
        new ApiRateLimiter(
            new ApiRateLimiter.Bucket(40, 5), new ApiRateLimiter.Bucket(80, 16), time);
    Duration lastWait = Duration.ZERO;
    for (int i = 0; i < 160; i++) {
      lastWait = ec2.reserve("us-west-2", "DescribeInstances");
    }
    // 80 beyond the burst at 16 per second: the last caller waits five seconds, nobody is refused.
    assertEquals(Duration.ofSeconds(5), lastWait);
  }

  @Test
  void isReadOnly_classifiesByVerb() {
    assertTrue(ApiRateLimiter.isReadOnly("DescribeSnapshots"));
    assertTrue(ApiRateLimiter.isReadOnly("GetConsoleOutput"));
    assertTrue(!ApiRateLimiter.isReadOnly("DeregisterImage"));
  }
}
