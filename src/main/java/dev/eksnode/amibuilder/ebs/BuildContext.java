package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.aws.AwsClientFactory;
import dev.eksnode.amibuilder.aws.Poller;
import dev.eksnode.amibuilder.aws.Tags;
import dev.eksnode.amibuilder.pipeline.BuildId;
import dev.eksnode.amibuilder.pipeline.BuildJournal;
import dev.eksnode.amibuilder.pipeline.Cancellation;
import dev.eksnode.amibuilder.pipeline.Resource;
import dev.eksnode.amibuilder.pipeline.ResourceKind;
import dev.eksnode.amibuilder.pipeline.Retry;
import dev.eksnode.amibuilder.pipeline.TimeSource;
import dev.eksnode.amibuilder.template.AmazonEbsSettings;
import dev.eksnode.amibuilder.template.BuildSpec;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * The state one build shares between its steps: fixed inputs (spec, ids, clients, journal) and typed results
 * filled in as the steps run. Steps read earlier results from here and their undos read what they created.
 */
public final class BuildContext {

  /** The resolved source AMI; {@code architecture} as EC2 names it ({@code x86_64}, {@code arm64}), may be null. */
  public record SourceImage(String id, String name, String creationDate, String architecture) {}

  /** Where the instance runs: the VPC always, the subnet when the user chose one. */
  public record Network(String vpcId, String subnetId) {}

  /** The temporary key pair; {@code keyPair} holds the private key, which never leaves the process. */
  public record TemporaryKey(String name, String id, KeyPair keyPair) {}

  /** The build instance with the addresses it got. */
  public record LaunchedInstance(String id, List<String> volumeIds, String publicIp, String privateIp,
      String publicDns, String privateDns) {
    public LaunchedInstance {
      volumeIds = List.copyOf(volumeIds);
    }
  }

  /** The AMI in one region and the snapshots behind it. */
  public record RegionImage(String region, String imageId, List<String> snapshotIds) {
    public RegionImage {
      snapshotIds = List.copyOf(snapshotIds);
    }
  }

  private final BuildSpec spec;
  private final BuildId buildId;
  private final Tags tags;
  private final AwsClientFactory aws;
  private final BuildJournal journal;
  private final Cancellation cancellation;
  private final BuildTuning tuning;
  private final BuildEvents events;
  private final Clock clock;
  private final Path outputDir;

  private volatile SourceImage source;
  private volatile Network network;
  private volatile TemporaryKey key;
  private volatile String securityGroupId;
  private volatile List<String> sshSourceCidrs = List.of();
  private volatile LaunchedInstance instance;
  private volatile Map<String, String> amiTags = Map.of();
  private final Map<String, RegionImage> images = new TreeMap<>();
  private final List<Path> manifests = new ArrayList<>();

  public BuildContext(BuildSpec spec, BuildId buildId, Tags tags, AwsClientFactory aws, BuildJournal journal,
      Cancellation cancellation, BuildTuning tuning, BuildEvents events, Clock clock, Path outputDir) {
    this.spec = Objects.requireNonNull(spec, "spec");
    this.buildId = Objects.requireNonNull(buildId, "buildId");
    this.tags = Objects.requireNonNull(tags, "tags");
    this.aws = Objects.requireNonNull(aws, "aws");
    this.journal = Objects.requireNonNull(journal, "journal");
    this.cancellation = Objects.requireNonNull(cancellation, "cancellation");
    this.tuning = Objects.requireNonNull(tuning, "tuning");
    this.events = Objects.requireNonNull(events, "events");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.outputDir = Objects.requireNonNull(outputDir, "outputDir");
  }

  public BuildSpec spec() {
    return spec;
  }

  public AmazonEbsSettings settings() {
    return spec.settings();
  }

  public BuildId buildId() {
    return buildId;
  }

