package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.pipeline.Step;
import dev.eksnode.amibuilder.pipeline.UndoReport;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Puts the reference tag set on the AMI and its snapshots in every region, with {@value #COMPLETE}
 * = true: the marker that keeps {@code cleanup --older-than} away from a finished build's AMI.
 */
public final class TagStep implements Step<BuildContext> {
  /** Set last, only on the artifacts of a build that succeeded. */
  public static final String COMPLETE = "ami-builder:complete";

  @Override
  public String name() {
    return "tag";
  }

  @Override
  public void run(BuildContext ctx) {
    Map<String, String> amiTags = new LinkedHashMap<>(ctx.state().amiTags());
    amiTags.put(COMPLETE, "true");
    Map<String, String> snapshotExtra =
        ctx.render(ctx.settings().tags().snapshot(), "snapshot_tags");
    for (BuildState.RegionImage image : ctx.state().images().values()) {
      List<String> resources = new ArrayList<>();
      resources.add(image.imageId());
      if (snapshotExtra.isEmpty()) {
        resources.addAll(image.snapshotIds());
      }
      ctx.ec2(image.region())
          .createTags(r -> r.resources(resources).tags(ctx.tags().with(amiTags)));
      if (!snapshotExtra.isEmpty() && !image.snapshotIds().isEmpty()) {
        Map<String, String> snapshotTags = new LinkedHashMap<>(amiTags);
        snapshotTags.putAll(snapshotExtra);
        snapshotTags.put(COMPLETE, "true");
        ctx.ec2(image.region())
            .createTags(r -> r.resources(image.snapshotIds()).tags(ctx.tags().with(snapshotTags)));
      }
    }
  }

  @Override
  public void undo(BuildContext ctx, UndoReport report) {
    // Tags go with the image.
  }
}
