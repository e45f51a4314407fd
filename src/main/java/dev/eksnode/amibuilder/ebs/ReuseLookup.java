package dev.eksnode.amibuilder.ebs;

import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Image;
import software.amazon.awssdk.services.ec2.model.Tag;

/**
 * {@code --reuse}: finds an earlier bake of the same inputs before anything is created. One
 * DescribeImages per target region, build region first (the builds of a matrix share one per
 * region, {@link SharedLookups#reusable}): an available AMI of this account tagged {@value
 * InputsFingerprint#TAG}{@code =<fingerprint>} and {@value TagStep#COMPLETE}{@code =true} (a build
 * that did not finish never counts). Without one in the build region nothing is reused, and one
 * more DescribeImages looks for the newest finished AMI whose name has the same prefix (the name
 * without its trailing digits, the time suffix of a derived name) to say which inputs changed
 * since.
 */
final class ReuseLookup {
  private static final Logger log = LoggerFactory.getLogger(ReuseLookup.class);

  private ReuseLookup() {}

  /** Fills {@link BuildState#reused} (or {@link BuildState#reuseMiss}) for {@code regions}. */
  static void run(
      BuildContext ctx, InputsFingerprint inputs, List<String> regions, SharedLookups lookups)
      throws InterruptedException {
    for (String region : regions) {
      Optional<Image> found = Images.newest(lookups.reusable(ctx.ec2(region), inputs.value()));
      if (found.isEmpty()) {
        if (region.equals(ctx.region())) {
          ctx.state().reuseMiss(miss(ctx, inputs));
          return;
        }
        continue;
      }
      Image image = found.get();
      log.info(
          "Reusing {} ({}) in {}: same inputs {}",
          image.imageId(),
          image.name(),
          region,
          inputs.value());
      ctx.state()
          .reused(
              new BuildState.RegionImage(region, image.imageId(), Images.snapshotsOf(image)),
              image.name());
    }
  }

  /** This account's available, finished AMIs in {@code ec2}'s region with {@code fingerprint}. */
  static List<Image> find(Ec2Client ec2, String fingerprint) {
    return finished(ec2, "tag:" + InputsFingerprint.TAG, fingerprint);
  }

  /** Every available, finished AMI of this account in {@code ec2}'s region with a fingerprint. */
  static List<Image> listAll(Ec2Client ec2) {
    return finished(ec2, "tag-key", InputsFingerprint.TAG);
  }

  /** The fingerprint {@code image} is tagged with; null if none. */
  static String fingerprintOf(Image image) {
    return tag(image, InputsFingerprint.TAG);
  }

  private static List<Image> finished(Ec2Client ec2, String filter, String value) {
    return ec2.describeImages(
            r ->
                r.owners("self")
                    .filters(
                        Filter.builder().name(filter).values(value).build(),
                        Filter.builder().name("tag:" + TagStep.COMPLETE).values("true").build(),
                        Filter.builder().name("state").values("available").build()))
        .images();
  }

  private static BuildState.ReuseMiss miss(BuildContext ctx, InputsFingerprint inputs) {
    String prefix = namePrefix(ctx.settings().image().name());
    List<Image> earlier =
        ctx.ec2()
            .describeImages(
                r ->
                    r.owners("self")
                        .filters(
                            Filter.builder().name("name").values(prefix + "*").build(),
                            Filter.builder().name("tag-key").values(InputsFingerprint.TAG).build(),
                            Filter.builder()
                                .name("tag:" + TagStep.COMPLETE)
                                .values("true")
                                .build()))
            .images();
    return Images.newest(earlier)
        .map(
            last ->
                new BuildState.ReuseMiss(
                    last.name(),
                    last.imageId(),
                    inputs.changedSince(tag(last, InputsFingerprint.PARTS_TAG))))
        .orElse(new BuildState.ReuseMiss(null, null, List.of()));
  }

  /**
   * The AMI name without its time suffix: trailing digits removed ({@code
   * amazon-eks-node-1.23-v20230130101530} → {@code amazon-eks-node-1.23-v}); a name that does not
   * end in a digit is its own prefix.
   */
  static String namePrefix(String amiName) {
    return amiName.replaceFirst("[0-9]+$", "");
  }

  private static String tag(Image image, String key) {
    return image.tags().stream()
        .filter(t -> key.equals(t.key()))
        .map(Tag::value)
        .findFirst()
        .orElse(null);
  }
}
