package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.pipeline.Step;
import dev.eksnode.amibuilder.pipeline.UndoReport;
import java.util.List;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.LaunchPermission;
import software.amazon.awssdk.services.ec2.model.OperationType;
import software.amazon.awssdk.services.ec2.model.SnapshotAttributeName;

/**
 * Shares the AMI in every region: launch permission for {@code ami_users} and {@code ami_groups},
 * create-volume permission on the snapshots for {@code snapshot_users}. Nothing to undo: a removed
 * image takes its permissions.
 */
public final class ShareStep implements Step<BuildContext> {

  @Override
  public String name() {
    return "share";
  }

  @Override
  public void run(BuildContext ctx) {
    List<String> users = ctx.settings().distribution().users();
    List<String> groups = ctx.settings().distribution().groups();
    List<String> snapshotUsers = ctx.settings().distribution().snapshotUsers();
    if (users.isEmpty() && groups.isEmpty() && snapshotUsers.isEmpty()) {
      return;
    }
    for (BuildState.RegionImage image : ctx.state().images().values()) {
      Ec2Client ec2 = ctx.ec2(image.region());
      if (!users.isEmpty() || !groups.isEmpty()) {
        List<LaunchPermission> add = new java.util.ArrayList<>();
        users.forEach(u -> add.add(LaunchPermission.builder().userId(u).build()));
        groups.forEach(g -> add.add(LaunchPermission.builder().group(g).build()));
        ec2.modifyImageAttribute(r -> r.imageId(image.imageId()).launchPermission(p -> p.add(add)));
      }
      if (!snapshotUsers.isEmpty()) {
        for (String snapshot : image.snapshotIds()) {
          // The flat OperationType/UserId form: EC2 takes both, moto only this one.
          ec2.modifySnapshotAttribute(
              r ->
                  r.snapshotId(snapshot)
                      .attribute(SnapshotAttributeName.CREATE_VOLUME_PERMISSION)
                      .operationType(OperationType.ADD)
                      .userIds(snapshotUsers));
        }
      }
    }
  }

  @Override
  public void undo(BuildContext ctx, UndoReport report) {
    // Permissions go with the image.
  }
}
