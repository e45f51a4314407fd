package dev.eksnode.amibuilder.ebs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.cli.TestHome;
import dev.eksnode.amibuilder.rig.FaultProxy;
import dev.eksnode.amibuilder.rig.MotoExtension;
import dev.eksnode.amibuilder.rig.MotoState;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The permission preflight on the rig: {@code k8s} sends every EC2 create call as a DryRun before
 * the first resource exists (moto answers DryRunOperation), and an UnauthorizedOperation injected
 * by the fault proxy on any of them stops the build with exit 2, one line naming the refused
 * actions, and no create call made.
 */
class PermissionPreflightIT {
  @RegisterExtension static final MotoExtension MOTO = new MotoExtension();

  /** Copy to a second region and share, so CopyImage and ModifyImageAttribute are checked too. */
  static final String[] COPY_AND_SHARE = {"ami_regions=us-east-1", "ami_users=111122223333"};

  /** Every action the build creates or changes something with. */
  static final List<String> CREATES =
      List.of(
          "ImportKeyPair",
          "CreateSecurityGroup",
          "AuthorizeSecurityGroupIngress",
          "RunInstances",
          "CreateImage",
          "CopyImage",
          "ModifyImageAttribute",
          "ModifySnapshotAttribute",
          "CreateTags");

  static final List<String> CHECKED =
      List.of(
          "ImportKeyPair",
          "CreateSecurityGroup",
          "RunInstances",
          "CreateImage",
          "CopyImage",
          "ModifyImageAttribute",
          "CreateTags");

  @TempDir Path tmp;

  @Test
  void k8s_dryRunsEveryCreateCall_beforeTheFirstCreate_andBuilds() {
    try (BuildRig rig = new BuildRig(MOTO, tmp, "us-east-1")) {
      TestHome.Result r = rig.build(COPY_AND_SHARE);
      assertEquals(0, r.code(), r.out() + r.err());
      for (String action : CHECKED) {
        assertEquals(
            1, rig.proxy.count(FaultProxy.dryRun(action)), action + " dry runs: " + calls(rig));
        for (FaultProxy.Request dry : rig.proxy.requests(FaultProxy.dryRun(action))) {
          assertEquals("true", dry.param("DryRun"), action);
        }
      }
      // The CopyImage dry run goes to the copy's region, as the copy does.
      assertEquals("us-east-1", rig.proxy.requests(FaultProxy.dryRun("CopyImage")).get(0).region());
      // RunInstances is checked with the build's own image, type and tags.
      FaultProxy.Request run = rig.proxy.requests(FaultProxy.dryRun("RunInstances")).get(0);
      FaultProxy.Request real = rig.proxy.requests("RunInstances").get(0);
      assertEquals(real.param("ImageId"), run.param("ImageId"));
      assertEquals(real.param("InstanceType"), run.param("InstanceType"));
      assertEquals(
          real.paramsStartingWith("TagSpecification.1.Tag"),
          run.paramsStartingWith("TagSpecification.1.Tag"));
      // The key shown to EC2 in the dry run is the one the build imports: made once, by the
      // preflight.
      String material =
          rig.proxy.requests(FaultProxy.dryRun("ImportKeyPair")).get(0).param("PublicKeyMaterial");
      assertTrue(material != null && !material.isBlank(), calls(rig));
      assertEquals(material, rig.proxy.requests("ImportKeyPair").get(0).param("PublicKeyMaterial"));
      // Every dry run comes before the first real create.
      List<String> calls = rig.proxy.calls();
      int lastDryRun = -1;
      int firstCreate = Integer.MAX_VALUE;
      for (int i = 0; i < calls.size(); i++) {
        if (calls.get(i).endsWith(FaultProxy.dryRun(""))) {
          lastDryRun = i;
        } else if (CREATES.contains(calls.get(i))) {
          firstCreate = Math.min(firstCreate, i);
        }
      }
      assertTrue(lastDryRun >= 0 && lastDryRun < firstCreate, calls.toString());
    }
  }

  @ParameterizedTest(name = "{0} refused -> exit 2, nothing created")
  @ValueSource(
      strings = {
        "ImportKeyPair",
        "CreateSecurityGroup",
        "RunInstances",
        "CreateImage",
        "CopyImage",
        "ModifyImageAttribute",
        "CreateTags"
      })
  void unauthorizedDryRun_exit2_namesTheAction_createsNothing(String action) {
    try (BuildRig rig = new BuildRig(MOTO, tmp, "us-east-1")) {
      MotoState before = rig.state();
      refuse(rig, action);
      TestHome.Result r = rig.build(COPY_AND_SHARE);
      assertEquals(2, r.code(), r.out() + r.err());
      List<String> errors = r.errLines().stream().filter(l -> l.startsWith("error: ")).toList();
      assertEquals(1, errors.size(), r.err());
      assertTrue(errors.get(0).contains("may not call ec2:" + action + " ("), errors.get(0));
      for (String create : CREATES) {
        assertEquals(0, rig.proxy.count(create), create + " was called: " + calls(rig));
      }
      assertEquals(Set.of(), rig.state().diff(before));
    }
  }

  @Test
  void twoRefusals_oneLineNamingBoth_inTheBuildsOrder() {
    try (BuildRig rig = new BuildRig(MOTO, tmp, "us-east-1")) {
      MotoState before = rig.state();
      refuse(rig, "CreateTags", "RunInstances");
      TestHome.Result r = rig.build(COPY_AND_SHARE);
      assertEquals(2, r.code(), r.out() + r.err());
      List<String> errors = r.errLines().stream().filter(l -> l.startsWith("error: ")).toList();
      assertEquals(1, errors.size(), r.err());
      assertTrue(
          errors.get(0).contains("may not call ec2:RunInstances, ec2:CreateTags ("), errors.get(0));
      assertTrue(errors.get(0).contains("--no-check-permissions"), errors.get(0));
      assertEquals(0, rig.proxy.count("ImportKeyPair"));
      assertEquals(Set.of(), rig.state().diff(before));
    }
  }

