package dev.eksnode.amibuilder.ebs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eksnode.amibuilder.aws.Tags;
import dev.eksnode.amibuilder.cli.TestHome;
import dev.eksnode.amibuilder.rig.MotoExtension;
import dev.eksnode.amibuilder.rig.MotoState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.InstanceProfile;
import software.amazon.awssdk.services.iam.model.Role;

/**
 * Packer's {@code temporary_iam_instance_profile_policy_document} on the rig: the build makes an
 * IAM role with the template's policy and an instance profile holding it, launches the instance
 * with that profile, and removes both at the end; a failure, an answer lost on the way back, a
 * refused removal and a killed process all end with nothing of them left.
 */
class InstanceProfileIT {
  @RegisterExtension static final MotoExtension MOTO = new MotoExtension();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<MotoState.Kind> IAM =
      Set.of(MotoState.Kind.IAM_ROLE, MotoState.Kind.INSTANCE_PROFILE);

  /** The policy as a template writes it, with a {@code user} reference inside. */
  static final Map<String, Object> POLICY =
      Map.of(
          "Version",
          "2012-10-17",
          "Statement",
          List.of(
              Map.of(
                  "Effect",
                  "Allow",
                  "Action",
                  List.of("s3:GetObject", "s3:ListBucket"),
                  "Resource",
                  List.of(
                      "arn:aws:s3:::{{user `binary_bucket_name`}}",
                      "arn:aws:s3:::{{user `binary_bucket_name`}}/*"))));

  @TempDir Path tmp;

  private static BuildRig rig(Path tmp) {
    BuildRig rig = new BuildRig(MOTO, tmp);
    rig.builder(Map.of("temporary_iam_instance_profile_policy_document", POLICY));
    return rig;
  }

