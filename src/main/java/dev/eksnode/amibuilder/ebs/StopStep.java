package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.aws.AwsErrors;
import dev.eksnode.amibuilder.pipeline.Step;
import dev.eksnode.amibuilder.pipeline.UndoReport;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;

/**
 * Stops the instance so the image is consistent, and waits until it is stopped. The launch undo
 * terminates it.
 */
public final class StopStep implements Step<BuildContext> {

  @Override
  public String name() {
    return "stop-instance";
  }

  @Override
  public void run(BuildContext ctx) throws InterruptedException {
    String id = ctx.state().instance().id();
    Ec2Client ec2 = ctx.ec2();
    ec2.stopInstances(r -> r.instanceIds(id));
    ctx.waits()
        .poller()
        .waitFor("instance " + id + " stopped", () -> LaunchStep.describe(ec2, id))
        .stateOf(i -> i == null ? "not visible" : i.state().nameAsString())
        .until(i -> i != null && i.state().name() == InstanceStateName.STOPPED)
        .failWhen(i -> i == null || i.state().name() == InstanceStateName.TERMINATED)
        .tolerate(AwsErrors::isThrottling)
        .timeout(java.time.Duration.ofMinutes(15))
        .onProgress(ctx.events()::waiting)
        .await();
  }

  @Override
  public void undo(BuildContext ctx, UndoReport report) {
    // Nothing of its own: the instance is terminated by the launch step's undo.
  }
}
