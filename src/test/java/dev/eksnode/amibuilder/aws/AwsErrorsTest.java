package dev.eksnode.amibuilder.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.pipeline.Retry;
import java.io.IOException;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;

class AwsErrorsTest {

  static Ec2Exception ec2(String code, int status) {
    return (Ec2Exception)
        Ec2Exception.builder()
            .awsErrorDetails(
                AwsErrorDetails.builder().errorCode(code).errorMessage(code + " message").build())
            .statusCode(status)
            .message(code)
            .build();
  }

  @ParameterizedTest
  @ValueSource(strings = {"RequestLimitExceeded", "Throttling", "ThrottlingException", "SlowDown"})
  void isThrottling_recognisesThrottlingCodes(String code) {
    assertTrue(AwsErrors.isThrottling(ec2(code, 503)));
    assertTrue(AwsErrors.isRetryableForUndo(ec2(code, 400)));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "InvalidInstanceID.NotFound",
        "InvalidGroup.NotFound",
        "InvalidAMIID.NotFound",
        "InvalidSnapshot.NotFound",
        "InvalidKeyPair.NotFound",
        "InvalidVolume.NotFound"
      })
  void notFoundCodes_areNotFoundAndEventualConsistencyButNotRetriedByUndo(String code) {
    Ec2Exception e = ec2(code, 400);
    assertTrue(AwsErrors.isNotFound(e));
    assertTrue(AwsErrors.isEventualConsistency(e));
    assertFalse(AwsErrors.isRetryableForUndo(e));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "DependencyViolation",
        "IncorrectInstanceState",
        "InvalidSnapshot.InUse",
        "VolumeInUse"
      })
  void stillInUseCodes_areRetriedByUndo(String code) {
    assertTrue(AwsErrors.isStillInUse(ec2(code, 400)));
    assertTrue(AwsErrors.isRetryableForUndo(ec2(code, 400)));
  }

  @Test
  void iamCodes_areClassifiedLikeTheirEc2Counterparts() {
    assertTrue(AwsErrors.isNotFound(ec2("NoSuchEntity", 404)), "IAM's not found");
    assertTrue(AwsErrors.isRetryableForUndo(ec2("DeleteConflict", 409)), "role still in a profile");
    assertTrue(AwsErrors.isRetryableForUndo(ec2("ConcurrentModification", 409)));
    assertFalse(
        AwsErrors.isDefiniteRefusal(ec2("EntityAlreadyExists", 409)),
        "may be our own earlier call whose answer was lost");
    assertTrue(AwsErrors.isDefiniteRefusal(ec2("MalformedPolicyDocument", 400)));
  }

  @Test
  void permanentErrors_areNotRetried() {
    assertFalse(AwsErrors.isRetryableForUndo(ec2("UnauthorizedOperation", 403)));
    assertFalse(AwsErrors.isRetryableForUndo(ec2("InvalidInstanceID.Malformed", 400)));
    assertFalse(AwsErrors.isNotFound(ec2("InvalidInstanceID.Malformed", 400)));
    assertFalse(AwsErrors.isRetryableForUndo(new IllegalStateException("bug")));
  }

  @Test
  void serverAndNetworkErrors_areRetriedButAnInterruptIsNot() {
    assertTrue(AwsErrors.isRetryableForUndo(ec2("InternalError", 500)));
    assertTrue(
        AwsErrors.isRetryableForUndo(
            SdkClientException.create("connection reset", new IOException())));
    assertFalse(
        AwsErrors.isRetryableForUndo(AbortedException.builder().message("interrupted").build()));
  }

  @Test
  void errorCode_findsCodeInCauseChain() {
    RuntimeException wrapped = new RuntimeException("step failed", ec2("DependencyViolation", 400));

    assertEquals(Optional.of("DependencyViolation"), AwsErrors.errorCode(wrapped));
    assertEquals(Optional.empty(), AwsErrors.errorCode(new RuntimeException("no aws")));
  }

  @Test
  void ignoringNotFound_treatsAlreadyGoneAsSuccessAndRethrowsOthers() throws Exception {
    AwsErrors.ignoringNotFound(
            () -> {
              throw ec2("InvalidKeyPair.NotFound", 400);
            })
        .run();

    Retry.Action failing =
        AwsErrors.ignoringNotFound(
            () -> {
              throw ec2("DependencyViolation", 400);
            });
    assertThrows(Ec2Exception.class, failing::run);
  }

  @Test
  void describe_namesCodeAndMessage_andNeverSaysNull() {
    assertEquals("AuthFailure: AuthFailure message", AwsErrors.describe(ec2("AuthFailure", 401)));
    Ec2Exception bare =
        (Ec2Exception)
            Ec2Exception.builder()
                .awsErrorDetails(AwsErrorDetails.builder().build())
                .statusCode(502)
                .requestId("req-1")
                .build();
    assertEquals(
        "HTTP 502, request id req-1, no error code or message in the answer",
        AwsErrors.describe(bare));
    Ec2Exception codeOnly =
        (Ec2Exception)
            Ec2Exception.builder()
                .awsErrorDetails(AwsErrorDetails.builder().errorCode("Forbidden").build())
                .statusCode(403)
                .build();
    assertEquals("Forbidden (HTTP 403, no message)", AwsErrors.describe(codeOnly));
    Ec2Exception messageOnly =
        (Ec2Exception)
            Ec2Exception.builder()
                .awsErrorDetails(AwsErrorDetails.builder().errorMessage("slow down").build())
                .statusCode(503)
                .requestId(" ")
                .build();
    assertEquals("slow down (HTTP 503)", AwsErrors.describe(messageOnly));
    Ec2Exception noDetails = (Ec2Exception) Ec2Exception.builder().statusCode(500).build();
    assertEquals("HTTP 500, no error code or message in the answer", AwsErrors.describe(noDetails));
  }
}
