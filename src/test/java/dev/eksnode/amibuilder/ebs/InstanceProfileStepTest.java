package dev.eksnode.amibuilder.ebs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class InstanceProfileStepTest {
  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource({
    "us-west-2, ec2.amazonaws.com",
    "us-gov-west-1, ec2.amazonaws.com",
    "cn-northwest-1, ec2.amazonaws.com.cn",
    "moto-local-1, ec2.amazonaws.com"
  })
  void trustPolicy_letsEc2OfTheBuildRegionsPartitionAssumeTheRole(String region, String service)
      throws Exception {
    JsonNode trust = new ObjectMapper().readTree(InstanceProfileStep.trustPolicy(region));

    assertEquals("2012-10-17", trust.get("Version").asText());
    assertEquals("Allow", trust.at("/Statement/0/Effect").asText());
    assertEquals("sts:AssumeRole", trust.at("/Statement/0/Action").asText());
    assertEquals(service, trust.at("/Statement/0/Principal/Service").asText());
  }
}
