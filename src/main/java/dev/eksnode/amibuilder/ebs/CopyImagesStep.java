package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.pipeline.Step;
import dev.eksnode.amibuilder.pipeline.UndoReport;
import dev.eksnode.amibuilder.template.AmazonEbsSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.ResourceType;

/**
 * Copies the AMI to every {@code ami_regions} region at once (client token per region, encrypted
 * with the region's key when asked), journals each copy the moment its id is known, and waits for
 * all of them. Copies survive success and are removed on failure.
 */
public final class CopyImagesStep implements Step<BuildContext> {
  private static final Logger log = LoggerFactory.getLogger(CopyImagesStep.class);
  private final ImageLedger created = new ImageLedger();
  private final java.util.concurrent.atomic.AtomicInteger runs =
      new java.util.concurrent.atomic.AtomicInteger();

  @Override
  public String name() {
    return "copy-image";
  }

  @Override
  public boolean keepOnSuccess() {
    return true;
  }

  /** An earlier bake of the same inputs is reused and has every copy: nothing to copy. */
  @Override
  public boolean skipped(BuildContext ctx) {
    return !ctx.state().reused().isEmpty() && regions(ctx).isEmpty();
  }

  /** The copy regions, less those where an earlier bake of the same inputs has its copy. */
  private static List<String> regions(BuildContext ctx) {
    return PreflightStep.targetRegions(ctx).stream()
        .filter(r -> !r.equals(ctx.region()) && !ctx.state().isReused(r))
        .toList();
  }

  @Override
  public void run(BuildContext ctx) throws Exception {
    int run = runs.incrementAndGet();
    List<String> regions = regions(ctx);
    if (regions.isEmpty()) {
      return;
    }
    BuildState.RegionImage source = ctx.state().images().get(ctx.region());
    ExecutorService pool =
        Executors.newFixedThreadPool(
            regions.size(),
            r -> {
              Thread t = new Thread(r, "copy-" + ctx.buildId().value());
              t.setDaemon(true);
              return t;
            });
    List<Future<?>> futures = new ArrayList<>();
    CompletionService<Void> done = new ExecutorCompletionService<>(pool);
    try {
      for (String region : regions) {
        futures.add(
            done.submit(
                () -> {
                  copy(ctx, source, region, run);
                  return null;
                }));
      }
      // Take results as they finish, so the first failing region stops the others at once, whatever
      // its place.
      Exception failure = null;
      for (int i = 0; i < futures.size() && failure == null; i++) {
        try {
          done.take().get();
        } catch (ExecutionException e) {
          failure = e.getCause() instanceof Exception ex ? ex : new RuntimeException(e.getCause());
        }
      }
      if (failure != null) {
        throw failure;
      }
    } finally {
      // A copy call in flight finishes and is journaled before its thread honours this (see
      // ShieldedCall).
      futures.forEach(f -> f.cancel(true));
      pool.shutdown();
      // Let every copy call return (and be journaled) before the undo looks at what was created.
      if (!pool.awaitTermination(2, TimeUnit.MINUTES)) {
        log.warn("Copy threads did not stop within 2 minutes");
      }
    }
  }

  private void copy(BuildContext ctx, BuildState.RegionImage source, String region, int run)
      throws Exception {
    AmazonEbsSettings s = ctx.settings();
    ctx.journal().regionTouched(region);
    Ec2Client ec2 = ctx.ec2(region);
    // A copy of a reused AMI takes its name, so the image has one name in every region.
    String name = ctx.state().reusedName() != null ? ctx.state().reusedName() : s.image().name();
    CreateAttempt attempt = created.attempt(ctx, "CopyImage", region, name);
    String id =
        attempt.run(
            () -> {
              String imageId =
                  ec2.copyImage(
                          r -> {
                            r.sourceRegion(ctx.region())
                                .sourceImageId(source.imageId())
                                .name(name)
                                .description(s.image().description())
                                .clientToken(
                                    CreateAttempt.clientToken(
                                        ctx.buildId().value() + "-copy-" + region, run))
                                .tagSpecifications(
                                    ctx.tags()
                                        .specification(ResourceType.IMAGE, ctx.state().amiTags()));
                            if (s.image().encryptBoot()) {
                              r.encrypted(true);
                              // A KMS key id or ARN names a key of one region: kms_key_id is the
                              // build region's. Without a key for this region in
                              // region_kms_key_ids, EC2 uses the region's default EBS key, as
                              // Packer does.
                              String key = regionKey(s, region);
                              if (key != null) {
                                r.kmsKeyId(key);
                              }
                            }
                          })
                      .imageId();
              attempt.answered(imageId);
              return imageId;
            });
    log.info("Copying {} to {} as {}", source.imageId(), region, id);
    // Not every EC2 implementation honours TagSpecifications on CopyImage (moto does not): tag
    // before the long wait so a tag sweep finds the copy even if this process dies.
    ec2.createTags(r -> r.resources(id).tags(ctx.tags().with(ctx.state().amiTags())));
    ctx.state().image(CreateImageStep.awaitAvailable(ctx, created, region, id));
  }

  /**
   * The key to encrypt the copy in {@code region} with, or {@code null} for the region's default
   * EBS key.
   */
  static String regionKey(AmazonEbsSettings s, String region) {
    return s.distribution().regionKmsKeyIds().get(region);
  }

  @Override
  public void undo(BuildContext ctx, UndoReport report) {
    created.undo(ctx, report);
  }
}