  public Tags tags() {
    return tags;
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

  public Path outputDir() {
    return outputDir;
  }

  /** The build region. */
  public String region() {
    return spec.settings().region();
  }

  public Ec2Client ec2() {
    return aws.ec2(region());
  }

  public Ec2Client ec2(String region) {
    return aws.ec2(region);
  }

  /** Records a new resource in the journal (durably) and tells the listener; call before any wait. */
  public void created(ResourceKind kind, String id, String region) {
    Resource resource = new Resource(kind, id, region);
    journal.created(resource);
    events.resourceCreated(resource);
  }

  /** Polls with the build's cancellation: Ctrl-C ends the wait. */
  public Poller poller() {
    return new Poller(tuning.pollSchedule() != null ? tuning.pollSchedule() : Poller.Schedule.responsive(),
        TimeSource.system(), cancellation);
  }

  /**
   * Polls for images at the responsive pace, so an image that becomes available is noticed within about 2 s in
   * the first minutes, backing off to at most the template's aws_polling delay (and never past 15 s). Packer
   * sleeps the full delay between polls; the template's delay × attempts still bounds the wait (imageTimeout).
   */
  public Poller imagePoller() {
    if (tuning.pollSchedule() != null) {
      return new Poller(tuning.pollSchedule(), TimeSource.system(), cancellation);
    }
    return new Poller(imageSchedule(spec.settings().polling()), TimeSource.system(), cancellation);
  }

  static Poller.Schedule imageSchedule(AmazonEbsSettings.Polling polling) {
    Poller.Schedule responsive = Poller.Schedule.responsive();
    if (polling == null) {
      return responsive;
    }
    // Validation keeps delay_seconds at 1 or more; a zero delay from a hand-built spec still polls every second.
    return responsive.cappedAt(polling.delay().isZero() || polling.delay().isNegative() ? Duration.ofSeconds(1)
        : polling.delay());
  }

  /** How long an image may take to become available. */
  public Duration imageTimeout() {
    Duration total = spec.settings().polling() == null ? Duration.ZERO : spec.settings().polling().total();
    return total.isZero() || total.isNegative() ? Duration.ofMinutes(45) : total;
  }

  /** Polls without the build's cancellation: an undo must finish its wait even after Ctrl-C. */
  public Poller undoPoller() {
    return new Poller(tuning.pollSchedule() != null ? tuning.pollSchedule() : Poller.Schedule.responsive(),
        TimeSource.system(), Cancellation.create());
  }

  public Retry undoRetry() {
    return tuning.undo();
  }

  public SourceImage source() {
    return source;
  }

  void source(SourceImage value) {
    source = value;
  }

  public Network network() {
    return network;
  }

  void network(Network value) {
    network = value;
  }

  public TemporaryKey key() {
    return key;
  }

  void key(TemporaryKey value) {
    key = value;
  }

  public String securityGroupId() {
    return securityGroupId;
  }

  void securityGroupId(String value) {
    securityGroupId = value;
  }

  /** Where the temporary security group lets SSH in from; chosen by preflight. */
  public List<String> sshSourceCidrs() {
    return sshSourceCidrs;
  }

  void sshSourceCidrs(List<String> value) {
    sshSourceCidrs = List.copyOf(value);
  }

  public LaunchedInstance instance() {
    return instance;
  }

  void instance(LaunchedInstance value) {
    instance = value;
  }

  /** The reference tag set rendered with this build's values (Name, created, source_ami_id, ...). */
  public Map<String, String> amiTags() {
    return amiTags;
  }

  void amiTags(Map<String, String> value) {
    amiTags = Map.copyOf(value);
  }

  /** The AMI per region, sorted by region. */
  public synchronized Map<String, RegionImage> images() {
    return new LinkedHashMap<>(images);
  }

  synchronized void image(RegionImage image) {
    images.put(image.region(), image);
  }

  synchronized void forgetImage(String region) {
    images.remove(region);
  }

  /** The region → AMI id pairs of the finished build. */
  public synchronized Map<String, String> amiIds() {
    Map<String, String> result = new TreeMap<>();
    images.forEach((region, image) -> result.put(region, image.imageId()));
    return result;
  }

  public synchronized List<Path> manifests() {
    return List.copyOf(manifests);
  }

  synchronized void manifestWritten(Path path) {
    manifests.add(path);
  }

  /** Values of the {@code build} template function and the dot fields, for late rendering. */
  Map<String, String> buildValues() {
    Map<String, String> values = new LinkedHashMap<>();
    values.put("ID", buildId.value());
    values.put("BuildRegion", region());
    if (source != null) {
      values.put("SourceAMI", source.id());
      values.put("SourceAMIName", source.name());
    }
    return values;
  }
}
