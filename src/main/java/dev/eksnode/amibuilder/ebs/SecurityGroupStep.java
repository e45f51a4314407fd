package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.aws.AwsErrors;
import dev.eksnode.amibuilder.aws.ShieldedCall;
import dev.eksnode.amibuilder.pipeline.Resource;
import dev.eksnode.amibuilder.pipeline.ResourceKind;
import dev.eksnode.amibuilder.pipeline.Step;
import dev.eksnode.amibuilder.pipeline.UndoReport;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.IpPermission;
import software.amazon.awssdk.services.ec2.model.IpRange;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.SecurityGroup;

/**
 * Creates the temporary security group (unless {@code security_group_id} names one): SSH only, only from
 * {@code temporary_security_group_source_cidrs} or else the caller's public /32, never the whole internet by
 * default.
 */
public final class SecurityGroupStep implements Step<BuildContext> {
  private static final Logger log = LoggerFactory.getLogger(SecurityGroupStep.class);
  private volatile String created;
  private volatile boolean attempted;

  @Override
  public String name() {
    return "security-group";
  }

  @Override
  public void run(BuildContext ctx) throws InterruptedException {
    if (ctx.settings().network().securityGroupId() != null) {
      ctx.securityGroupId(ctx.settings().network().securityGroupId());
      return;
    }
    // Preflight chose the sources (looking up the caller's address if need be) before anything was created.
    List<String> cidrs = ctx.sshSourceCidrs();
    String name = groupName(ctx);
    attempted = true;
    String id = ShieldedCall.run("CreateSecurityGroup", () -> {
      String groupId = ctx.ec2().createSecurityGroup(r -> r.groupName(name).vpcId(ctx.network().vpcId())
          .description("Temporary SSH access for ami-builder build " + ctx.buildId().value())
          .tagSpecifications(ctx.tags().specification(ResourceType.SECURITY_GROUP))).groupId();
      created = groupId;
      ctx.created(ResourceKind.SECURITY_GROUP, groupId, ctx.region());
      return groupId;
    });
    ctx.securityGroupId(id);
    int port = ctx.settings().ssh().port() > 0 ? ctx.settings().ssh().port() : 22;
    List<IpRange> ranges = cidrs.stream().map(c -> IpRange.builder().cidrIp(c).build()).toList();
    ctx.ec2().authorizeSecurityGroupIngress(r -> r.groupId(id).ipPermissions(IpPermission.builder()
        .ipProtocol("tcp").fromPort(port).toPort(port).ipRanges(ranges).build()));
    log.info("Security group {} allows TCP {} from {}", id, port, String.join(", ", cidrs));
  }

  private static String groupName(BuildContext ctx) {
    return "ami-builder-" + ctx.buildId().value();
  }

  @Override
  public void undo(BuildContext ctx, UndoReport report) {
    String id = created;
    if (id == null && attempted) {
      id = lost(ctx, report);
    }
    if (id == null) {
      return;
    }
    String groupId = id;
    // DependencyViolation while the instance is still shutting down is retried by the undo retry.
    report.remove(new Resource(ResourceKind.SECURITY_GROUP, groupId, ctx.region()), ctx.undoRetry(),
        AwsErrors.ignoringNotFound(() -> ctx.ec2().deleteSecurityGroup(r -> r.groupId(groupId))));
  }

  /** CreateSecurityGroup got no answer: the group may exist anyway, under the name only this build uses. */
  private String lost(BuildContext ctx, UndoReport report) {
    List<SecurityGroup> groups;
    try {
      groups = ctx.undoRetry().call("look up security group " + groupName(ctx),
          () -> ctx.ec2().describeSecurityGroups(r -> r.filters(
              Filter.builder().name("group-name").values(groupName(ctx)).build(),
              Filter.builder().name("vpc-id").values(ctx.network().vpcId()).build())).securityGroups());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (Exception e) {
      report.leftover(new Resource(ResourceKind.SECURITY_GROUP, groupName(ctx), ctx.region()), e);
      return null;
    }
    if (groups.isEmpty()) {
      return null;
    }
    created = groups.get(0).groupId();
    ctx.created(ResourceKind.SECURITY_GROUP, created, ctx.region());
    return created;
  }
}
