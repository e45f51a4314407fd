package dev.eksnode.amibuilder.build;

import dev.eksnode.amibuilder.pipeline.Resource;
import dev.eksnode.amibuilder.pipeline.ResourceKind;
import dev.eksnode.amibuilder.pipeline.UndoReport;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The images (and their snapshots) one step created, for its undo; thread safe for parallel copies. */
final class ImageLedger {
  private record Entry(String region, String imageId, List<String> snapshots) {}

  private final Map<String, Entry> entries = new LinkedHashMap<>();

  synchronized void image(String region, String imageId) {
    entries.putIfAbsent(imageId, new Entry(region, imageId, new ArrayList<>()));
  }

  synchronized void snapshots(String imageId, List<String> snapshots) {
    Entry e = entries.get(imageId);
    if (e != null) {
      snapshots.stream().filter(s -> !e.snapshots().contains(s)).forEach(e.snapshots()::add);
    }
  }

  synchronized void forget(String imageId) {
    entries.remove(imageId);
  }

  /** Removes every image recorded, newest first. */
  void undo(BuildContext ctx, UndoReport report) {
    List<Entry> all;
    synchronized (this) {
      all = new ArrayList<>(entries.values());
    }
    java.util.Collections.reverse(all);
    for (Entry e : all) {
      if (report.wasRemoved(new Resource(ResourceKind.IMAGE, e.imageId(), e.region()))) {
        continue;
      }
      Images.remove(ctx.ec2(e.region()), e.region(), e.imageId(), List.copyOf(e.snapshots()), ctx.undoRetry(),
          report);
    }
  }
}
