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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The images (and their snapshots) one step created, for its undo; thread safe for parallel copies. It also
 * remembers each create call sent, so the undo can find an image whose id never reached us.
 */
final class ImageLedger {
  private static final Logger log = LoggerFactory.getLogger(ImageLedger.class);

  private record Entry(String region, String imageId, List<String> snapshots) {}

  private record Attempt(String region, String name) {}

  private final Map<String, Entry> entries = new LinkedHashMap<>();
  private final Set<Attempt> pending = new LinkedHashSet<>();

  /** A CreateImage/CopyImage of an image called {@code name} is about to be sent to {@code region}. */
  synchronized void attempt(String region, String name) {
    pending.add(new Attempt(region, name));
  }

  /** The call of {@link #attempt} answered with {@code imageId}. */
  synchronized void image(String region, String name, String imageId) {
    pending.remove(new Attempt(region, name));
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

  /** Removes every image recorded, newest first, after looking for those whose create call got no answer. */
  void undo(BuildContext ctx, UndoReport report) {
    findLost(ctx, report);
    List<Entry> all;
    synchronized (this) {
      all = new ArrayList<>(entries.values());
    }
    Collections.reverse(all);
    for (Entry e : all) {
      if (report.wasRemoved(new Resource(ResourceKind.IMAGE, e.imageId(), e.region()))) {
        continue;
      }
      Images.remove(ctx.ec2(e.region()), e.region(), e.imageId(), List.copyOf(e.snapshots()), ctx.undoRetry(),
          report);
    }
  }

  /**
   * A create call that failed without an id (an SDK timeout, a lost connection) may still have made the image:
   * it carries our name and, from its tag specification, our build id.
   */
  private void findLost(BuildContext ctx, UndoReport report) {
    List<Attempt> lost;
    synchronized (this) {
      lost = List.copyOf(pending);
    }
    for (Attempt a : lost) {
      List<String> found;
      try {
        found = ctx.undoRetry().call("look up image " + a.name() + " in " + a.region(),
            () -> Images.ofBuild(ctx.ec2(a.region()), a.name(), ctx.buildId().value()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (Exception e) {
        report.leftover(new Resource(ResourceKind.IMAGE, a.name(), a.region()), e);
        continue;
      }
      for (String imageId : found) {
        log.info("The call creating {} in {} got no answer, but it made {}; removing it", a.name(), a.region(),
            imageId);
        ctx.created(ResourceKind.IMAGE, imageId, a.region());
        image(a.region(), a.name(), imageId);
      }
    }
  }
}
