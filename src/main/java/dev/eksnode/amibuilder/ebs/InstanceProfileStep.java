package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.aws.AwsErrors;
import dev.eksnode.amibuilder.aws.Tags;
import dev.eksnode.amibuilder.pipeline.Resource;
import dev.eksnode.amibuilder.pipeline.ResourceKind;
import dev.eksnode.amibuilder.pipeline.Step;
import dev.eksnode.amibuilder.pipeline.UndoReport;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.regions.PartitionMetadata;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.RegionMetadata;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.IamException;
import software.amazon.awssdk.services.iam.model.InstanceProfile;
import software.amazon.awssdk.services.iam.model.Tag;

/**
 * Packer's {@code temporary_iam_instance_profile_policy_document}: makes an IAM role that EC2 may
 * assume, puts the template's policy on it inline, and an instance profile holding it, all named
 * {@code ami-builder-<build id>} under the path {@value #PATH} and tagged like the build's other
 * resources. The launch step hands the profile to RunInstances. Its undo (on success too) empties
 * and deletes the profile, then the role with its policy.
 *
 * <p>IAM is global: the resources are journaled with the build region, which names the partition
 * whose IAM holds them.
 */
public final class InstanceProfileStep implements Step<BuildContext> {
  private static final Logger log = LoggerFactory.getLogger(InstanceProfileStep.class);

  /** Where the build's roles and profiles live, so a search (and a policy) can name them all. */
  static final String PATH = "/ami-builder/";

  static final String NAME_PREFIX = "ami-builder-";

  /** How long IAM may take to show a new role to its own next call. */
  private static final Duration IAM_VISIBILITY = Duration.ofMinutes(1);

  private volatile CreateAttempt role;
  private volatile CreateAttempt profile;

  @Override
  public String name() {
    return "instance-profile";
  }

  /** The role's and the profile's name: at most 35 characters, within IAM's 64. */
  static String resourceName(BuildContext ctx) {
    return NAME_PREFIX + ctx.buildId().value();
  }

  /** The trust policy: EC2 of the build region's partition may assume the role. */
  static String trustPolicy(String region) {
    RegionMetadata metadata = RegionMetadata.of(Region.of(region));
    PartitionMetadata partition = metadata == null ? null : metadata.partition();
    String suffix = partition == null ? "amazonaws.com" : partition.dnsSuffix();
    return "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":"
        + "{\"Service\":\"ec2."
        + suffix
        + "\"},\"Action\":\"sts:AssumeRole\"}]}";
  }

  @Override
  public void run(BuildContext ctx) throws InterruptedException {
    String policy = ctx.settings().launch().temporaryIamInstanceProfilePolicyDocument();
    if (policy == null) {
      return;
    }
    IamClient iam = ctx.iam();
    String name = resourceName(ctx);
    List<Tag> tags = tags(ctx);

    CreateAttempt createRole =
        ctx.attempt(
            "CreateRole",
            ResourceKind.IAM_ROLE,
            ctx.region(),
            name,
            () -> found(ctx, ResourceKind.IAM_ROLE, name));
    role = createRole;
    createRole.run(
        () -> {
          try {
            iam.createRole(
                q ->
                    q.roleName(name)
                        .path(PATH)
                        .description("Temporary role of ami-builder build " + ctx.buildId())
                        .assumeRolePolicyDocument(trustPolicy(ctx.region()))
                        .tags(tags));
          } catch (IamException e) {
            // An SDK retry of a CreateRole that IAM carried out although its answer was lost.
            alreadyOurs(e, ctx, () -> iam.getRole(q -> q.roleName(name)).role().tags());
          }
          createRole.answered(name);
          return name;
        });
    log.info("Created IAM role {}{}", PATH, name);
    untilVisible(
        ctx,
        "policy on role " + name,
        () -> iam.putRolePolicy(q -> q.roleName(name).policyName(name).policyDocument(policy)));

    CreateAttempt createProfile =
        ctx.attempt(
            "CreateInstanceProfile",
            ResourceKind.INSTANCE_PROFILE,
            ctx.region(),
            name,
            () -> found(ctx, ResourceKind.INSTANCE_PROFILE, name));
    profile = createProfile;
    String arn =
        createProfile.run(
            () -> {
              InstanceProfile made;
              try {
                made =
                    iam.createInstanceProfile(
                            q -> q.instanceProfileName(name).path(PATH).tags(tags))
                        .instanceProfile();
              } catch (IamException e) {
                alreadyOurs(
                    e,
                    ctx,
                    () ->
                        iam.getInstanceProfile(q -> q.instanceProfileName(name))
                            .instanceProfile()
                            .tags());
                made = iam.getInstanceProfile(q -> q.instanceProfileName(name)).instanceProfile();
              }
              createProfile.answered(name);
              return made.arn();
            });
    untilVisible(ctx, "role " + name + " in instance profile " + name, () -> addRole(iam, name));
    log.info("Created instance profile {} holding role {}", arn, name);
    ctx.state().temporaryProfile(new BuildState.TemporaryProfile(name, arn, name));
  }

