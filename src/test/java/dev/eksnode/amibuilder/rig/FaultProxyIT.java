package dev.eksnode.amibuilder.rig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceType;
import software.amazon.awssdk.services.ec2.model.KeyPairInfo;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.ecr.model.RepositoryNotFoundException;
import software.amazon.awssdk.services.eks.EksClient;
import software.amazon.awssdk.services.eks.model.ResourceNotFoundException;

class FaultProxyIT {

  @RegisterExtension static final MotoExtension MOTO = new MotoExtension();

  private FaultProxy proxy;
  private Ec2Client ec2;

  @BeforeEach
  void startProxy() {
    proxy = FaultProxy.start(MOTO.endpoint());
    ec2 = MotoExtension.configure(Ec2Client.builder(), proxy.endpoint(), Region.US_EAST_1);
  }

  @AfterEach
  void stopProxy() {
    ec2.close();
    proxy.close();
  }

  @Test
  void failedCall_surfacesAsServiceExceptionWithTheInjectedEc2Code() {
    proxy
        .on("CreateSecurityGroup")
        .call(1)
        .fail(400, "InvalidVpcID.NotFound", "The vpc ID 'vpc-x' does not exist");

    AwsServiceException error =
        assertThrows(
            AwsServiceException.class,
            () -> ec2.createSecurityGroup(request -> request.groupName("g").description("d")));

    assertEquals("InvalidVpcID.NotFound", error.awsErrorDetails().errorCode());
    assertEquals("The vpc ID 'vpc-x' does not exist", error.awsErrorDetails().errorMessage());
    assertEquals(400, error.statusCode());
    assertEquals(1, proxy.count("CreateSecurityGroup"), "a 400 is not retried");
    // The failed call never reached moto: the second call creates the group.
    String groupId =
        ec2.createSecurityGroup(request -> request.groupName("g").description("d")).groupId();
    assertTrue(groupId.startsWith("sg-"), groupId);
  }

  @Test
  void failedFirstCalls_withServerError_areRetriedByTheSdk() {
    proxy.on("DescribeKeyPairs").firstCalls(2).fail(500, "InternalError", "injected");

    assertEquals(List.of(), ec2.describeKeyPairs().keyPairs());

    assertEquals(
        3, proxy.count("DescribeKeyPairs"), "two failures, then success on the third attempt");
  }

  @Test
  void alwaysFailing_exhaustsRetriesAndReportsTheCode() {
    proxy.on("DescribeImages").always().fail(503, "Unavailable", "down");

    AwsServiceException error = assertThrows(AwsServiceException.class, () -> ec2.describeImages());

    assertEquals("Unavailable", error.awsErrorDetails().errorCode());
    assertEquals(
        3, proxy.count("DescribeImages"), "the standard retry strategy makes three attempts");
  }

  @Test
  void throttling_isRetriedThroughByTheStandardRetryStrategy() {
    proxy.on("DescribeKeyPairs").throttle();

    for (int i = 0; i < 3; i++) {
      assertEquals(List.of(), ec2.describeKeyPairs().keyPairs());
    }

    assertEquals(6, proxy.count("DescribeKeyPairs"), "each call is throttled once, then succeeds");
  }

  @Test
  void jsonProtocolFailure_mapsToTheModeledException() {
    proxy
        .on("DescribeRepositories")
        .call(1)
        .fail(400, "RepositoryNotFoundException", "no such repo");

    try (EcrClient ecr =
        MotoExtension.configure(EcrClient.builder(), proxy.endpoint(), Region.US_EAST_1)) {
      RepositoryNotFoundException error =
          assertThrows(
              RepositoryNotFoundException.class,
              () -> ecr.describeRepositories(request -> request.repositoryNames("missing")));
      assertEquals("no such repo", error.awsErrorDetails().errorMessage());
      // Forwarded to moto, the second call succeeds: the repository list is empty.
      assertEquals(List.of(), ecr.describeRepositories().repositories());
    }
    assertEquals(2, proxy.count("DescribeRepositories"));
  }

