package dev.eksnode.amibuilder.build;

import dev.eksnode.amibuilder.aws.AwsErrors;
import dev.eksnode.amibuilder.pipeline.Resource;
import dev.eksnode.amibuilder.pipeline.ResourceKind;
import dev.eksnode.amibuilder.pipeline.Step;
import dev.eksnode.amibuilder.pipeline.UndoReport;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.ec2.model.IpPermission;
import software.amazon.awssdk.services.ec2.model.IpRange;
import software.amazon.awssdk.services.ec2.model.ResourceType;

/**
 * Creates the temporary security group (unless {@code security_group_id} names one): SSH only, only from
 * {@code temporary_security_group_source_cidrs} or else the caller's public /32, never the whole internet by
 * default.
 */
public final class SecurityGroupStep implements Step<BuildContext> {
  private static final Logger log = LoggerFactory.getLogger(SecurityGroupStep.class);
  private volatile String created;

  @Override
  public String name() {
    return "security-group";
  }

  @Override
  public void run(BuildContext ctx) throws Exception {
    if (PreflightStep.present(ctx.settings().securityGroupId())) {
      ctx.securityGroupId(ctx.settings().securityGroupId());
      return;
    }
    List<String> cidrs = ctx.settings().temporarySecurityGroupSourceCidrs().stream()
        .filter(PreflightStep::present).map(String::trim).toList();
    if (cidrs.isEmpty()) {
      cidrs = List.of(CallerIp.lookup(ctx.tuning().checkIpUrl()));
    }
    String name = "ami-builder-" + ctx.buildId().value();
    String id = ctx.ec2().createSecurityGroup(r -> r.groupName(name).vpcId(ctx.network().vpcId())
        .description("Temporary SSH access for ami-builder build " + ctx.buildId().value())
        .tagSpecifications(ctx.tags().specification(ResourceType.SECURITY_GROUP))).groupId();
    created = id;
    ctx.created(ResourceKind.SECURITY_GROUP, id, ctx.region());
    ctx.securityGroupId(id);
    int port = ctx.settings().sshPort() > 0 ? ctx.settings().sshPort() : 22;
    List<IpRange> ranges = cidrs.stream().map(c -> IpRange.builder().cidrIp(c).build()).toList();
    ctx.ec2().authorizeSecurityGroupIngress(r -> r.groupId(id).ipPermissions(IpPermission.builder()
        .ipProtocol("tcp").fromPort(port).toPort(port).ipRanges(ranges).build()));
    log.info("Security group {} allows TCP {} from {}", id, port, String.join(", ", cidrs));
  }

  @Override
  public void undo(BuildContext ctx, UndoReport report) {
    String id = created;
    if (id == null) {
      return;
    }
    // DependencyViolation while the instance is still shutting down is retried by the undo retry.
    report.remove(new Resource(ResourceKind.SECURITY_GROUP, id, ctx.region()), ctx.undoRetry(),
        AwsErrors.ignoringNotFound(() -> ctx.ec2().deleteSecurityGroup(r -> r.groupId(id))));
  }
}
