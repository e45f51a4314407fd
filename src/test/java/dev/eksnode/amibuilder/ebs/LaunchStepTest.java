package dev.eksnode.amibuilder.ebs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import dev.eksnode.amibuilder.aws.AwsClientFactory;
import dev.eksnode.amibuilder.aws.Tags;
import dev.eksnode.amibuilder.aws.WaitTimeoutException;
import dev.eksnode.amibuilder.pipeline.BuildId;
import dev.eksnode.amibuilder.pipeline.BuildJournal;
import dev.eksnode.amibuilder.pipeline.Cancellation;
import dev.eksnode.amibuilder.pipeline.FakeTime;
import dev.eksnode.amibuilder.pipeline.Resource;
import dev.eksnode.amibuilder.pipeline.ResourceKind;
import dev.eksnode.amibuilder.template.AmazonEbsSettings;
import dev.eksnode.amibuilder.template.BuildSpec;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.DescribeInstancesResponse;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;
import software.amazon.awssdk.services.ec2.model.RunInstancesRequest;
import software.amazon.awssdk.services.ec2.model.RunInstancesResponse;

/**
 * RunInstances right after the build made its instance profile: EC2 calls the profile invalid until
 * IAM's change reaches it, and the launch retries that, on fake time, for a bounded while.
 */
class LaunchStepTest {
  private static final BuildId BUILD = BuildId.parse("ab-20261125T1203-7f3k2q");
  private static final String PROFILE = "ami-builder-" + BUILD.value();
  @TempDir Path tmp;

  private final FakeTime time = new FakeTime();
  private final Ec2Client ec2 = mock(Ec2Client.class);
  private final List<RunInstancesRequest> launches = new ArrayList<>();
  private final List<String> waiting = new ArrayList<>();
  private final List<Resource> created = new ArrayList<>();

  private BuildContext context(String templateProfile, boolean temporary) {
    AmazonEbsSettings settings = mock(AmazonEbsSettings.class);
    when(settings.region()).thenReturn("us-west-2");
    when(settings.launch())
        .thenReturn(
            new AmazonEbsSettings.LaunchSettings(
                "m5.large",
                List.of(),
                templateProfile,
                new AmazonEbsSettings.MetadataOptions("required", "enabled", 1),
                null,
                temporary ? "{\"Statement\":[]}" : null));
    when(settings.network())
        .thenReturn(new AmazonEbsSettings.NetworkSettings(null, null, null, List.of()));
    when(settings.tags())
        .thenReturn(new AmazonEbsSettings.TagSettings(Map.of(), Map.of(), Map.of(), Map.of()));
    BuildSpec spec = mock(BuildSpec.class);
    when(spec.settings()).thenReturn(settings);
    when(spec.renderAtBuildTime(any(), any(), any(), any()))
        .thenAnswer(call -> call.getArgument(0));
    AwsClientFactory aws = mock(AwsClientFactory.class);
    when(aws.ec2("us-west-2")).thenReturn(ec2);
    BuildEvents events =
        new BuildEvents() {
          @Override
          public void resourceCreated(Resource resource) {
            created.add(resource);
          }

          @Override
          public void waiting(String what, String state, Duration elapsed) {
            waiting.add(what + ": " + state);
          }
        };
    BuildContext ctx =
        new BuildContext(
            new BuildInputs(spec, BUILD, new Tags(BUILD.value(), "ami-builder/test"), tmp),
            aws,
            BuildJournal.create(tmp, BUILD, Clock.systemUTC()),
            Cancellation.create(),
            BuildTuning.defaults(),
            events,
            Clock.systemUTC(),
            time);
    ctx.state().source(new BuildState.SourceImage("ami-0source", "al2", null, "x86_64"));
    ctx.state().key(new BuildState.TemporaryKey(PROFILE, "key-01", null));
    ctx.state().securityGroupId("sg-01");
    ctx.state().network(new BuildState.Network("vpc-01", null));
    if (temporary) {
      ctx.state()
          .temporaryProfile(
              new BuildState.TemporaryProfile(
                  PROFILE,
                  "arn:aws:iam::123456789012:instance-profile/ami-builder/" + PROFILE,
                  PROFILE));
    }
    return ctx;
  }

  private static Ec2Exception invalidProfile() {
    return (Ec2Exception)
        Ec2Exception.builder()
            .statusCode(400)
            .awsErrorDetails(
                AwsErrorDetails.builder()
                    .errorCode("InvalidParameterValue")
                    .errorMessage(
                        "Value ("
                            + PROFILE
                            + ") for parameter iamInstanceProfile.name is invalid. Invalid IAM"
                            + " Instance Profile name")
                    .build())
            .build();
  }

