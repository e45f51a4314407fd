package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.aws.AwsErrors;
import dev.eksnode.amibuilder.aws.ShieldedCall;
import dev.eksnode.amibuilder.aws.Tags;
import dev.eksnode.amibuilder.pipeline.Resource;
import dev.eksnode.amibuilder.pipeline.ResourceKind;
import dev.eksnode.amibuilder.pipeline.Step;
import dev.eksnode.amibuilder.pipeline.UndoReport;
import dev.eksnode.amibuilder.template.AmazonEbsSettings;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Image;
import software.amazon.awssdk.services.ec2.model.ResourceType;

/**
 * Creates the AMI from the stopped instance, tagged at creation, and waits until it is available; then tags its
 * snapshots (EC2 and moto do not take a snapshot TagSpecification on CreateImage). With {@code encrypt_boot} an
 * encrypted copy in the same region replaces the unencrypted image, as Packer does. The AMI survives success and
 * is removed on failure.
 */
public final class CreateImageStep implements Step<BuildContext> {
  private static final Logger log = LoggerFactory.getLogger(CreateImageStep.class);
  private final ImageLedger created = new ImageLedger();

  @Override
  public String name() {
    return "create-image";
  }

  @Override
  public boolean keepOnSuccess() {
    return true;
  }

  @Override
  public void run(BuildContext ctx) throws Exception {
    AmazonEbsSettings s = ctx.settings();
    Ec2Client ec2 = ctx.ec2();
    String region = ctx.region();
    boolean encrypt = s.image().encryptBoot();
    String name = encrypt ? "ami-builder-" + ctx.buildId().value() + "-unencrypted" : s.image().name();
    Map<String, String> imageTags = encrypt ? Map.of("Name", name) : ctx.amiTags();
    created.attempt(region, name);
    String imageId = ShieldedCall.run("CreateImage", () -> {
      String id = createImage(ctx, ec2, name, imageTags);
      created.image(region, name, id);
      ctx.created(ResourceKind.IMAGE, id, region);
      return id;
    });
    Image image = Images.awaitAvailable(ctx.imagePoller(), ec2, imageId, ctx.imageTimeout(), ctx.events()::waiting);
    List<String> snapshots = recordSnapshots(ctx, created, region, imageId, image);
    if (!encrypt) {
      ctx.image(new BuildContext.RegionImage(region, imageId, snapshots));
      return;
    }
    created.attempt(region, s.image().name());
    String encryptedId = ShieldedCall.run("CopyImage", () -> {
      String id = ec2.copyImage(r -> {
        r.sourceRegion(region).sourceImageId(imageId).name(s.image().name()).description(s.image().description())
            .clientToken(ctx.buildId().value() + "-encrypt").encrypted(true)
            .tagSpecifications(ctx.tags().specification(ResourceType.IMAGE, ctx.amiTags()));
        if (s.image().kmsKeyId() != null) {
          r.kmsKeyId(s.image().kmsKeyId());
        }
      }).imageId();
      created.image(region, s.image().name(), id);
      ctx.created(ResourceKind.IMAGE, id, region);
      return id;
    });
    Image encrypted = Images.awaitAvailable(ctx.imagePoller(), ec2, encryptedId, ctx.imageTimeout(),
        ctx.events()::waiting);
    List<String> encryptedSnapshots = recordSnapshots(ctx, created, region, encryptedId, encrypted);
    // The unencrypted image was only a stepping stone.
    UndoReport report = new UndoReport(ctx.journal());
    Images.remove(ec2, region, imageId, snapshots, ctx.undoRetry(), report);
    if (report.wasRemoved(new Resource(ResourceKind.IMAGE, imageId, region))) {
      created.forget(imageId);
    }
    log.info("Encrypted {} as {}", imageId, encryptedId);
    ctx.image(new BuildContext.RegionImage(region, encryptedId, encryptedSnapshots));
  }

  /**
   * CreateImage has no client token: when an SDK retry of a call that did succeed meets our own name, the image
   * with that name and our build id is the one we made.
   */
  private static String createImage(BuildContext ctx, Ec2Client ec2, String name, Map<String, String> tags) {
    AmazonEbsSettings s = ctx.settings();
    try {
      return ec2.createImage(r -> r.instanceId(ctx.instance().id()).name(name).description(s.image().description())
          .blockDeviceMappings(LaunchStep.mappings(s.image().blockDevices()))
          .tagSpecifications(ctx.tags().specification(ResourceType.IMAGE, tags))).imageId();
    } catch (Ec2Exception e) {
      if (!"InvalidAMIName.Duplicate".equals(AwsErrors.errorCode(e).orElse(""))) {
        throw e;
      }
      List<Image> ours = ec2.describeImages(r -> r.owners("self").filters(
          Filter.builder().name("name").values(name).build(),
          Tags.buildIdFilter(ctx.buildId().value()))).images();
      if (ours.isEmpty()) {
        throw e;
      }
      return ours.get(0).imageId();
    }
  }

  /** Journals the image's snapshots and tags them with the ownership tags and the AMI's tags. */
  static List<String> recordSnapshots(BuildContext ctx, ImageLedger ledger, String region, String imageId,
      Image image) {
    List<String> snapshots = Images.snapshotsOf(image);
    ledger.snapshots(imageId, snapshots);
    for (String snapshot : snapshots) {
      ctx.created(ResourceKind.SNAPSHOT, snapshot, region);
    }
    if (!snapshots.isEmpty()) {
      Map<String, String> tags = new LinkedHashMap<>(ctx.amiTags());
      tags.putAll(ctx.spec().renderAtBuildTime(ctx.settings().tags().snapshot(),
          ctx.buildValues(), ctx.buildValues(), "snapshot_tags"));
      ctx.ec2(region).createTags(r -> r.resources(snapshots).tags(ctx.tags().with(tags)));
    }
    return snapshots;
  }

  @Override
  public void undo(BuildContext ctx, UndoReport report) {
    created.undo(ctx, report);
  }

  ImageLedger ledger() {
    return created;
  }
}