  /**
   * AddRoleToInstanceProfile; an SDK retry after a lost answer meets the role already there (a
   * profile holds one role), which is what we wanted.
   */
  private static void addRole(IamClient iam, String name) {
    try {
      iam.addRoleToInstanceProfile(q -> q.instanceProfileName(name).roleName(name));
    } catch (IamException e) {
      String code = AwsErrors.errorCode(e).orElse("");
      boolean holdsIt =
          ("LimitExceeded".equals(code) || "EntityAlreadyExists".equals(code))
              && iam
                  .getInstanceProfile(q -> q.instanceProfileName(name))
                  .instanceProfile()
                  .roles()
                  .stream()
                  .anyMatch(r -> r.roleName().equals(name));
      if (!holdsIt) {
        throw e;
      }
    }
  }

  /**
   * A follow-up call on a resource made a moment ago: IAM is eventually consistent, so "no such
   * entity" is retried for a while.
   */
  private static void untilVisible(BuildContext ctx, String what, Runnable call)
      throws InterruptedException {
    ctx.waits()
        .poller()
        .waitFor(
            what,
            () -> {
              call.run();
              return Boolean.TRUE;
            })
        .stateOf(done -> "done")
        .until(done -> done)
        .tolerate(AwsErrors::isNotFound)
        .timeout(IAM_VISIBILITY)
        .await();
  }

  /** Rethrows {@code e} unless it says the resource exists and it carries this build's id. */
  private static void alreadyOurs(
      IamException e, BuildContext ctx, Supplier<List<Tag>> tagsOfExisting) {
    if (!"EntityAlreadyExists".equals(AwsErrors.errorCode(e).orElse(""))) {
      throw e;
    }
    boolean ours =
        tagsOfExisting.get().stream()
            .anyMatch(
                t -> Tags.BUILD_ID.equals(t.key()) && ctx.buildId().value().equals(t.value()));
    if (!ours) {
      throw e;
    }
  }

  private static List<String> found(BuildContext ctx, ResourceKind kind, String name) {
    return ctx.removers().stillThere(new Resource(kind, name, ctx.region()))
        ? List.of(name)
        : List.of();
  }

  /** The template's run_tags (as Packer tags the role and profile) plus the ownership tags. */
  private static List<Tag> tags(BuildContext ctx) {
    Map<String, String> extra =
        new LinkedHashMap<>(ctx.render(ctx.settings().tags().run(), "run_tags"));
    return ctx.tags().with(extra).stream()
        .map(t -> Tag.builder().key(t.key()).value(t.value()).build())
        .toList();
  }

  @Override
  public void undo(BuildContext ctx, UndoReport report) {
    // The profile holds the role: it goes first (its remover takes the role out), then the role
    // with its inline policy.
    for (CreateAttempt create : new CreateAttempt[] {profile, role}) {
      if (create == null) {
        continue;
      }
      for (Resource resource : create.createdResources(report)) {
        ctx.removers().remove(resource, report);
      }
    }
  }
}
