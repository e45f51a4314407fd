package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.template.AmazonEbsSettings;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * The source AMI lookups of one run. The builds of a matrix mostly start from the same image: those
 * with the same EC2 client (endpoint and region) and the same source settings ask EC2 once, and the
 * others wait for that answer instead of sending the same DescribeImages again. A failed lookup is
 * handed to the builds that waited for it and then forgotten, so a later build asks afresh.
 */
final class SourceImages {
  private final Map<List<Object>, CompletableFuture<BuildState.SourceImage>> found;

  private SourceImages(boolean shared) {
    this.found = shared ? new ConcurrentHashMap<>() : null;
  }

  /** Lookups shared by every build given this instance. */
  static SourceImages shared() {
    return new SourceImages(true);
  }

  /** Every lookup asks EC2 (a build on its own). */
  static SourceImages unshared() {
    return new SourceImages(false);
  }

  BuildState.SourceImage resolve(Ec2Client ec2, AmazonEbsSettings s) throws InterruptedException {
    if (found == null) {
      return PreflightStep.resolveSource(ec2, s);
    }
    List<Object> key = List.of(ec2, s.region(), s.source());
    CompletableFuture<BuildState.SourceImage> mine = new CompletableFuture<>();
    CompletableFuture<BuildState.SourceImage> earlier = found.putIfAbsent(key, mine);
    if (earlier == null) {
      try {
        BuildState.SourceImage image = PreflightStep.resolveSource(ec2, s);
        mine.complete(image);
        return image;
      } catch (RuntimeException e) {
        found.remove(key, mine);
        mine.completeExceptionally(e);
        throw e;
      }
    }
    try {
      return earlier.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(e.getCause());
    }
  }
}
