package dev.eksnode.amibuilder.ebs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.aws.AwsErrors;
import dev.eksnode.amibuilder.pipeline.CleanupReport;
import dev.eksnode.amibuilder.pipeline.FakeTime;
import dev.eksnode.amibuilder.pipeline.Resource;
import dev.eksnode.amibuilder.pipeline.ResourceKind;
import dev.eksnode.amibuilder.pipeline.ResourceLedger;
import dev.eksnode.amibuilder.pipeline.Retry;
import dev.eksnode.amibuilder.pipeline.UndoReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;

class CreateAttemptTest {
  private static final String REGION = "us-west-2";

  private final FakeTime time = new FakeTime();
  private final UndoReport report = new UndoReport(ResourceLedger.none());
  private final List<Resource> journaled = new ArrayList<>();
  private final AtomicInteger lookups = new AtomicInteger();

  @AfterEach
  void clearInterrupt() {
    Thread.interrupted();
  }

  private CreateAttempt attempt(ResourceKind kind, CreateAttempt.Lookup lookup) {
    Retry retry =
        new Retry(
            new Retry.Policy(
                4, Duration.ofMillis(10), Duration.ofMillis(80), Duration.ofMinutes(1)),
            AwsErrors::isRetryableForUndo,
            time,
            () -> 0.5);
    return new CreateAttempt(
        "CreateThing",
        kind,
        REGION,
        "thing-of-ab-1",
        () -> {
          lookups.incrementAndGet();
          return lookup.find();
        },
        journaled::add,
        retry,
        time,
        Duration.ofSeconds(1));
  }

  private static Ec2Exception awsError(int status, String code) {
    return (Ec2Exception)
        Ec2Exception.builder()
            .statusCode(status)
            .awsErrorDetails(
                AwsErrorDetails.builder().errorCode(code).errorMessage("injected").build())
            .build();
  }

  @Test
  void created_whenTheAnswerWasLost_findsTheResourceOnTheSecondLookupAndJournalsIt() {
    CreateAttempt attempt =
        attempt(ResourceKind.INSTANCE, () -> lookups.get() < 2 ? List.of() : List.of("i-0lost"));
    assertThrows(
        SdkClientException.class,
        () ->
            attempt.run(
                () -> {
                  throw SdkClientException.create("Unable to execute HTTP request: Read timed out");
                }));

    assertEquals(List.of("i-0lost"), attempt.created(report));
    assertEquals(2, lookups.get());
    assertEquals(
        List.of(Duration.ofSeconds(1)), time.sleeps(), "one pause between the two lookups");
    assertEquals(List.of(new Resource(ResourceKind.INSTANCE, "i-0lost", REGION)), journaled);
    assertEquals(List.of(), report.leftovers());
  }

  @Test
  void created_whenNothingTurnsUp_looksABoundedNumberOfTimesWithGrowingPauses() {
    CreateAttempt attempt = attempt(ResourceKind.IMAGE, List::of);
    assertThrows(
        Ec2Exception.class,
        () ->
            attempt.run(
                () -> {
                  throw awsError(503, "Unavailable");
                }));

    assertEquals(List.of(), attempt.created(report));
    assertEquals(CreateAttempt.LOOKUPS, lookups.get());
    assertEquals(List.of(Duration.ofSeconds(1), Duration.ofSeconds(2)), time.sleeps());
    assertEquals(List.of(), journaled);
  }

  @Test
  void created_whenARefusedCallIsSentAgainAndLosesItsAnswer_looksTheResourceUp() {
    // RunInstances refused while a new instance profile propagates, then sent again.
    CreateAttempt attempt = attempt(ResourceKind.INSTANCE, () -> List.of("i-0second"));
    assertThrows(
        Ec2Exception.class,
        () ->
            attempt.run(
                () -> {
                  throw awsError(400, "InvalidParameterValue");
                }));
    assertThrows(
        Ec2Exception.class,
        () ->
            attempt.run(
                () -> {
                  throw awsError(500, "InternalError");
                }));

    assertEquals(List.of("i-0second"), attempt.created(report));
    assertEquals(1, lookups.get());
  }

