package dev.eksnode.amibuilder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class AwsOptionsTest {
  private static AwsOptions options(String profile, String endpoint) {
    AwsOptions aws = new AwsOptions();
    aws.profile = profile;
    aws.endpointUrl = endpoint;
    return aws;
  }

  @Test
  void asArguments_givesTheSetOptionsBackAsTyped() {
    assertEquals("", options(null, null).asArguments());
    assertEquals("", options(" ", "").asArguments());
    assertEquals(
        " --profile build-team --endpoint-url http://127.0.0.1:5000",
        options("build-team", " http://127.0.0.1:5000 ").asArguments());
    assertEquals(
        " --endpoint-url https://ec2.example:8443/x",
        options(null, "https://ec2.example:8443/x").asArguments());
  }

  @Test
  void asArguments_quotesWhatTheShellWouldChange() {
    assertEquals(" --profile 'my team'\"'\"'s'", options("my team's", null).asArguments());
    assertEquals(
        " --endpoint-url 'http://localhost:5000/?a=1&b=$HOME'",
        options(null, "http://localhost:5000/?a=1&b=$HOME").asArguments());
  }
}