  /**
   * The dry runs that need no look-up (the key import, the image) go out while the source AMI is
   * still being looked up; the others once the source and the network are known, without waiting
   * for the architecture check. Refusals from both groups are named in the order of the build's
   * calls all the same.
   */
  @Test
  void earlyAndLaterDryRuns_overlapTheLookups_refusalsInTheBuildsOrder() {
    try (BuildRig rig = new BuildRig(MOTO, tmp, "us-east-1")) {
      MotoState before = rig.state();
      rig.proxy.keepExchanges();
      rig.proxy.on("DescribeImages").always().delay(Duration.ofMillis(1500));
      rig.proxy.on("DescribeInstanceTypes").always().delay(Duration.ofMillis(1500));
      refuse(rig, "CreateImage", "CreateSecurityGroup", "ImportKeyPair");
      TestHome.Result r = rig.build(COPY_AND_SHARE);
      assertEquals(2, r.code(), r.out() + r.err());
      List<String> errors = r.errLines().stream().filter(l -> l.startsWith("error: ")).toList();
      assertEquals(1, errors.size(), r.err());
      assertTrue(
          errors
              .get(0)
              .contains(
                  "may not call ec2:ImportKeyPair, ec2:CreateSecurityGroup, ec2:CreateImage ("),
          errors.get(0));
      List<FaultProxy.Exchange> calls = rig.proxy.exchanges();
      Instant firstImagesAnswered =
          calls.stream()
              .filter(x -> x.action().equals("DescribeImages"))
              .map(x -> x.arrived().plusNanos(x.nanos()))
              .min(Instant::compareTo)
              .orElseThrow();
      FaultProxy.Exchange architecture =
          calls.stream()
              .filter(x -> x.action().equals("DescribeInstanceTypes"))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no architecture check: " + calls(rig)));
      for (String early : List.of("ImportKeyPair", "CreateImage")) {
        Instant at = arrival(calls, FaultProxy.dryRun(early));
        assertTrue(at.isBefore(firstImagesAnswered), early + " dry run late: " + calls(rig));
      }
      Instant architectureAnswered = architecture.arrived().plusNanos(architecture.nanos());
      for (String later : List.of("CreateSecurityGroup", "RunInstances", "CreateTags")) {
        Instant at = arrival(calls, FaultProxy.dryRun(later));
        assertFalse(at.isBefore(firstImagesAnswered), later + " before the source: " + calls(rig));
        assertTrue(
            at.isBefore(architectureAnswered),
            later + " waited for the architecture check: " + calls(rig));
      }
      for (String create : CREATES) {
        assertEquals(0, rig.proxy.count(create), create + " was called: " + calls(rig));
      }
      assertEquals(Set.of(), rig.state().diff(before));
    }
  }

  private static Instant arrival(List<FaultProxy.Exchange> calls, String action) {
    return calls.stream()
        .filter(x -> x.action().equals(action))
        .map(FaultProxy.Exchange::arrived)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + action + " among " + calls.size()));
  }

  @Test
  void accessDenied_countsAsARefusal() {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      rig.proxy
          .on(FaultProxy.dryRun("CreateSecurityGroup"))
          .always()
          .fail(403, "AccessDenied", "User is not authorized to perform: ec2:CreateSecurityGroup");
      TestHome.Result r = rig.build();
      assertEquals(2, r.code(), r.out() + r.err());
      assertTrue(r.err().contains("may not call ec2:CreateSecurityGroup ("), r.err());
      assertEquals(0, rig.proxy.count("ImportKeyPair"));
    }
  }

  @Test
  void anAnswerThatProvesNothing_isNotARefusal_theBuildGoesOn() {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      // EC2 checks the placeholder instance before authorization: no verdict either way.
      rig.proxy
          .on(FaultProxy.dryRun("CreateImage"))
          .always()
          .fail(400, "InvalidInstanceID.NotFound", "The instance ID does not exist");
      TestHome.Result r = rig.build();
      assertEquals(0, r.code(), r.out() + r.err());
      assertEquals(1, rig.proxy.count("CreateImage"));
    }
  }

  @Test
  void serverErrorOnADryRun_exit1_createsNothing() {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      MotoState before = rig.state();
      rig.proxy
          .on(FaultProxy.dryRun("RunInstances"))
          .always()
          .fail(503, "Unavailable", "injected outage");
      TestHome.Result r = rig.build();
      assertEquals(1, r.code(), r.out() + r.err());
      assertEquals(0, rig.proxy.count("ImportKeyPair"));
      assertEquals(Set.of(), rig.state().diff(before));
    }
  }

  @Test
  void noCheckPermissions_sendsNoDryRun() {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      refuse(rig, "RunInstances");
      TestHome.Result r = rig.build("--no-check-permissions");
      assertEquals(0, r.code(), r.out() + r.err());
      assertFalse(
          rig.proxy.calls().stream().anyMatch(c -> c.endsWith(FaultProxy.dryRun(""))), calls(rig));
    }
  }

  /** EC2 answers the dry runs of {@code actions} with UnauthorizedOperation. */
  private static void refuse(BuildRig rig, String... actions) {
    for (String action : actions) {
      rig.proxy
          .on(FaultProxy.dryRun(action))
          .always()
          .fail(403, "UnauthorizedOperation", "You are not authorized to perform this operation.");
    }
  }

  private static String calls(BuildRig rig) {
    return rig.proxy.countsByAction().toString();
  }
}