  private static String buildId(BuildRig rig) throws Exception {
    try (Stream<Path> files = Files.list(rig.stateDir)) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".json") && n.startsWith("ab-"))
          .map(n -> n.substring(0, n.length() - 5))
          .findFirst()
          .orElseThrow();
    }
  }

  private static Set<MotoState.Resource> iamOf(Set<MotoState.Resource> resources) {
    return resources.stream().filter(r -> IAM.contains(r.kind())).collect(Collectors.toSet());
  }

  private static void assertOnlyImageAndSnapshotLeft(BuildRig rig, MotoState before, String out) {
    Set<MotoState.Resource> left = rig.state().diff(before);
    assertEquals(
        Set.of(MotoState.Kind.IMAGE, MotoState.Kind.SNAPSHOT),
        left.stream().map(MotoState.Resource::kind).collect(Collectors.toSet()),
        left + "\n" + out);
    assertEquals(2, left.size(), left.toString());
  }

  @Test
  void build_withPolicyDocument_launchesWithTheTemporaryProfile_thenRemovesRoleAndProfile()
      throws Exception {
    try (BuildRig rig = rig(tmp);
        Ec2Client ec2 = MOTO.ec2(Region.of(BuildRig.REGION));
        IamClient iam = MOTO.iam()) {
      MotoState before = rig.state();
      // While the instance runs (when StopInstances comes), look at moto: what profile does the
      // instance have, and what is in it?
      AtomicReference<String> instanceProfileArn = new AtomicReference<>();
      AtomicReference<InstanceProfile> profile = new AtomicReference<>();
      AtomicReference<Role> role = new AtomicReference<>();
      AtomicReference<String> inlinePolicy = new AtomicReference<>();
      rig.proxy
          .on("StopInstances")
          .call(1)
          .rewrite(
              body -> {
                ec2.describeInstances().reservations().stream()
                    .flatMap(r -> r.instances().stream())
                    .filter(i -> i.state().name() != InstanceStateName.TERMINATED)
                    .forEach(i -> instanceProfileArn.set(i.iamInstanceProfile().arn()));
                iam.listInstanceProfiles()
                    .instanceProfiles()
                    .forEach(
                        p -> {
                          profile.set(
                              iam.getInstanceProfile(
                                      q -> q.instanceProfileName(p.instanceProfileName()))
                                  .instanceProfile());
                          String roleName = p.roles().get(0).roleName();
                          role.set(iam.getRole(q -> q.roleName(roleName)).role());
                          inlinePolicy.set(
                              iam.getRolePolicy(q -> q.roleName(roleName).policyName(roleName))
                                  .policyDocument());
                        });
                return body;
              });

      TestHome.Result r = rig.build();

      assertEquals(0, r.code(), r.out() + r.err());
      String id = buildId(rig);
      String name = "ami-builder-" + id;
      assertEquals(
          "arn:aws:iam::123456789012:instance-profile/ami-builder/" + name,
          instanceProfileArn.get(),
          "the instance ran with the build's profile");
      assertEquals(name, profile.get().instanceProfileName());
      assertEquals(List.of(name), profile.get().roles().stream().map(Role::roleName).toList());
      assertTrue(
          profile.get().tags().stream()
              .anyMatch(t -> t.key().equals(Tags.BUILD_ID) && t.value().equals(id)),
          profile.get().tags().toString());
      assertEquals("/ami-builder/", role.get().path());
      assertTrue(
          role.get().tags().stream()
              .anyMatch(t -> t.key().equals(Tags.BUILD_ID) && t.value().equals(id)),
          role.get().tags().toString());
      JsonNode trust =
          JSON.readTree(
              java.net.URLDecoder.decode(
                  role.get().assumeRolePolicyDocument(), java.nio.charset.StandardCharsets.UTF_8));
      assertEquals(
          "ec2.amazonaws.com",
          trust.at("/Statement/0/Principal/Service").asText(),
          trust.toString());
      JsonNode policy =
          JSON.readTree(
              java.net.URLDecoder.decode(
                  inlinePolicy.get(), java.nio.charset.StandardCharsets.UTF_8));
      assertEquals(
          "arn:aws:s3:::amazon-eks/*",
          policy.at("/Statement/0/Resource/1").asText(),
          "the user reference was rendered: " + policy);
      assertEquals(
          name, rig.proxy.requests("RunInstances").get(0).param("IamInstanceProfile.Name"));

      assertOnlyImageAndSnapshotLeft(rig, before, r.out() + r.err());
      assertEquals(1, rig.proxy.count("DeleteRole"), rig.proxy.countsByAction().toString());
      assertEquals(1, rig.proxy.count("DeleteInstanceProfile"));
      JsonNode journal = JSON.readTree(rig.stateDir.resolve(id + ".json").toFile());
      for (String kind : List.of("IAM_ROLE", "INSTANCE_PROFILE")) {
        JsonNode entry = null;
        for (JsonNode e : journal.get("resources")) {
          if (e.get("kind").asText().equals(kind)) {
            entry = e;
          }
        }
        assertTrue(entry != null, kind + " not journaled: " + journal);
        assertEquals(name, entry.get("id").asText());
        assertEquals(
            BuildRig.REGION, entry.get("region").asText(), "IAM is journaled in the build region");
        assertEquals("REMOVED", entry.get("state").asText());
      }
      assertTrue(r.out().contains("==> instance-profile"), r.out());
    }
  }

  @Test
  void runInstances_whileEc2DoesNotKnowTheNewProfileYet_isSentAgainUntilItLaunches() {
    try (BuildRig rig = rig(tmp)) {
      MotoState before = rig.state();
      // EC2's answer while IAM's change has not reached it, as the SDK receives it.
      rig.proxy
          .on("RunInstances")
          .firstCalls(2)
          .fail(
              400,
              "InvalidParameterValue",
              "Value (ami-builder-x) for parameter iamInstanceProfile.name is invalid. Invalid IAM"
                  + " Instance Profile name");

      TestHome.Result r = rig.build();

      assertEquals(0, r.code(), r.out() + r.err());
      assertEquals(3, rig.proxy.count("RunInstances"));
      assertTrue(r.out().contains("not visible yet (InvalidParameterValue)"), r.out());
      assertOnlyImageAndSnapshotLeft(rig, before, r.out() + r.err());
    }
  }

  @ParameterizedTest(name = "{0} call {1} fails -> exit 1, nothing left")
  @CsvSource({
    "CreateRole, 1",
    "PutRolePolicy, 1",
    "CreateInstanceProfile, 1",
    "AddRoleToInstanceProfile, 1",
    "RunInstances, 1",
    "StopInstances, 1",
  })
  void failure_afterOrDuringTheProfile_undoLeavesNothing(String action, int call) {
    try (BuildRig rig = rig(tmp)) {
      MotoState before = rig.state();
      rig.proxy.on(action).call(call).fail(400, "ValidationError", "injected by the IAM matrix");

      TestHome.Result r = rig.build();

      assertEquals(1, r.code(), r.out() + r.err());
      assertTrue(rig.proxy.count(action) >= call, action + " was not called");
      assertEquals(Set.of(), rig.state().diff(before), "leftovers after " + action + " failed");
      assertEquals(1, r.errLines().stream().filter(l -> l.startsWith("error: ")).count(), r.err());
      assertTrue(r.err().contains("injected by the IAM matrix"), r.err());
    }
  }

  @ParameterizedTest(name = "{0}: answer lost -> the build recognises its own resource")
  @CsvSource({"CreateRole", "CreateInstanceProfile", "AddRoleToInstanceProfile"})
  void lostAnswer_onAnIamCreate_buildSucceedsWithNothingLeftButTheAmi(String action) {
    try (BuildRig rig = rig(tmp)) {
      MotoState before = rig.state();
      // IAM acts, the answer is lost; the SDK's retry meets what the first call made.
      rig.proxy.on(action).call(1).loseAnswer(500, "ServiceFailure", "injected: answer lost");

      TestHome.Result r = rig.build();

      assertEquals(0, r.code(), r.out() + r.err());
      assertEquals(2, rig.proxy.count(action), "the SDK sent it again");
      assertOnlyImageAndSnapshotLeft(rig, before, r.out() + r.err());
    }
  }

  @ParameterizedTest(name = "undo {0} refused -> exit 3 naming it, cleanup finishes")
  @CsvSource({"DeleteRole, IAM_ROLE", "DeleteInstanceProfile, INSTANCE_PROFILE"})
  void undoRefused_exit3NamingTheResource_thenCleanupRemovesIt(String action, String kind) {
    try (BuildRig rig = rig(tmp)) {
      MotoState before = rig.state();
      rig.proxy.on(action).always().fail(403, "AccessDenied", "injected: not allowed");

      TestHome.Result r = rig.build();

      assertEquals(3, r.code(), r.out() + r.err());
      Matcher m = FaultMatrixIT.BUILD_ID.matcher(r.err());
      assertTrue(m.find(), r.err());
      String name = "ami-builder-" + m.group(1);
      assertTrue(r.err().contains(kind + " " + name), r.err());
      assertEquals(
          Set.of(MotoState.Kind.valueOf(kind)),
          iamOf(rig.state().diff(before)).stream()
              .map(MotoState.Resource::kind)
              .collect(Collectors.toSet()));

      rig.proxy.clear();
      TestHome.Result cleanup =
          rig.cli(
              "cleanup",
              "--build-id",
              m.group(1),
              "--endpoint-url",
              rig.proxy.endpoint().toString());
      assertEquals(0, cleanup.code(), cleanup.out() + cleanup.err());
      assertTrue(cleanup.out().contains(kind + " " + name), cleanup.out());
      assertOnlyImageAndSnapshotLeft(rig, before, cleanup.out() + cleanup.err());
    }
  }

  @Test
  void sigkill_afterTheProfileWasMade_cleanupByBuildIdRemovesRoleAndProfile() throws Exception {
    try (BuildRig rig = rig(tmp)) {
      MotoState before = rig.state();
      rig.proxy.on("RunInstances").call(1).delay(Duration.ofSeconds(5));
      Process child = InterruptIT.start(rig, tmp);
      InterruptIT.awaitCall(rig, "RunInstances", 1, child);
      child.destroyForcibly();
      assertTrue(child.waitFor(30, TimeUnit.SECONDS));
      assertEquals(
          Set.of(MotoState.Kind.IAM_ROLE, MotoState.Kind.INSTANCE_PROFILE),
          iamOf(rig.state().diff(before)).stream()
              .map(MotoState.Resource::kind)
              .collect(Collectors.toSet()),
          "the kill came before the role and profile were made");
      String id = buildId(rig);
      // Let the delayed RunInstances reach moto before cleaning up, as a real one would have.
      assertTrue(rig.proxy.awaitIdle(Duration.ofSeconds(30)), "the held RunInstances did not land");
      rig.proxy.clear();

      TestHome.Result r =
          rig.cli("cleanup", "--build-id", id, "--endpoint-url", rig.proxy.endpoint().toString());

      assertEquals(0, r.code(), r.out() + r.err());
      assertTrue(r.out().contains("removed IAM_ROLE ami-builder-" + id), r.out());
      assertTrue(r.out().contains("removed INSTANCE_PROFILE ami-builder-" + id), r.out());
      assertEquals(Set.of(), rig.state().diff(before), r.out() + r.err());
    }
  }

  /** A build stopped at StopInstances with --on-error abort keeps its role and profile too. */
  private static String keptBuild(BuildRig rig) {
    rig.proxy.on("StopInstances").call(1).fail(400, "InvalidParameterValue", "injected");
    TestHome.Result r = rig.build("--on-error", "abort");
    assertEquals(3, r.code(), r.err());
    Matcher m = FaultMatrixIT.BUILD_ID.matcher(r.err());
    assertTrue(m.find(), r.err());
    assertTrue(r.err().contains("IAM_ROLE ami-builder-" + m.group(1)), r.err());
    rig.proxy.clear();
    return m.group(1);
  }

  @Test
  void cleanup_withoutJournal_andOlderThanSweep_findRoleAndProfileByTag() throws Exception {
    try (BuildRig rig = rig(tmp)) {
      MotoState before = rig.state();
      String id = keptBuild(rig);
      assertEquals(2, iamOf(rig.state().diff(before)).size());
      Files.delete(rig.stateDir.resolve(id + ".json"));

      TestHome.Result dry =
          rig.cli(
              "cleanup",
              "--older-than",
              "10s",
              "--region",
              BuildRig.REGION,
              "--dry-run",
              "--endpoint-url",
              rig.proxy.endpoint().toString());
      assertEquals(3, dry.code(), dry.out() + dry.err());
      assertTrue(dry.out().contains("would remove IAM_ROLE ami-builder-" + id), dry.out());
      assertTrue(dry.out().contains("would remove INSTANCE_PROFILE ami-builder-" + id), dry.out());
      assertEquals(0, rig.proxy.count("DeleteRole"), "a dry run deleted the role");

      TestHome.Result r =
          rig.cli(
              "cleanup",
              "--build-id",
              id,
              "--region",
              BuildRig.REGION,
              "--endpoint-url",
              rig.proxy.endpoint().toString());
      assertEquals(0, r.code(), r.out() + r.err());
      assertEquals(Set.of(), rig.state().diff(before), r.out() + r.err());
    }
  }

  @Test
  void cleanup_whenIamRefusesTheSearch_warnsAndStillCleansTheEc2Resources() {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      MotoState before = rig.state();
      rig.proxy.on("StopInstances").call(1).fail(400, "InvalidParameterValue", "injected");
      TestHome.Result kept = rig.build("--on-error", "abort");
      assertEquals(3, kept.code(), kept.err());
      Matcher m = FaultMatrixIT.BUILD_ID.matcher(kept.err());
      assertTrue(m.find(), kept.err());
      rig.proxy.clear();
      rig.proxy.on("ListRoles").always().fail(403, "AccessDenied", "injected: no IAM for you");

      TestHome.Result r =
          rig.cli(
              "cleanup",
              "--build-id",
              m.group(1),
              "--endpoint-url",
              rig.proxy.endpoint().toString());

      assertEquals(0, r.code(), r.out() + r.err());
      assertTrue(
          r.err().contains("IAM roles and instance profiles were not searched (AccessDenied)"),
          r.err());
      assertFalse(r.err().contains("error:"), r.err());
      assertEquals(Set.of(), rig.state().diff(before), r.out() + r.err());
    }
  }
}
