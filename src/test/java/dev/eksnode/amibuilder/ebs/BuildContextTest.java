package dev.eksnode.amibuilder.ebs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import dev.eksnode.amibuilder.aws.AwsClientFactory;
import dev.eksnode.amibuilder.aws.Tags;
import dev.eksnode.amibuilder.pipeline.BuildId;
import dev.eksnode.amibuilder.pipeline.BuildJournal;
import dev.eksnode.amibuilder.pipeline.Cancellation;
import dev.eksnode.amibuilder.pipeline.FakeTime;
import dev.eksnode.amibuilder.template.AmazonEbsSettings;
import dev.eksnode.amibuilder.template.BuildSpec;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.DescribeInstancesResponse;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;

class BuildContextTest {
  private static final BuildId BUILD = BuildId.parse("ab-20261125T1203-7f3k2q");
  @TempDir Path tmp;

  private final FakeTime time = new FakeTime();
  private final Ec2Client ec2 = mock(Ec2Client.class);

  private BuildContext context() {
    AmazonEbsSettings settings = mock(AmazonEbsSettings.class);
    when(settings.region()).thenReturn("us-west-2");
    BuildSpec spec = mock(BuildSpec.class);
    when(spec.settings()).thenReturn(settings);
    AwsClientFactory aws = mock(AwsClientFactory.class);
    when(aws.ec2("us-west-2")).thenReturn(ec2);
    return new BuildContext(
        new BuildInputs(spec, BUILD, new Tags(BUILD.value(), "ami-builder/test"), tmp),
        aws,
        BuildJournal.create(tmp, BUILD, Clock.systemUTC()),
        Cancellation.create(),
        BuildTuning.defaults(),
        BuildEvents.none(),
        Clock.systemUTC(),
        time);
  }

  private static DescribeInstancesResponse instance(InstanceStateName state) {
    return DescribeInstancesResponse.builder()
        .reservations(r -> r.instances(i -> i.instanceId("i-0abc").state(s -> s.name(state))))
        .build();
  }

  @Test
  @Timeout(5)
  @SuppressWarnings("unchecked")
  void stopStep_waitsOnTheContextsInjectedTime() throws Exception {
    BuildContext ctx = context();
    ctx.state()
        .instance(
            new BuildState.LaunchedInstance("i-0abc", List.of(), null, "10.0.0.1", null, null));
    when(ec2.describeInstances(any(Consumer.class)))
        .thenReturn(
            instance(InstanceStateName.STOPPING),
            instance(InstanceStateName.STOPPING),
            instance(InstanceStateName.STOPPED));

    long wallStart = System.nanoTime();
    new StopStep().run(ctx);

    assertEquals(
        2, time.sleeps().size(), "one pause per poll that saw 'stopping': " + time.sleeps());
    Duration waited = time.sleeps().stream().reduce(Duration.ZERO, Duration::plus);
    assertEquals(waited, time.elapsed());
    assertTrue(
        Duration.ofNanos(System.nanoTime() - wallStart).compareTo(waited) < 0,
        "the pauses were not real sleeps: " + waited);
  }

  @Test
  void undoRetry_pausesOnTheInjectedTime() throws Exception {
    int[] calls = {0};
    context()
        .waits()
        .undoRetry()
        .run(
            "delete something",
            () -> {
              if (++calls[0] < 3) {
                throw Ec2Exception.builder().statusCode(503).build();
              }
            });
    assertEquals(3, calls[0]);
    assertEquals(2, time.sleeps().size());
  }
}
