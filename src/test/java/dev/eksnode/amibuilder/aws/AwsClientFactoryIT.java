package dev.eksnode.amibuilder.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.eksnode.amibuilder.pipeline.TimeSource;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.model.DescribeRegionsResponse;

/** Real SDK calls through the factory against an in-process HTTP server standing in for EC2. */
class AwsClientFactoryIT {
  private static final String REGIONS =
      """
      <DescribeRegionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
        <requestId>r-1</requestId>
        <regionInfo><item><regionName>us-west-2</regionName><regionEndpoint>ec2.us-west-2.amazonaws.com</regionEndpoint></item></regionInfo>
      </DescribeRegionsResponse>""";
  private static final String THROTTLED =
      """
      <Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error>
      </Errors><RequestID>r-0</RequestID></Response>""";

  private final List<String> authorizations = new CopyOnWriteArrayList<>();
  private HttpServer server;
  private int throttleFirst;

  @BeforeEach
  void startServer() throws Exception {
    System.setProperty("aws.accessKeyId", "AKIDTEST");
    System.setProperty("aws.secretAccessKey", "secret");
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        exchange -> {
          exchange.getRequestBody().readAllBytes();
          authorizations.add(exchange.getRequestHeaders().getFirst("Authorization"));
          boolean throttle = authorizations.size() <= throttleFirst;
          byte[] body = (throttle ? THROTTLED : REGIONS).getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "text/xml");
          exchange.sendResponseHeaders(throttle ? 503 : 200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
  }

  @AfterEach
  void stopServer() {
    server.stop(0);
    System.clearProperty("aws.accessKeyId");
    System.clearProperty("aws.secretAccessKey");
  }

  private AwsSettings settings() {
    return AwsSettings.of("eu-central-1")
        .withEndpointOverride(URI.create("http://127.0.0.1:" + server.getAddress().getPort()));
  }

  @Test
  void ec2Call_goesToTheEndpointSignedForTheRegionAndThroughTheLimiter() {
    ApiRateLimiter limiter = ApiRateLimiter.ec2Defaults();
    try (AwsClientFactory factory = new AwsClientFactory(settings(), limiter)) {
      DescribeRegionsResponse response = factory.ec2().describeRegions();

      assertEquals("us-west-2", response.regions().get(0).regionName());
      assertTrue(
          authorizations.get(0).contains("/eu-central-1/ec2/aws4_request"), authorizations.get(0));
      assertEquals(Map.of("DescribeRegions", 1L), limiter.callCounts());
    }
  }

  @Test
  void throttledCall_isRetriedBySdkAndEachAttemptTakesAPermit() {
    throttleFirst = 2;
    ApiRateLimiter limiter =
        new ApiRateLimiter(
            new ApiRateLimiter.Bucket(40, 5),
            new ApiRateLimiter.Bucket(80, 16),
            TimeSource.system());
    try (AwsClientFactory factory = new AwsClientFactory(settings(), limiter)) {
      DescribeRegionsResponse response = factory.ec2().describeRegions();

      assertEquals(1, response.regions().size());
      assertEquals(3, authorizations.size());
      assertEquals(Map.of("DescribeRegions", 3L), limiter.callCounts());
    }
  }
}
