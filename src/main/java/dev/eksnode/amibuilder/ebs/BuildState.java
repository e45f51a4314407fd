package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.remote.Ed25519Keys;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the steps of one build have produced so far, typed: later steps read it, the pipeline's
 * success audit reads the images. Written only by the steps of this package; safe to read from
 * other threads.
 */
public final class BuildState {

  /**
   * The resolved source AMI; {@code architecture} as EC2 names it ({@code x86_64}, {@code arm64}),
   * may be null.
   */
  public record SourceImage(String id, String name, String creationDate, String architecture) {}

  /**
   * Where the instance runs: the VPC always, the subnet when the user chose one; {@code
   * publicIpOnLaunch} whether that subnet gives instances a public IP when the template does not
   * say (a default VPC's subnets do).
   */
  public record Network(String vpcId, String subnetId, boolean publicIpOnLaunch) {
    /** A network whose instances get a public IP unless told otherwise. */
    public Network(String vpcId, String subnetId) {
      this(vpcId, subnetId, true);
    }
  }

  /**
   * The temporary key pair; {@code keyPair} holds the private key, which never leaves the process.
   */
  public record TemporaryKey(String name, String id, KeyPair keyPair) {}

  /**
   * The instance profile made for {@code temporary_iam_instance_profile_policy_document}, and the
   * role in it.
   */
  public record TemporaryProfile(String name, String arn, String roleName) {}

  /** The build instance with the addresses it got. */
  public record LaunchedInstance(
      String id,
      List<String> volumeIds,
      String publicIp,
      String privateIp,
      String publicDns,
      String privateDns) {
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

  /**
   * What {@code --reuse} learned when it found no earlier bake of the same inputs: the newest AMI
   * of ours whose name has the same prefix, and the inputs that changed since it. Null fields when
   * there is no such AMI.
   */
  public record ReuseMiss(String lastName, String lastImageId, List<String> changed) {
    public ReuseMiss {
      changed = List.copyOf(changed);
    }
  }

  private volatile SourceImage source;
  private volatile InputsFingerprint inputs;
  private final Map<String, RegionImage> reused = new TreeMap<>();
  private volatile String reusedName;
  private volatile ReuseMiss reuseMiss;
  private volatile Network network;
  private volatile TemporaryKey key;
  private volatile Ed25519Keys.GeneratedKey generatedKey;
  private volatile String securityGroupId;
  private volatile SshSource sshSource;
  private volatile LaunchedInstance instance;
  private volatile TemporaryProfile temporaryProfile;
  private volatile Map<String, String> amiTags = Map.of();
  private volatile RegionImage unencrypted;
  private final Map<String, RegionImage> images = new TreeMap<>();
  private final List<Path> manifests = new ArrayList<>();

  public SourceImage source() {
    return source;
  }

  void source(SourceImage value) {
    source = value;
  }

  /** The build's inputs fingerprint; null until preflight resolved the source AMI. */
  public InputsFingerprint inputs() {
    return inputs;
  }

  void inputs(InputsFingerprint value) {
    inputs = value;
  }

  /**
   * Records an earlier bake of the same inputs found in {@code image.region()}: it becomes this
   * build's image there, made by another build (never tagged, shared or removed as ours).
   */
  synchronized void reused(RegionImage image, String name) {
    reused.put(image.region(), image);
    images.put(image.region(), image);
    if (reusedName == null) {
      reusedName = name;
    }
  }

  /** The regions whose AMI was reused, with it. */
  public synchronized Map<String, RegionImage> reused() {
    return new LinkedHashMap<>(reused);
  }

  public synchronized boolean isReused(String region) {
    return reused.containsKey(region);
  }

  /** The name of the reused AMI, which its new copies take too; null when nothing is reused. */
  public String reusedName() {
    return reusedName;
  }

  public ReuseMiss reuseMiss() {
    return reuseMiss;
  }

  void reuseMiss(ReuseMiss value) {
    reuseMiss = value;
  }

  public Network network() {
    return network;
  }

  void network(Network value) {
    network = value;
  }

  /** The instance profile the build made; null when it uses none or the template's own. */
  public TemporaryProfile temporaryProfile() {
    return temporaryProfile;
  }

  void temporaryProfile(TemporaryProfile value) {
    temporaryProfile = value;
  }

  public TemporaryKey key() {
    return key;
  }

  /**
   * The key the preflight generated for the key-pair step (and showed to EC2 in the ImportKeyPair
   * dry run); null when no preflight ran.
   */
  Ed25519Keys.GeneratedKey generatedKey() {
    return generatedKey;
  }

  void generatedKey(Ed25519Keys.GeneratedKey value) {
    generatedKey = value;
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
    SshSource source = sshSource;
    return source == null ? List.of() : source.cidrs();
  }

  /** The SSH source with the reason it was chosen; null until preflight chose one. */
  public SshSource sshSource() {
    return sshSource;
  }

  void sshSource(SshSource value) {
    sshSource = value;
  }

  public LaunchedInstance instance() {
    return instance;
  }

  void instance(LaunchedInstance value) {
    instance = value;
  }

  /**
   * The reference tag set rendered with this build's values (Name, created, source_ami_id, ...).
   */
  public Map<String, String> amiTags() {
    return amiTags;
  }

  void amiTags(Map<String, String> value) {
    amiTags = Map.copyOf(value);
  }

  /**
   * The unencrypted image an {@code encrypt_boot} build copies from; not an artifact of the build.
   */
  public RegionImage unencrypted() {
    return unencrypted;
  }

  void unencrypted(RegionImage value) {
    unencrypted = value;
  }

  /** The AMI per region, sorted by region. */
  public synchronized Map<String, RegionImage> images() {
    return new LinkedHashMap<>(images);
  }

  synchronized void image(RegionImage image) {
    images.put(image.region(), image);
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
}