  @Test
  void restJsonFailure_carriesTheCodeInTheErrorTypeHeader() {
    proxy.on("GET /clusters").call(1).fail(404, "ResourceNotFoundException", "no clusters here");

    try (EksClient eks =
        MotoExtension.configure(EksClient.builder(), proxy.endpoint(), Region.US_EAST_1)) {
      ResourceNotFoundException error =
          assertThrows(ResourceNotFoundException.class, eks::listClusters);
      assertEquals("ResourceNotFoundException", error.awsErrorDetails().errorCode());
      assertEquals(List.of(), eks.listClusters().clusters());
    }
    assertEquals(2, proxy.count("GET /clusters"));
  }

  @Test
  void delay_holdsTheCallBeforeForwarding() {
    proxy.on("DescribeKeyPairs").always().delay(Duration.ofMillis(400));

    long start = System.nanoTime();
    ec2.describeKeyPairs();
    long elapsedMillis = Duration.ofNanos(System.nanoTime() - start).toMillis();

    assertTrue(elapsedMillis >= 400, "took " + elapsedMillis + " ms");
  }

  @Test
  void cannedResponse_isParsedByTheSdk() {
    proxy
        .on("DescribeKeyPairs")
        .always()
        .respond(
            200,
            "text/xml",
            "<DescribeKeyPairsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
                + "<requestId>r-1</requestId><keySet><item><keyPairId>key-canned</keyPairId>"
                + "<keyName>canned</keyName></item></keySet></DescribeKeyPairsResponse>");

    List<KeyPairInfo> keys = ec2.describeKeyPairs().keyPairs();

    assertEquals(1, keys.size());
    assertEquals("canned", keys.get(0).keyName());
  }

  @Test
  void rewrite_withinAWindowAfterAnotherAction_editsOnlyThoseAnswers() {
    try (Ec2Client direct = MOTO.ec2(Region.US_EAST_1)) {
      direct.createKeyPair(request -> request.keyName("real"));
    }
    proxy
        .on("DescribeKeyPairs")
        .within(Duration.ofHours(1), "DescribeSecurityGroups")
        .rewrite(body -> body.replace("<keyName>real</keyName>", "<keyName>edited</keyName>"));
    proxy
        .on("DescribeKeyPairs")
        .within(Duration.ZERO, "DescribeVpcs")
        .rewrite(body -> body.replace("<keyName>real</keyName>", "<keyName>expired</keyName>"));

    assertEquals(
        "real",
        ec2.describeKeyPairs().keyPairs().get(0).keyName(),
        "before the trigger: moto's answer");
    ec2.describeVpcs();
    assertEquals(
        "real", ec2.describeKeyPairs().keyPairs().get(0).keyName(), "a window that has passed");
    ec2.describeSecurityGroups();
    assertEquals("edited", ec2.describeKeyPairs().keyPairs().get(0).keyName(), "inside the window");
  }

  @Test
  void calls_areRecordedInOrderAndCountedByAction() {
    ec2.describeKeyPairs();
    ec2.describeSecurityGroups();
    ec2.describeKeyPairs();

    assertEquals(
        List.of("DescribeKeyPairs", "DescribeSecurityGroups", "DescribeKeyPairs"), proxy.calls());
    assertEquals(
        Map.of("DescribeKeyPairs", 2, "DescribeSecurityGroups", 1), proxy.countsByAction());

    proxy.clear();
    assertEquals(List.of(), proxy.calls());
  }

  @Test
  void lostAnswer_reachesMotoButTheCallerSeesTheError_andParametersAreRecorded() {
    proxy.on("CreateSecurityGroup").call(1).loseAnswer(400, "InvalidParameterValue", "answer lost");

    AwsServiceException error =
        assertThrows(
            AwsServiceException.class,
            () ->
                ec2.createSecurityGroup(
                    request -> request.groupName("lost-answer").description("d")));

    assertEquals("InvalidParameterValue", error.awsErrorDetails().errorCode());
    // Moto made the group although the caller never learnt its id.
    assertEquals(
        1,
        ec2.describeSecurityGroups(request -> request.groupNames("lost-answer"))
            .securityGroups()
            .size());
    FaultProxy.Request recorded = proxy.requests("CreateSecurityGroup").get(0);
    assertEquals("us-east-1", recorded.region());
    assertEquals("lost-answer", recorded.param("GroupName"));
    assertEquals(Map.of("GroupName", "lost-answer"), recorded.paramsStartingWith("GroupName"));
  }

