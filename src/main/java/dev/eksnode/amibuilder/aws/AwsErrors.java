package dev.eksnode.amibuilder.aws;

import dev.eksnode.amibuilder.pipeline.Retry;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * Classifies AWS errors by code, so retries and undo decisions name the race they cover instead of
 * retrying everything. Causes are searched, so a wrapped SDK exception is classified too.
 */
public final class AwsErrors {

  private static final Set<String> THROTTLING =
      Set.of(
          // EC2's account-wide API token bucket is empty: a build matrix polling together hits this
          // first.
          "RequestLimitExceeded",
          // Generic throttling codes of the JSON/query protocols (STS, EKS) and of EC2 under load.
          "Throttling",
          "ThrottlingException",
          "ThrottledException",
          "RequestThrottled",
          "RequestThrottledException",
          "TooManyRequestsException",
          // S3 asks for a slower request rate on one prefix.
          "SlowDown",
          // EC2 snapshot copies and image copies have their own concurrency quota per region.
          "ResourceLimitExceeded");

  private static final Set<String> EVENTUAL_CONSISTENCY =
      Set.of(
          // Describe right after RunInstances may not see the new instance for a few seconds.
          "InvalidInstanceID.NotFound",
          // Same for CreateImage/CopyImage: the new AMI id is not yet visible to DescribeImages.
          "InvalidAMIID.NotFound",
          // Snapshots of a new image appear in DescribeSnapshots after the image call returns.
          "InvalidSnapshot.NotFound",
          // AuthorizeSecurityGroupIngress or RunInstances right after CreateSecurityGroup.
          "InvalidGroup.NotFound",
          // RunInstances right after ImportKeyPair.
          "InvalidKeyPair.NotFound",
          // Volumes created by RunInstances show up a little after the instance.
          "InvalidVolume.NotFound");

  private static final Set<String> STILL_IN_USE =
      Set.of(
          // DeleteSecurityGroup while the instance using it is still shutting down (a minute or
          // two).
          "DependencyViolation",
          // TerminateInstances/StopInstances while the instance is still pending or mid-transition.
          "IncorrectInstanceState",
          // DeleteSnapshot right after DeregisterImage: the snapshot is released a moment later.
          "InvalidSnapshot.InUse",
          // DeregisterImage/ModifyImageAttribute while a copy or creation is still settling.
          "IncorrectState",
          // DeleteVolume while the volume is still detaching from a terminating instance.
          "VolumeInUse",
          // IAM: DeleteRole while the role is still in an instance profile or has an inline
          // policy, DeleteInstanceProfile while a role is still in it.
          "DeleteConflict",
          // IAM refuses a change while another change to the same entity is in flight.
          "ConcurrentModification");

  private static final Set<String> TIMEOUTS =
      Set.of(
          // AWS gave up waiting for the request body or for itself; the call may or may not have
          // been acted on.
          "RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete");

  private static final Set<String> NOT_FOUND_EXTRA =
      Set.of(
          // S3, EKS and IAM spell "not found" differently from EC2.
          "NoSuchKey", "NoSuchBucket", "NotFound", "ResourceNotFoundException", "NoSuchEntity");

  private AwsErrors() {}

  /**
   * The AWS error code of {@code error} or one of its causes, e.g. {@code
   * InvalidInstanceID.NotFound}.
   */
  public static Optional<String> errorCode(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof AwsServiceException service && service.awsErrorDetails() != null) {
        return Optional.ofNullable(service.awsErrorDetails().errorCode());
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return Optional.empty();
  }

