package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.pipeline.Resource;
import dev.eksnode.amibuilder.pipeline.ResourceKind;
import dev.eksnode.amibuilder.pipeline.UndoReport;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The image create calls (CreateImage, CopyImage) of one step and the snapshots behind what they
 * made, for its undo; thread safe for parallel copies.
 */
final class ImageLedger {
  private final List<CreateAttempt> attempts = new ArrayList<>();
  private final Map<String, Set<String>> snapshots = new LinkedHashMap<>();

  /**
   * A create call of an image called {@code name} in {@code region}. Its lookup, should the answer
   * be lost, is by that name and the build-id tag the image gets at creation; for a CopyImage also
   * by the name alone when the copy has no build id yet ({@link Images#copiesOfBuild}).
   */
  CreateAttempt attempt(BuildContext ctx, String action, String region, String name) {
    String buildId = ctx.buildId().value();
    CreateAttempt.Lookup lookup =
        "CopyImage".equals(action)
            ? () -> Images.copiesOfBuild(ctx.ec2(region), name, buildId)
            : () -> Images.ofBuild(ctx.ec2(region), name, buildId);
    CreateAttempt attempt = ctx.attempt(action, ResourceKind.IMAGE, region, name, lookup);
    synchronized (this) {
      attempts.add(attempt);
    }
    return attempt;
  }

  synchronized void snapshots(String imageId, List<String> ids) {
    snapshots.computeIfAbsent(imageId, k -> new LinkedHashSet<>()).addAll(ids);
  }

  /** Removes every image the calls made (newest first) with its snapshots. */
  void undo(BuildContext ctx, UndoReport report) {
    List<CreateAttempt> all;
    synchronized (this) {
      all = new ArrayList<>(attempts);
    }
    Collections.reverse(all);
    for (CreateAttempt attempt : all) {
      for (Resource image : attempt.createdResources(report)) {
        if (report.wasRemoved(image)) {
          continue;
        }
        List<Resource> known;
        synchronized (this) {
          known =
              snapshots.getOrDefault(image.id(), Set.of()).stream()
                  .map(s -> new Resource(ResourceKind.SNAPSHOT, s, image.region()))
                  .toList();
        }
        ctx.removers().remove(image, known, ctx.waits().time().nanoTime(), report);
      }
    }
  }
}