  /** RunInstances answers {@code refusals} first, then launches i-0new. */
  @SuppressWarnings("unchecked")
  private void ec2Answers(RuntimeException... refusals) {
    when(ec2.runInstances(any(RunInstancesRequest.class)))
        .thenAnswer(
            call -> {
              launches.add(call.getArgument(0));
              if (launches.size() <= refusals.length) {
                throw refusals[launches.size() - 1];
              }
              return RunInstancesResponse.builder()
                  .instances(
                      Instance.builder()
                          .instanceId("i-0new")
                          .state(s -> s.name(InstanceStateName.PENDING))
                          .build())
                  .build();
            });
    when(ec2.describeInstances(any(Consumer.class)))
        .thenReturn(
            DescribeInstancesResponse.builder()
                .reservations(
                    r ->
                        r.instances(
                            i ->
                                i.instanceId("i-0new")
                                    .privateIpAddress("10.0.0.5")
                                    .state(s -> s.name(InstanceStateName.RUNNING))))
                .build());
  }

  @Test
  @Timeout(10)
  void launch_whileEc2DoesNotKnowTheNewProfile_retriesWithGrowingPausesThenLaunches()
      throws Exception {
    BuildContext ctx = context(null, true);
    ec2Answers(invalidProfile(), invalidProfile(), invalidProfile());

    new LaunchStep().run(ctx);

    assertEquals(4, launches.size());
    assertTrue(
        launches.stream().allMatch(r -> PROFILE.equals(r.iamInstanceProfile().name())),
        "every attempt names the build's profile");
    assertEquals(
        List.of(Duration.ofMillis(1000), Duration.ofMillis(1500), Duration.ofMillis(2250)),
        time.sleeps().subList(0, 3),
        "1 s, then half as long again each time");
    assertEquals("i-0new", ctx.state().instance().id());
    assertEquals(
        List.of(new Resource(ResourceKind.INSTANCE, "i-0new", "us-west-2")),
        created.stream().filter(r -> r.kind().equals(ResourceKind.INSTANCE)).toList());
    assertTrue(
        waiting.contains(
            "instance profile "
                + PROFILE
                + " known to EC2: not visible yet (InvalidParameterValue)"),
        waiting.toString());
  }

  @Test
  @Timeout(10)
  void launch_whenEc2KnowsTheProfileAtOnce_launchesWithoutAWaitLine() throws Exception {
    BuildContext ctx = context(null, true);
    ec2Answers();

    new LaunchStep().run(ctx);

    assertEquals(1, launches.size());
    assertFalse(
        waiting.stream().anyMatch(w -> w.startsWith("instance profile")), waiting.toString());
  }

  @Test
  @Timeout(10)
  void launch_whenTheProfileNeverReachesEc2_givesUpAfterTwoMinutesWithBoundedCalls() {
    BuildContext ctx = context(null, true);
    RuntimeException[] always = new RuntimeException[100];
    Arrays.fill(always, invalidProfile());
    ec2Answers(always);

    WaitTimeoutException e =
        assertThrows(WaitTimeoutException.class, () -> new LaunchStep().run(ctx));

    assertTrue(e.getMessage().contains("instance profile " + PROFILE), e.getMessage());
    Duration waited = time.sleeps().stream().reduce(Duration.ZERO, Duration::plus);
    assertEquals(LaunchStep.PROFILE_PROPAGATION, waited, "waited exactly up to the bound");
    assertTrue(launches.size() <= 25, launches.size() + " RunInstances calls");
    assertTrue(
        time.sleeps().stream().allMatch(d -> d.compareTo(Duration.ofSeconds(8)) <= 0),
        time.sleeps().toString());
    assertEquals(List.of(), created, "nothing was launched");
  }

  @Test
  @Timeout(10)
  void launch_withTheTemplatesOwnProfile_failsAtOnceOnTheSameError() {
    BuildContext ctx = context("my-profile", false);
    ec2Answers(invalidProfile());

    Ec2Exception e = assertThrows(Ec2Exception.class, () -> new LaunchStep().run(ctx));

    assertEquals("InvalidParameterValue", e.awsErrorDetails().errorCode());
    assertEquals(1, launches.size());
    assertEquals("my-profile", launches.get(0).iamInstanceProfile().name());
    assertEquals(List.of(), time.sleeps());
  }

  @Test
  @Timeout(10)
  void launch_withTheBuildsProfile_failsAtOnceOnAnotherInvalidParameter() {
    BuildContext ctx = context(null, true);
    ec2Answers(
        (Ec2Exception)
            Ec2Exception.builder()
                .statusCode(400)
                .awsErrorDetails(
                    AwsErrorDetails.builder()
                        .errorCode("InvalidParameterValue")
                        .errorMessage("Invalid value 'm5.huge' for InstanceType.")
                        .build())
                .build());

    assertThrows(Ec2Exception.class, () -> new LaunchStep().run(ctx));
    assertEquals(1, launches.size());
  }
}