  /**
   * An AWS refusal in words: {@code Code: message}. An answer without a code or message (a bare
   * HTTP error from a proxy, S3's HEAD errors, which have no body) says what it has instead of
   * {@code null}: the HTTP status and the request id.
   */
  public static String describe(AwsServiceException e) {
    AwsErrorDetails details = e.awsErrorDetails();
    String code = details == null ? null : blankToNull(details.errorCode());
    String message = details == null ? null : blankToNull(details.errorMessage());
    String status =
        "HTTP "
            + e.statusCode()
            + (e.requestId() == null || e.requestId().isBlank()
                ? ""
                : ", request id " + e.requestId());
    if (code == null && message == null) {
      return status + ", no error code or message in the answer";
    }
    if (code == null) {
      return message + " (" + status + ")";
    }
    if (message == null) {
      return code + " (" + status + ", no message)";
    }
    return code + ": " + message;
  }

  private static String blankToNull(String text) {
    return text == null || text.isBlank() ? null : text;
  }

  /** HTTP status of the AWS error, or 0 when there is none. */
  public static int statusCode(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof AwsServiceException service) {
        return service.statusCode();
      }
    }
    return 0;
  }

  /** The request was throttled; retrying later will work. */
  public static boolean isThrottling(Throwable error) {
    return errorCode(error).map(THROTTLING::contains).orElse(false) || statusCode(error) == 429;
  }

  /** The resource does not exist (any {@code *.NotFound} code, or the S3/EKS/IAM spellings). */
  public static boolean isNotFound(Throwable error) {
    return errorCode(error)
        .map(c -> c.endsWith(".NotFound") || NOT_FOUND_EXTRA.contains(c))
        .orElse(false);
  }

  /** A just-created resource is not yet visible; a wait loop should keep polling. */
  public static boolean isEventualConsistency(Throwable error) {
    return errorCode(error).map(EVENTUAL_CONSISTENCY::contains).orElse(false);
  }

  /** The resource is still in use or in transition; deleting it again shortly will work. */
  public static boolean isStillInUse(Throwable error) {
    return errorCode(error).map(STILL_IN_USE::contains).orElse(false);
  }

  /**
   * AWS answered and turned the call down, so a create call created nothing: a 4xx that is not
   * throttling, a timeout, or a {@code *.Duplicate} or IAM's {@code EntityAlreadyExists} (which say
   * the resource is already there, possibly from our own attempt whose answer was lost). A 5xx or a
   * client-side error leaves it open whether AWS acted.
   */
  public static boolean isDefiniteRefusal(Throwable error) {
    int status = statusCode(error);
    if (status < 400 || status >= 500 || status == 408 || isThrottling(error)) {
      return false;
    }
    String code = errorCode(error).orElse("");
    return !TIMEOUTS.contains(code)
        && !code.endsWith(".Duplicate")
        && !"EntityAlreadyExists".equals(code);
  }

  /** The SDK was interrupted (our cancellation); never retry this. */
  public static boolean isAborted(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof AbortedException || t instanceof InterruptedException) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether an undo call should be retried: throttling, a resource still in use, a 5xx, or a
   * network error. "Not found" is not retried: an undo treats it as "already gone".
   */
  public static boolean isRetryableForUndo(Throwable error) {
    if (isAborted(error)) {
      return false;
    }
    if (isThrottling(error) || isStillInUse(error)) {
      return true;
    }
    int status = statusCode(error);
    if (status >= 500) {
      return true;
    }
    return status == 0 && hasCause(error, SdkClientException.class);
  }

  /**
   * The retry every undo should use: about five minutes of backoff on {@link #isRetryableForUndo}.
   */
  public static Retry undoRetry() {
    return new Retry(Retry.Policy.forUndo(), AwsErrors::isRetryableForUndo);
  }

  /**
   * Wraps an undo action so "not found" counts as success: undo is idempotent, and a resource
   * removed by an earlier attempt (or by hand) is exactly what we want. A delete issued within
   * seconds of the create can also see "not found" through eventual consistency; the journal and
   * the build-id tag let {@code cleanup} catch that rare case.
   */
  public static Retry.Action ignoringNotFound(Retry.Action action) {
    return () -> {
      try {
        action.run();
      } catch (RuntimeException e) {
        if (!isNotFound(e)) {
          throw e;
        }
      }
    };
  }

  private static boolean hasCause(Throwable error, Class<? extends Throwable> type) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }
}
