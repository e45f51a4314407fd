package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.pipeline.Step;
import dev.eksnode.amibuilder.pipeline.UndoReport;
import dev.eksnode.amibuilder.template.AmazonEbsSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.ResourceType;

/**
 * With {@code encrypt_boot}: copies the unencrypted image in the build region into an encrypted one
 * (the build's key, or the region's default EBS key), as Packer does. The encrypted AMI survives
 * success and is removed on failure; the unencrypted one is removed by the undo of {@link
 * CreateImageStep}.
 */
public final class EncryptImageStep implements Step<BuildContext> {
  private static final Logger log = LoggerFactory.getLogger(EncryptImageStep.class);
  private final ImageLedger created = new ImageLedger();
  private final java.util.concurrent.atomic.AtomicInteger runs =
      new java.util.concurrent.atomic.AtomicInteger();

  @Override
  public String name() {
    return "encrypt-image";
  }

  @Override
  public boolean keepOnSuccess() {
    return true;
  }

  @Override
  public void run(BuildContext ctx) throws Exception {
    int run = runs.incrementAndGet();
    AmazonEbsSettings s = ctx.settings();
    Ec2Client ec2 = ctx.ec2();
    String region = ctx.region();
    BuildState.RegionImage source = ctx.state().unencrypted();
    CreateAttempt attempt = created.attempt(ctx, "CopyImage", region, s.image().name());
    String encryptedId =
        attempt.run(
            () -> {
              String id =
                  ec2.copyImage(
                          r -> {
                            r.sourceRegion(region)
                                .sourceImageId(source.imageId())
                                .name(s.image().name())
                                .description(s.image().description())
                                .clientToken(
                                    CreateAttempt.clientToken(
                                        ctx.buildId().value() + "-encrypt", run))
                                .encrypted(true)
                                .tagSpecifications(
                                    ctx.tags()
                                        .specification(ResourceType.IMAGE, ctx.state().amiTags()));
                            if (s.image().kmsKeyId() != null) {
                              r.kmsKeyId(s.image().kmsKeyId());
                            }
                          })
                      .imageId();
              attempt.answered(id);
              return id;
            });
    BuildState.RegionImage encrypted =
        CreateImageStep.awaitAvailable(ctx, created, region, encryptedId);
    log.info("Encrypted {} as {}", source.imageId(), encryptedId);
    ctx.state().image(encrypted);
  }

  @Override
  public void undo(BuildContext ctx, UndoReport report) {
    created.undo(ctx, report);
  }
}
