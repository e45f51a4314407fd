package dev.eksnode.amibuilder.aws;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import javax.net.ssl.SSLException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpRequest;

/**
 * Gives a call that never got an answer (connection refused, unknown host, TLS failure, timeout)
 * one message that names the endpoint and the cause: {@code cannot reach
 * https://s3.us-west-2.amazonaws.com: Connection refused}. The SDK's own message often only says to
 * look at the cause, which is lost on the way to a one-line error. Runs once the SDK has given up
 * (after its retries); the original exception stays the cause, and the type stays {@link
 * SdkClientException}, so retries and exit codes judge it as before.
 */
public final class UnreachableEndpoint implements ExecutionInterceptor {
  /** How every such message starts. */
  public static final String PREFIX = "cannot reach ";

  @Override
  public Throwable modifyException(
      Context.FailedExecution context, ExecutionAttributes attributes) {
    Throwable failure = context.exception();
    if (!(failure instanceof SdkClientException)
        || AwsErrors.isAborted(failure)
        || (failure.getMessage() != null && failure.getMessage().startsWith(PREFIX))) {
      return failure;
    }
    String cause = cause(failure);
    if (cause == null || context.httpRequest().isEmpty()) {
      return failure;
    }
    return SdkClientException.builder()
        .message(PREFIX + endpoint(context.httpRequest().get()) + ": " + cause)
        .cause(failure)
        .build();
  }

  /** {@code scheme://host[:port]}, the port only when it is not the scheme's own. */
  static String endpoint(SdkHttpRequest request) {
    String scheme = request.protocol();
    int port = request.port();
    boolean standard =
        port < 0
            || ("https".equalsIgnoreCase(scheme) && port == 443)
            || ("http".equalsIgnoreCase(scheme) && port == 80);
    return scheme + "://" + request.host() + (standard ? "" : ":" + port);
  }

  /**
   * What went wrong on the way, in a few words, when {@code failure} is a network failure (an I/O
   * error or a timeout somewhere in its causes); null for anything else (missing credentials...).
   */
  static String cause(Throwable failure) {
    Throwable io = null;
    Throwable timeout = null;
    for (Throwable t = failure; t != null && t.getCause() != t; t = t.getCause()) {
      if (t instanceof IOException) {
        io = t; // keep the deepest: it says what happened, the outer ones wrap it
      } else if (t instanceof ApiCallTimeoutException
          || t instanceof ApiCallAttemptTimeoutException) {
        timeout = t;
      }
    }
    if (io instanceof UnknownHostException) {
      return "unknown host " + io.getMessage();
    }
    if (io instanceof SocketTimeoutException) {
      return "timed out (" + text(io) + ")";
    }
    if (io instanceof SSLException) {
      return "TLS failed (" + text(io) + ")";
    }
    if (io != null) {
      return text(io);
    }
    return timeout == null ? null : "no answer in time (" + text(timeout) + ")";
  }

  private static String text(Throwable t) {
    String m = t.getMessage();
    return m == null || m.isBlank()
        ? t.getClass().getSimpleName()
        : String.join(" ", m.lines().map(String::strip).toList());
  }
}