  @Test
  void created_whenAwsRefusedTheCall_makesNoLookup() {
    CreateAttempt attempt = attempt(ResourceKind.SECURITY_GROUP, () -> List.of("sg-0never"));
    assertThrows(
        Ec2Exception.class,
        () ->
            attempt.run(
                () -> {
                  throw awsError(400, "InvalidParameterValue");
                }));

    assertEquals(List.of(), attempt.created(report));
    assertEquals(0, lookups.get());
    assertEquals(List.of(), report.leftovers());
  }

  @Test
  void created_whenTheRefusalIsThrottlingOrADuplicate_stillLooks() {
    for (Ec2Exception error :
        List.of(awsError(400, "RequestLimitExceeded"), awsError(400, "InvalidGroup.Duplicate"))) {
      lookups.set(0);
      CreateAttempt attempt = attempt(ResourceKind.SECURITY_GROUP, () -> List.of("sg-0mine"));
      assertThrows(
          Ec2Exception.class,
          () ->
              attempt.run(
                  () -> {
                    throw error;
                  }));
      assertEquals(
          List.of("sg-0mine"), attempt.created(report), error.awsErrorDetails().errorCode());
      assertEquals(1, lookups.get());
    }
  }

  @Test
  void created_whenAnswered_returnsTheIdsWithoutLookingAndJournaledThemAtOnce() throws Exception {
    CreateAttempt attempt = attempt(ResourceKind.KEY_PAIR, () -> List.of("other"));
    String id =
        attempt.run(
            () -> {
              attempt.answered("ami-builder-ab-1");
              assertEquals(1, journaled.size(), "journaled before the call returns");
              return "key-0123";
            });

    assertEquals("key-0123", id);
    assertEquals(List.of("ami-builder-ab-1"), attempt.created(report));
    assertEquals(0, lookups.get());
  }

  @Test
  void created_whenNeverSent_isEmpty() {
    CreateAttempt attempt = attempt(ResourceKind.INSTANCE, () -> List.of("i-0x"));
    Thread.currentThread().interrupt();
    assertThrows(InterruptedException.class, () -> attempt.run(() -> "i-0x"));

    assertEquals(List.of(), attempt.created(report));
    assertEquals(0, lookups.get());
  }

  @ParameterizedTest
  @ValueSource(strings = {"INSTANCE", "KEY_PAIR", "SECURITY_GROUP", "IMAGE"})
  void created_whenInterruptedDuringTheLookup_reportsTheSameLeftoverForEveryKind(String kindName) {
    ResourceKind kind = ResourceKind.of(kindName);
    CreateAttempt attempt =
        attempt(
            kind,
            () -> {
              throw new InterruptedException("second Ctrl-C");
            });
    assertThrows(
        SdkClientException.class,
        () ->
            attempt.run(
                () -> {
                  throw SdkClientException.create("connection reset");
                }));

    assertEquals(List.of(), attempt.created(report));
    assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is kept for the caller");
    CleanupReport.Leftover leftover = report.leftovers().get(0);
    assertEquals(new Resource(kind, "thing-of-ab-1", REGION), leftover.resource());
    assertEquals("interrupted while checking whether CreateThing created it", leftover.lastError());
    assertEquals(1, report.leftovers().size());
  }

  @Test
  void created_whenInterruptedWhilePausingBetweenLookups_reportsTheSameLeftover() {
    CreateAttempt attempt = attempt(ResourceKind.VOLUME, List::of);
    time.onSleep(d -> Thread.currentThread().interrupt());
    assertThrows(
        SdkClientException.class,
        () ->
            attempt.run(
                () -> {
                  throw SdkClientException.create("connection reset");
                }));

    assertEquals(List.of(), attempt.created(report));
    assertEquals(
        "interrupted while checking whether CreateThing created it",
        report.leftovers().get(0).lastError());
  }

  @Test
  void created_whenTheLookupFails_reportsALeftoverNamingTheCall() {
    CreateAttempt attempt =
        attempt(
            ResourceKind.IMAGE,
            () -> {
              throw awsError(403, "UnauthorizedOperation");
            });
    assertThrows(
        Ec2Exception.class,
        () ->
            attempt.run(
                () -> {
                  throw awsError(500, "InternalError");
                }));

    assertEquals(List.of(), attempt.created(report));
    assertTrue(
        report
            .leftovers()
            .get(0)
            .lastError()
            .startsWith("CreateThing got no answer and the lookup failed"),
        report.leftovers().toString());
  }
}
