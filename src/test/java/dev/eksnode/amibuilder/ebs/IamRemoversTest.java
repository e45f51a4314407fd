package dev.eksnode.amibuilder.ebs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.aws.AwsErrors;
import dev.eksnode.amibuilder.aws.Poller;
import dev.eksnode.amibuilder.aws.Tags;
import dev.eksnode.amibuilder.pipeline.Cancellation;
import dev.eksnode.amibuilder.pipeline.FakeTime;
import dev.eksnode.amibuilder.pipeline.Resource;
import dev.eksnode.amibuilder.pipeline.ResourceKind;
import dev.eksnode.amibuilder.pipeline.ResourceLedger;
import dev.eksnode.amibuilder.pipeline.Retry;
import dev.eksnode.amibuilder.pipeline.UndoReport;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The removers of the IAM role and instance profile of a temporary instance profile. */
class IamRemoversTest {
  private static final String REGION = "us-west-2";
  private static final String NAME = "ami-builder-ab-20261125T1203-7f3k2q";
  private static final Map<String, String> OURS =
      Map.of(Tags.BUILD_ID, "ab-20261125T1203-7f3k2q", Tags.CREATED_BY, "ami-builder/test");

  private final FakeTime time = new FakeTime();
  private final FakeIam iam = new FakeIam();
  private final UndoReport report = new UndoReport(ResourceLedger.none());
  private final Retry retry =
      new Retry(
          new Retry.Policy(4, Duration.ofSeconds(1), Duration.ofSeconds(8), Duration.ofMinutes(5)),
          AwsErrors::isRetryableForUndo,
          time,
          () -> 0.5);
  private final Removers removers =
      new Removers(
          region -> {
            throw new AssertionError("no EC2 call expected for an IAM resource");
          },
          region -> iam,
          retry,
          () -> new Poller(Poller.Schedule.responsive(), time, Cancellation.create()),
          time);

  private static Resource resource(ResourceKind kind, String name) {
    return new Resource(kind, name, REGION);
  }

  @Test
  void remove_role_deletesItsPoliciesTakesItOutOfItsProfileThenDeletesIt() {
    iam.role(NAME, InstanceProfileStep.PATH, OURS, NAME);
    iam.roles.get(NAME).attached().add("arn:aws:iam::aws:policy/ReadOnlyAccess");
    iam.profile(NAME, InstanceProfileStep.PATH, OURS, NAME);

    assertTrue(removers.remove(resource(ResourceKind.IAM_ROLE, NAME), report));

    assertFalse(iam.roles.containsKey(NAME));
    assertEquals(List.of(), iam.profiles.get(NAME).roles(), "the profile is the profile's undo");
    assertEquals(
        List.of(
            "DeleteRolePolicy " + NAME + "/" + NAME,
            "DetachRolePolicy " + NAME + "/arn:aws:iam::aws:policy/ReadOnlyAccess",
            "RemoveRoleFromInstanceProfile " + NAME + "/" + NAME,
            "DeleteRole " + NAME),
        iam.calls.stream().filter(c -> !c.startsWith("List")).toList());
    assertEquals(List.of(resource(ResourceKind.IAM_ROLE, NAME)), report.removedResources());
  }

  @Test
  void remove_profile_takesItsRoleOutThenDeletesIt_leavingTheRole() {
    iam.role(NAME, InstanceProfileStep.PATH, OURS);
    iam.profile(NAME, InstanceProfileStep.PATH, OURS, NAME);

    assertTrue(removers.remove(resource(ResourceKind.INSTANCE_PROFILE, NAME), report));

    assertFalse(iam.profiles.containsKey(NAME));
    assertTrue(iam.roles.containsKey(NAME));
  }

  @Test
  void remove_alreadyGone_countsAsRemoved() {
    assertTrue(removers.remove(resource(ResourceKind.IAM_ROLE, NAME), report));
    assertTrue(removers.remove(resource(ResourceKind.INSTANCE_PROFILE, NAME), report));
    assertEquals(2, report.removedResources().size());
    assertEquals(List.of(), report.leftovers());
  }

  @Test
  void remove_roleStillInUse_isRetriedWithTheUndoPolicy() {
    iam.role(NAME, InstanceProfileStep.PATH, OURS);
    iam.fail(
        "DeleteRole", FakeIam.error(409, "DeleteConflict"), FakeIam.error(409, "DeleteConflict"));

    assertTrue(removers.remove(resource(ResourceKind.IAM_ROLE, NAME), report));
    assertEquals(3, iam.calls.stream().filter(c -> c.startsWith("DeleteRole ")).count());
    assertEquals(2, time.sleeps().size());
  }

  @Test
  void remove_refused_isALeftoverWithTheError() {
    iam.role(NAME, InstanceProfileStep.PATH, OURS);
    iam.fail("DeleteRole", FakeIam.error(403, "AccessDenied"));

    assertFalse(removers.remove(resource(ResourceKind.IAM_ROLE, NAME), report));
    assertEquals(resource(ResourceKind.IAM_ROLE, NAME), report.leftovers().get(0).resource());
    assertTrue(report.leftovers().get(0).lastError().contains("AccessDenied"));
  }

  @Test
  void discoverIam_findsTheTaggedRolesAndProfilesOfTheBuildUnderThePathOnly() {
    iam.role(NAME, InstanceProfileStep.PATH, OURS);
    iam.profile(NAME, InstanceProfileStep.PATH, OURS);
    iam.role(
        "ami-builder-ab-20261125T1203-other0",
        InstanceProfileStep.PATH,
        Map.of(Tags.BUILD_ID, "ab-20261125T1203-other0"));
    iam.role("ami-builder-by-hand", "/", OURS);
    iam.profile("app-profile", InstanceProfileStep.PATH, OURS);

    assertEquals(
        List.of(
            resource(ResourceKind.INSTANCE_PROFILE, NAME), resource(ResourceKind.IAM_ROLE, NAME)),
        removers.discoverIam(REGION, "ab-20261125T1203-7f3k2q"::equals));
    assertTrue(removers.stillThere(resource(ResourceKind.IAM_ROLE, NAME)));
    assertTrue(removers.stillThere(resource(ResourceKind.INSTANCE_PROFILE, NAME)));
    assertFalse(removers.stillThere(resource(ResourceKind.IAM_ROLE, "ami-builder-gone")));
    assertFalse(removers.stillThere(resource(ResourceKind.INSTANCE_PROFILE, "ami-builder-gone")));
  }

  @Test
  void iamKinds_areGlobal_andOrderedAfterTheInstanceAndProfileBeforeRole() {
    assertTrue(Removers.global(ResourceKind.IAM_ROLE));
    assertTrue(Removers.global(ResourceKind.INSTANCE_PROFILE));
    assertFalse(Removers.global(ResourceKind.INSTANCE));
    List<ResourceKind> order = Removers.ORDER;
    assertTrue(order.indexOf(ResourceKind.INSTANCE) < order.indexOf(ResourceKind.INSTANCE_PROFILE));
    assertTrue(order.indexOf(ResourceKind.INSTANCE_PROFILE) < order.indexOf(ResourceKind.IAM_ROLE));
  }
}
