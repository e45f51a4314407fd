package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.aws.AwsErrors;
import dev.eksnode.amibuilder.aws.ShieldedCall;
import dev.eksnode.amibuilder.pipeline.Resource;
import dev.eksnode.amibuilder.pipeline.ResourceKind;
import dev.eksnode.amibuilder.pipeline.Retry;
import dev.eksnode.amibuilder.pipeline.Step;
import dev.eksnode.amibuilder.pipeline.UndoReport;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Tag;

/**
 * Puts the reference tag set on the AMI and its snapshots in every region, with {@value #COMPLETE}
 * = true: the marker that keeps {@code cleanup --older-than} away from a finished build's AMI.
 */
public final class TagStep implements Step<BuildContext> {
  /** Set last, only on the artifacts of a build that succeeded. */
  public static final String COMPLETE = "ami-builder:complete";

  private static final Tag MARKER = Tag.builder().key(COMPLETE).value("true").build();

  @Override
  public String name() {
    return "tag";
  }

  /** Its undo takes the marker back, so it runs only when the build does not succeed. */
  @Override
  public boolean keepOnSuccess() {
    return true;
  }

  /** Every image is an earlier build's, reused: they keep that build's tags. */
  @Override
  public boolean skipped(BuildContext ctx) {
    return ours(ctx).isEmpty();
  }

  /** The images this build made; a reused one belongs to the build that made it. */
  private static List<BuildState.RegionImage> ours(BuildContext ctx) {
    return ctx.state().images().values().stream()
        .filter(i -> !ctx.state().isReused(i.region()))
        .toList();
  }

  @Override
  public void run(BuildContext ctx) throws InterruptedException {
    Map<String, String> amiTags = new LinkedHashMap<>(ctx.state().amiTags());
    amiTags.put(COMPLETE, "true");
    Map<String, String> snapshotExtra =
        ctx.render(ctx.settings().tags().snapshot(), "snapshot_tags");
    for (BuildState.RegionImage image : ours(ctx)) {
      List<String> resources = new ArrayList<>();
      resources.add(image.imageId());
      if (snapshotExtra.isEmpty()) {
        resources.addAll(image.snapshotIds());
      }
      // Shielded: a cancel lets a tag call in flight land before the undo takes the marker back.
      ShieldedCall.run(
          "CreateTags",
          () ->
              ctx.ec2(image.region())
                  .createTags(r -> r.resources(resources).tags(ctx.tags().with(amiTags))));
      if (!snapshotExtra.isEmpty() && !image.snapshotIds().isEmpty()) {
        Map<String, String> snapshotTags = new LinkedHashMap<>(amiTags);
        snapshotTags.putAll(snapshotExtra);
        snapshotTags.put(COMPLETE, "true");
        ShieldedCall.run(
            "CreateTags",
            () ->
                ctx.ec2(image.region())
                    .createTags(
                        r -> r.resources(image.snapshotIds()).tags(ctx.tags().with(snapshotTags))));
      }
    }
  }

  /**
   * Takes the {@value #COMPLETE} marker off {@code resources} (ids of one region, the first named
   * in the retry's messages), retried as an undo; one already gone counts as done.
   */
  static void unmark(Ec2Client ec2, Retry retry, List<String> resources) throws Exception {
    retry.run(
        "remove the " + COMPLETE + " tag from " + resources.get(0),
        AwsErrors.ignoringNotFound(() -> ec2.deleteTags(r -> r.resources(resources).tags(MARKER))));
  }

  /**
   * The build did not succeed after (or while) this step ran: removes the {@value #COMPLETE} tag
   * from every image and snapshot it may have tagged, before the image steps' undos remove them, so
   * whatever those cannot remove is not mistaken by {@code cleanup} for a finished build's AMI. The
   * other tags go with the image.
   */
  @Override
  public void undo(BuildContext ctx, UndoReport report) {
    for (BuildState.RegionImage image : ours(ctx)) {
      List<String> resources = new ArrayList<>();
      resources.add(image.imageId());
      resources.addAll(image.snapshotIds());
      try {
        unmark(ctx.ec2(image.region()), ctx.waits().undoRetry(), resources);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (Exception e) {
        // Cleared if the image's own undo then removes it.
        report.leftover(
            new Resource(ResourceKind.IMAGE, image.imageId(), image.region()),
            "still tagged " + COMPLETE + "=true, which cleanup leaves alone: " + e.getMessage());
      }
    }
  }
}
