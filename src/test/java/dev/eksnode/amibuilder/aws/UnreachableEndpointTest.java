package dev.eksnode.amibuilder.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;

/** The few words a network failure is reduced to, and how the endpoint is written. */
class UnreachableEndpointTest {
  private static SdkClientException wrapped(Throwable cause) {
    return SdkClientException.builder()
        .message("Unable to execute HTTP request: See cause for the exact endpoint")
        .cause(cause)
        .build();
  }

  @Test
  void cause_namesTheDeepestNetworkError() {
    assertEquals(
        "Connection refused",
        UnreachableEndpoint.cause(wrapped(new ConnectException("Connection refused"))));
    assertEquals(
        "unknown host s3.us-wset-2.amazonaws.com",
        UnreachableEndpoint.cause(wrapped(new UnknownHostException("s3.us-wset-2.amazonaws.com"))));
    assertEquals(
        "timed out (Read timed out)",
        UnreachableEndpoint.cause(wrapped(new SocketTimeoutException("Read timed out"))));
    assertEquals(
        "no answer in time (too slow)",
        UnreachableEndpoint.cause(ApiCallTimeoutException.builder().message("too slow").build()));
  }

  @Test
  void cause_isNullForFailuresThatAreNotTheNetwork() {
    assertNull(
        UnreachableEndpoint.cause(
            SdkClientException.create("Unable to load credentials from any provider")));
  }

  @Test
  void endpoint_showsThePortOnlyWhenItIsNotTheSchemes() {
    assertEquals(
        "https://s3.us-west-2.amazonaws.com",
        UnreachableEndpoint.endpoint(request("https://s3.us-west-2.amazonaws.com/amazon-eks")));
    assertEquals(
        "http://127.0.0.1:5000", UnreachableEndpoint.endpoint(request("http://127.0.0.1:5000/")));
    assertEquals(
        "http://example.com", UnreachableEndpoint.endpoint(request("http://example.com:80/")));
  }

  private static SdkHttpRequest request(String uri) {
    return SdkHttpRequest.builder().uri(URI.create(uri)).method(SdkHttpMethod.GET).build();
  }
}
