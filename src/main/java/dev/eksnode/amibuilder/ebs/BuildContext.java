package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.aws.AwsClientFactory;
import dev.eksnode.amibuilder.aws.Tags;
import dev.eksnode.amibuilder.pipeline.BuildId;
import dev.eksnode.amibuilder.pipeline.BuildJournal;
import dev.eksnode.amibuilder.pipeline.Cancellation;
import dev.eksnode.amibuilder.pipeline.Resource;
import dev.eksnode.amibuilder.pipeline.ResourceKind;
import dev.eksnode.amibuilder.pipeline.TimeSource;
import dev.eksnode.amibuilder.template.AmazonEbsSettings;
import dev.eksnode.amibuilder.template.BuildSpec;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * What the steps of one build share: its {@link BuildInputs}, the typed {@link BuildState} the
 * steps fill in, the services they call (clients, journal, events) and the {@link Waits} and {@link
 * Removers} of the build, all on one injected time source.
 */
public final class BuildContext {
  private final BuildInputs inputs;
  private final BuildState state = new BuildState();
  private final AwsClientFactory aws;
  private final BuildJournal journal;
  private final Cancellation cancellation;
  private final BuildTuning tuning;
  private final BuildEvents events;
  private final Clock clock;
  private final Waits waits;
  private final Removers removers;

  public BuildContext(
      BuildInputs inputs,
      AwsClientFactory aws,
      BuildJournal journal,
      Cancellation cancellation,
      BuildTuning tuning,
      BuildEvents events,
      Clock clock,
      TimeSource time) {
    this.inputs = Objects.requireNonNull(inputs, "inputs");
    this.aws = Objects.requireNonNull(aws, "aws");
    this.journal = Objects.requireNonNull(journal, "journal");
    this.cancellation = Objects.requireNonNull(cancellation, "cancellation");
    this.tuning = Objects.requireNonNull(tuning, "tuning");
    this.events = Objects.requireNonNull(events, "events");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.waits = new Waits(tuning, inputs.spec().settings().polling(), time, cancellation);
    this.removers = new Removers(aws::ec2, aws::iam, waits.undoRetry(), waits::undoPoller, time);
  }

  public BuildInputs inputs() {
    return inputs;
  }

  public BuildState state() {
    return state;
  }

  public Waits waits() {
    return waits;
  }

  Removers removers() {
    return removers;
  }

  public BuildSpec spec() {
    return inputs.spec();
  }

  public AmazonEbsSettings settings() {
    return inputs.spec().settings();
  }

  public BuildId buildId() {
    return inputs.buildId();
  }

  public Tags tags() {
    return inputs.tags();
  }

  public Path outputDir() {
    return inputs.outputDir();
  }

  /** The build region. */
  public String region() {
    return inputs.region();
  }

  public BuildJournal journal() {
    return journal;
  }

  public Cancellation cancellation() {
    return cancellation;
  }

  public BuildTuning tuning() {
    return tuning;
  }

  public BuildEvents events() {
    return events;
  }

  public Clock clock() {
    return clock;
  }

  public Ec2Client ec2() {
    return aws.ec2(region());
  }

  public Ec2Client ec2(String region) {
    return aws.ec2(region);
  }

  /** IAM of the build region's partition. */
  public IamClient iam() {
    return aws.iam(region());
  }

  /**
   * Signs S3 URLs in {@code region} with the caller's credentials, pointing at the build's S3
   * endpoint ({@link BuildInputs#s3Endpoint()}). Signing is local: no AWS call.
   */
  public S3Presigner s3Presigner(String region) {
    return aws.s3Presigner(region, inputs.s3Endpoint());
  }

  /**
   * Records a new resource in the journal (durably) and tells the listener; call before any wait.
   */
  public void created(ResourceKind kind, String id, String region) {
    created(new Resource(kind, id, region));
  }

  void created(Resource resource) {
    journal.created(resource);
    events.resourceCreated(resource);
  }

  /**
   * A create call of this build, journaling what it answers; its lookup runs when the answer was
   * lost.
   *
   * @param label what the resource is called before it has an id, for reports
   */
  CreateAttempt attempt(
      String action, ResourceKind kind, String region, String label, CreateAttempt.Lookup lookup) {
    Duration backoff = tuning.undoRetry().initialDelay();
    return new CreateAttempt(
        action,
        kind,
        region,
        label,
        lookup,
        this::created,
        waits.undoRetry(),
        waits.time(),
        backoff);
  }

  /**
   * A map field of the template rendered now that the build's values ({@code build `ID`}, source
   * AMI) are known.
   */
  Map<String, String> render(Map<String, String> field, String where) {
    Map<String, String> values = buildValues();
    return inputs.spec().renderAtBuildTime(field, values, values, where);
  }

  /**
   * The images this build keeps when it succeeds: every AMI it made with its snapshots (a reused
   * AMI is an earlier build's).
   */
  List<Resource> artifacts() {
    List<Resource> result = new ArrayList<>();
    for (BuildState.RegionImage image : state.images().values()) {
      if (state.isReused(image.region())) {
        continue;
      }
      result.add(new Resource(ResourceKind.IMAGE, image.imageId(), image.region()));
      image
          .snapshotIds()
          .forEach(s -> result.add(new Resource(ResourceKind.SNAPSHOT, s, image.region())));
    }
    return result;
  }

  /** Values of the {@code build} template function and the dot fields, for late rendering. */
  private Map<String, String> buildValues() {
    Map<String, String> values = new LinkedHashMap<>();
    values.put("ID", buildId().value());
    values.put("BuildRegion", region());
    BuildState.SourceImage source = state.source();
    if (source != null) {
      values.put("SourceAMI", source.id());
      values.put("SourceAMIName", source.name());
    }
    return values;
  }
}
