package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.aws.AwsErrors;
import dev.eksnode.amibuilder.pipeline.Resource;
import dev.eksnode.amibuilder.pipeline.ResourceKind;
import dev.eksnode.amibuilder.pipeline.Step;
import dev.eksnode.amibuilder.pipeline.UndoReport;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.IpPermission;
import software.amazon.awssdk.services.ec2.model.IpRange;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.SecurityGroup;

/**
 * Creates the temporary security group (unless {@code security_group_id} names one): SSH only, only
 * from the {@link SshSource} preflight chose ({@code temporary_security_group_source_cidrs}, the
 * VPC's CIDR when SSH goes to the private address, else the caller's public /32), never the whole
 * internet by default.
 */
public final class SecurityGroupStep implements Step<BuildContext> {
  private static final Logger log = LoggerFactory.getLogger(SecurityGroupStep.class);
  private volatile CreateAttempt attempt;

  @Override
  public String name() {
    return "security-group";
  }

  @Override
  public void run(BuildContext ctx) throws InterruptedException {
    if (ctx.settings().network().securityGroupId() != null) {
      ctx.state().securityGroupId(ctx.settings().network().securityGroupId());
      return;
    }
    // Preflight chose the sources (looking up the caller's address if need be) before anything was
    // created.
    SshSource source = ctx.state().sshSource();
    List<String> cidrs = source.cidrs();
    String name = groupName(ctx);
    String vpcId = ctx.state().network().vpcId();
    // The name carries the build id and is unique within the VPC.
    CreateAttempt create =
        ctx.attempt(
            "CreateSecurityGroup",
            ResourceKind.SECURITY_GROUP,
            ctx.region(),
            name,
            () -> groupsNamed(ctx, name, vpcId));
    attempt = create;
    String id =
        create.run(
            () -> {
              String groupId;
              try {
                groupId =
                    ctx.ec2()
                        .createSecurityGroup(
                            r ->
                                r.groupName(name)
                                    .vpcId(vpcId)
                                    .description(
                                        "Temporary SSH access for ami-builder build "
                                            + ctx.buildId().value())
                                    .tagSpecifications(
                                        ctx.tags().specification(ResourceType.SECURITY_GROUP)))
                        .groupId();
              } catch (Ec2Exception e) {
                // An SDK retry of a call whose answer was lost on the way back: the first attempt
                // made the group, and a group of this name (it carries the build id) is ours.
                groupId = duplicateOfOurs(ctx, e, name, vpcId);
                log.debug("Security group {} was made by an earlier attempt of this call", groupId);
              }
              create.answered(groupId);
              return groupId;
            });
    ctx.state().securityGroupId(id);
    int port = ctx.settings().ssh().port() > 0 ? ctx.settings().ssh().port() : 22;
    List<IpRange> ranges = cidrs.stream().map(c -> IpRange.builder().cidrIp(c).build()).toList();
    ctx.ec2()
        .authorizeSecurityGroupIngress(
            r ->
                r.groupId(id)
                    .ipPermissions(
                        IpPermission.builder()
                            .ipProtocol("tcp")
                            .fromPort(port)
                            .toPort(port)
                            .ipRanges(ranges)
                            .build()));
    log.info("Security group {} allows TCP {} from {}", id, port, String.join(", ", cidrs));
    ctx.events().sshSource(source);
  }

  /** The id of the group named {@code name} in {@code vpcId} that {@code e} says exists. */
  private static String duplicateOfOurs(
      BuildContext ctx, Ec2Exception e, String name, String vpcId) {
    if (!"InvalidGroup.Duplicate".equals(AwsErrors.errorCode(e).orElse(""))) {
      throw e;
    }
    List<String> ids = groupsNamed(ctx, name, vpcId);
    if (ids.size() != 1) {
      throw e;
    }
    return ids.get(0);
  }

  /** The ids of the groups named {@code name} in {@code vpcId}: one at most, names are unique. */
  private static List<String> groupsNamed(BuildContext ctx, String name, String vpcId) {
    return ctx
        .ec2()
        .describeSecurityGroups(
            r ->
                r.filters(
                    Filter.builder().name("group-name").values(name).build(),
                    Filter.builder().name("vpc-id").values(vpcId).build()))
        .securityGroups()
        .stream()
        .map(SecurityGroup::groupId)
        .toList();
  }

  private static String groupName(BuildContext ctx) {
    return "ami-builder-" + ctx.buildId().value();
  }

  @Override
  public void undo(BuildContext ctx, UndoReport report) {
    CreateAttempt create = attempt;
    if (create == null) {
      return;
    }
    for (Resource group : create.createdResources(report)) {
      ctx.removers().remove(group, report);
    }
  }
}
