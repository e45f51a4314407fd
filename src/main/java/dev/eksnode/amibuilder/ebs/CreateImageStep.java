package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.aws.AwsErrors;
import dev.eksnode.amibuilder.aws.Tags;
import dev.eksnode.amibuilder.pipeline.ResourceKind;
import dev.eksnode.amibuilder.pipeline.Step;
import dev.eksnode.amibuilder.pipeline.UndoReport;
import dev.eksnode.amibuilder.template.AmazonEbsSettings;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Image;
import software.amazon.awssdk.services.ec2.model.ResourceType;

/**
 * Creates the AMI from the stopped instance, tagged at creation, and waits until it is available;
 * then tags its snapshots (EC2 and moto do not take a snapshot TagSpecification on CreateImage).
 * The AMI survives success and is removed on failure. With {@code encrypt_boot} this image is only
 * the unencrypted stepping stone for {@link EncryptImageStep}: it does not survive, its removal on
 * success being an ordinary undo.
 */
public final class CreateImageStep implements Step<BuildContext> {
  private final ImageLedger created = new ImageLedger();
  private volatile boolean intermediate;

  @Override
  public String name() {
    return "create-image";
  }

  @Override
  public boolean keepOnSuccess() {
    return !intermediate;
  }

  @Override
  public void run(BuildContext ctx) throws Exception {
    AmazonEbsSettings s = ctx.settings();
    Ec2Client ec2 = ctx.ec2();
    String region = ctx.region();
    boolean encrypt = s.image().encryptBoot();
    intermediate = encrypt;
    String name = encrypt ? unencryptedName(ctx) : s.image().name();
    Map<String, String> imageTags = encrypt ? Map.of("Name", name) : ctx.state().amiTags();
    CreateAttempt attempt = created.attempt(ctx, "CreateImage", region, name);
    String imageId =
        attempt.run(
            () -> {
              String id = createImage(ctx, ec2, name, imageTags);
              attempt.answered(id);
              return id;
            });
    BuildState.RegionImage result = awaitAvailable(ctx, created, region, imageId);
    if (encrypt) {
      ctx.state().unencrypted(result);
    } else {
      ctx.state().image(result);
    }
  }

  static String unencryptedName(BuildContext ctx) {
    return "ami-builder-" + ctx.buildId().value() + "-unencrypted";
  }

  /**
   * CreateImage has no client token: when an SDK retry of a call that did succeed meets our own
   * name, the image with that name and our build id is the one we made.
   */
  private static String createImage(
      BuildContext ctx, Ec2Client ec2, String name, Map<String, String> tags) {
    AmazonEbsSettings s = ctx.settings();
    try {
      return ec2.createImage(
              r ->
                  r.instanceId(ctx.state().instance().id())
                      .name(name)
                      .description(s.image().description())
                      .blockDeviceMappings(LaunchStep.mappings(s.image().blockDevices()))
                      .tagSpecifications(ctx.tags().specification(ResourceType.IMAGE, tags)))
          .imageId();
    } catch (Ec2Exception e) {
      if (!"InvalidAMIName.Duplicate".equals(AwsErrors.errorCode(e).orElse(""))) {
        throw e;
      }
      List<Image> ours =
          ec2.describeImages(
                  r ->
                      r.owners("self")
                          .filters(
                              Filter.builder().name("name").values(name).build(),
                              Tags.buildIdFilter(ctx.buildId().value())))
              .images();
      if (ours.isEmpty()) {
        throw e;
      }
      return ours.get(0).imageId();
    }
  }

  /**
   * Waits until {@code imageId} in {@code region} is available, then journals and tags its
   * snapshots: what every step that makes an image (create, encrypt, copy) does once it has the id.
   */
  static BuildState.RegionImage awaitAvailable(
      BuildContext ctx, ImageLedger ledger, String region, String imageId)
      throws InterruptedException {
    Image image =
        Images.awaitAvailable(
            ctx.waits().imagePoller(),
            ctx.ec2(region),
            imageId,
            ctx.waits().imageTimeout(),
            ctx.events()::waiting,
            ctx.events().wantsSnapshotProgress()
                ? (what, id, state, percent, elapsed) ->
                    ctx.events().snapshotProgress(what, region, id, state, percent, elapsed)
                : null);
    return new BuildState.RegionImage(
        region, imageId, recordSnapshots(ctx, ledger, region, imageId, image));
  }

  /** Journals the image's snapshots and tags them with the ownership tags and the AMI's tags. */
  static List<String> recordSnapshots(
      BuildContext ctx, ImageLedger ledger, String region, String imageId, Image image) {
    List<String> snapshots = Images.snapshotsOf(image);
    ledger.snapshots(imageId, snapshots);
    for (String snapshot : snapshots) {
      ctx.created(ResourceKind.SNAPSHOT, snapshot, region);
    }
    if (!snapshots.isEmpty()) {
      Map<String, String> tags = new LinkedHashMap<>(ctx.state().amiTags());
      tags.putAll(ctx.render(ctx.settings().tags().snapshot(), "snapshot_tags"));
      ctx.ec2(region).createTags(r -> r.resources(snapshots).tags(ctx.tags().with(tags)));
    }
    return snapshots;
  }

  @Override
  public void undo(BuildContext ctx, UndoReport report) {
    created.undo(ctx, report);
  }
}