  @Test
  void ruleInRegion_appliesOnlyToCallsSignedForThatRegion() {
    proxy
        .on("DescribeKeyPairs")
        .inRegion("eu-west-1")
        .always()
        .fail(400, "UnauthorizedOperation", "not here");
    try (Ec2Client west =
        MotoExtension.configure(Ec2Client.builder(), proxy.endpoint(), Region.EU_WEST_1)) {
      assertThrows(AwsServiceException.class, west::describeKeyPairs);
    }
    ec2.describeKeyPairs();
    assertEquals(
        List.of("eu-west-1", "us-east-1"),
        proxy.requests("DescribeKeyPairs").stream().map(FaultProxy.Request::region).toList());
  }

  @Test
  void droppedAnswer_reachesMotoAndTheSdkRetriesIntoTheDuplicate() {
    proxy.on("CreateSecurityGroup").call(1).dropAnswer();

    AwsServiceException error =
        assertThrows(
            AwsServiceException.class,
            () ->
                ec2.createSecurityGroup(request -> request.groupName("dropped").description("d")));

    // The first attempt made the group and its answer never came; the retry finds it there.
    assertEquals("InvalidGroup.Duplicate", error.awsErrorDetails().errorCode());
    assertEquals(2, proxy.count("CreateSecurityGroup"));
    assertEquals(
        1,
        ec2.describeSecurityGroups(request -> request.groupNames("dropped"))
            .securityGroups()
            .size());
  }

  @Test
  void callRange_failsThoseCallsOnly() {
    proxy.on("DescribeKeyPairs").calls(2, 2).fail(400, "UnauthorizedOperation", "not now");

    ec2.describeKeyPairs();
    assertThrows(AwsServiceException.class, ec2::describeKeyPairs);
    assertThrows(AwsServiceException.class, ec2::describeKeyPairs);
    ec2.describeKeyPairs();

    assertEquals(4, proxy.count("DescribeKeyPairs"));
  }

  @Test
  void awaitIdle_returnsOnceAHeldCallIsAnswered() throws Exception {
    proxy.on("DescribeKeyPairs").call(1).delay(Duration.ofMillis(800));
    Thread caller = new Thread(() -> ec2.describeKeyPairs());
    caller.start();
    while (proxy.count("DescribeKeyPairs") == 0) {
      Thread.sleep(10);
    }

    assertFalse(proxy.awaitIdle(Duration.ofMillis(100)), "the call is still held");
    assertTrue(proxy.awaitIdle(Duration.ofSeconds(10)));
    caller.join(10_000);
    assertFalse(caller.isAlive());
  }

  @Test
  void ec2Idempotency_retriesAfterALostAnswerMeetWhatTheFirstAttemptMade() {
    proxy.emulateEc2Idempotency();
    String imageId = ec2.describeImages(r -> r.owners("amazon")).images().get(0).imageId();
    proxy.on("RunInstances").call(1).loseAnswer(500, "InternalError", "answer lost");

    String instanceId =
        ec2.runInstances(
                r ->
                    r.imageId(imageId)
                        .instanceType(InstanceType.T3_MICRO)
                        .minCount(1)
                        .maxCount(1)
                        .clientToken("token-1"))
            .instances()
            .get(0)
            .instanceId();

    // The SDK's retry carried the same token: EC2 answers with the instance the first attempt made.
    assertEquals(2, proxy.count("RunInstances"));
    List<String> running =
        ec2.describeInstances().reservations().stream()
            .flatMap(r -> r.instances().stream())
            .map(Instance::instanceId)
            .toList();
    assertEquals(List.of(instanceId), running);

    proxy.on("CreateImage").call(1).dropAnswer();
    AwsServiceException duplicate =
        assertThrows(
            AwsServiceException.class,
            () -> ec2.createImage(r -> r.instanceId(instanceId).name("soak-image")));
    assertEquals("InvalidAMIName.Duplicate", duplicate.awsErrorDetails().errorCode());
    assertEquals(1, ec2.describeImages(r -> r.owners("self")).images().size());
  }
}
