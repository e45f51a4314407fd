package dev.eksnode.amibuilder.rig;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real sshd that behaves like an Amazon Linux 2 build instance for the node scripts, without
 * touching this machine. sshd and everything it runs live in a private mount namespace where /etc,
 * /usr, /opt, /var, /home and /root are overlays whose writes land in the fixture's {@code
 * ovl/<dir>/u}, /tmp is a fixture directory (it survives reboots, as on an instance), and the xen
 * clock source in sysfs is a fixture file.
 *
 * <p>Stand-ins for the system commands (yum, amazon-linux-extras, rpm, systemctl, grubby, reboot,
 * sudo, wget, curl, ctr, uname...) sit in the overlay's /usr/local/sbin, first on the session PATH;
 * they log to {@link #calls()}. The AWS CLI and the worker binaries come for real from downloads: a
 * fake binary bucket ({@link #publishBinaries}), a GitHub release stand-in, an AWS CLI bundle and a
 * metadata service. {@code sudo reboot} restarts sshd with a new boot id, and the kernel stand-in
 * then reports the kernel installed before it.
 *
 * <p>Each test gets a fresh node: the disk (upper layers) is wiped and reseeded before every test.
 * Log in as {@link #user()} (root; its rc file is plain, so a command costs no shell start-up) with
 * a key given to {@link #authorize}. To point a build at it, set {@code ssh_host}, {@code ssh_port}
 * and {@code ssh_username} to {@link #host()}, {@link #port()} and {@link #user()}.
 */
public final class NodeHostExtension
    implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback, AfterAllCallback {
  /** The overlaid system directories, relative to /. */
  public static final List<String> OVERLAID = List.of("etc", "usr", "opt", "var", "home", "root");

  private static final String RESOURCES = "/rig/node-host/";
  private static final Duration REBOOT_DOWNTIME = Duration.ofMillis(300);

  private final SshdExtension sshd =
      new SshdExtension(
          new SshdExtension.Boot() {
            @Override
            public void prepare(Path fixtureDir) throws IOException {
              seed(fixtureDir);
            }

            @Override
            public String namespaceCommand(Path fixtureDir) {
              return "bash " + fixtureDir.resolve("boot.sh") + " " + fixtureDir;
            }
          });
  private Instant seededAt;
  private final List<Thread> followers = new java.util.concurrent.CopyOnWriteArrayList<>();

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    sshd.beforeAll(context);
    sshd.armReboot(REBOOT_DOWNTIME);
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    reset();
  }

  /**
   * A test's key followers end with it: the next test's source (another moto, a closed client) is
   * not theirs.
   */
  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    stopFollowers();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    stopFollowers();
    sshd.afterAll(context);
  }

  private void stopFollowers() throws InterruptedException {
    for (Thread follower : followers) {
      follower.interrupt();
      follower.join(5_000);
      if (follower.isAlive()) {
        throw new IllegalStateException("key follower " + follower.getName() + " did not stop");
      }
    }
    followers.clear();
  }

  public String host() {
    return sshd.host();
  }

  public int port() {
    return sshd.port();
  }

  public String user() {
    return sshd.user();
  }

  public void authorize(String... publicKeyLines) {
    sshd.authorize(publicKeyLines);
  }

  /**
   * Keeps the authorized keys in step with a source, like cloud-init installing the key pair an
   * instance was launched with: every 100 ms until the test ends, a non-empty answer replaces the
   * authorized keys. For an end-to-end build, the source reads the public key the build imported
   * into EC2 (moto's DescribeKeyPairs with IncludePublicKey); the build's SSH connect retries
   * rejected authentication until the key is there.
   */
  public void followAuthorizedKeys(Supplier<List<String>> publicKeyLines) {
    follow(publicKeyLines, null);
  }

  /**
   * As {@link #followAuthorizedKeys(Supplier)}, but the source is read when {@code proxy} has
   * answered a call that makes or removes a key pair (ImportKeyPair, CreateKeyPair, DeleteKeyPair)
   * and once a second besides, not ten times a second: where builds run side by side (the
   * benchmark) the polling would be a load on moto and on this JVM that no real build has. The key
   * is in place before the build's SSH connect: the answer to ImportKeyPair is followed by the
   * security group and the launch.
   */
  public void followAuthorizedKeys(Supplier<List<String>> publicKeyLines, FaultProxy proxy) {
    Semaphore changed = new Semaphore(0);
    proxy.onAnswered(
        action -> {
          if (KEY_PAIR_ACTIONS.contains(action)) {
            changed.release();
          }
        });
    follow(publicKeyLines, changed);
  }

  private static final Set<String> KEY_PAIR_ACTIONS =
      Set.of("ImportKeyPair", "CreateKeyPair", "DeleteKeyPair");

  private void follow(Supplier<List<String>> publicKeyLines, Semaphore changed) {
    Thread follower =
        new Thread(
            () -> {
              List<String> last = List.of();
              while (!Thread.currentThread().isInterrupted()) {
                try {
                  List<String> keys = publicKeyLines.get();
                  if (keys != null && !keys.isEmpty() && !keys.equals(last)) {
                    authorize(keys.toArray(String[]::new));
                    last = List.copyOf(keys);
                  }
                  if (changed == null) {
                    Thread.sleep(100);
                  } else if (changed.tryAcquire(1, TimeUnit.SECONDS)) {
                    changed.drainPermits();
                  }
                } catch (InterruptedException e) {
                  return;
                } catch (RuntimeException sourceNotReady) {
                  // e.g. moto not answering yet: try again on the next tick
                  if (!sleepQuietly()) {
                    return;
                  }
                }
              }
            },
            "node-host-key-follower");
    follower.setDaemon(true);
    followers.add(follower);
    follower.start();
  }

  private static boolean sleepQuietly() {
    try {
      Thread.sleep(100);
      return true;
    } catch (InterruptedException e) {
      return false;
    }
  }

  public String bootId() {
    return sshd.bootId();
  }

  public String hostPublicKeyLine() {
    return sshd.hostPublicKeyLine();
  }

  public Path fixtureDir() {
    return sshd.fixtureDir();
  }

  /**
   * When the current node's disk was seeded: real files changed after this were changed by the
   * test.
   */
  public Instant seededAt() {
    return seededAt;
  }

  /** Stops the node, throws its disk away, seeds a fresh one and boots it. */
  public void reset() throws IOException {
    sshd.stop();
    Path dir = sshd.fixtureDir();
    for (String name :
        List.of(
            "ovl",
            "disk",
            "bucket",
            "github",
            "downloads",
            "imds",
            "clocksource",
            "awscli-build",
            "cni-build",
            "reboot-request",
            "signed-urls.log",
            "binary-urls-file.log",
            "credentials-seen.log")) {
      deleteTree(dir.resolve(name));
    }
    seed(dir);
    sshd.start();
  }

  /**
   * Publishes kubelet (printing {@code Kubernetes v<version>-eks-ffeb93d}), aws-iam-authenticator
   * (reporting the given version), ecr-credential-provider and the CNI plugins archive, with their
   * checksums, to the fake binary bucket at {@code <version>/<buildDate>/bin/linux/amd64/}, and the
   * CNI archive with its sha512 to the GitHub release stand-in.
   */
  public void publishBinaries(
      String kubernetesVersion,
      String buildDate,
      String cniPluginVersion,
      String authenticatorVersion) {
    run(
        "prepare.sh",
        "bucket",
        kubernetesVersion,
        buildDate,
        cniPluginVersion,
        authenticatorVersion);
  }

  /**
   * Copies the fake binary bucket (what {@link #publishBinaries} wrote) into a bucket of an S3
   * emulator, created private in the client's region when missing, under the same keys: the bucket
   * pre-signed URLs point at. Returns the keys copied.
   */
  public List<String> copyBucketTo(S3Client s3, String bucket) {
    Path root = sshd.fixtureDir().resolve("bucket");
    if (s3.listBuckets().buckets().stream().noneMatch(b -> b.name().equals(bucket))) {
      String region = s3.serviceClientConfiguration().region().id();
      s3.createBucket(
          r -> {
            r.bucket(bucket);
            if (!"us-east-1".equals(region)) {
              r.createBucketConfiguration(c -> c.locationConstraint(region));
            }
          });
    }
    List<String> keys = new ArrayList<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
        String key = root.relativize(file).toString();
        s3.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromFile(file));
        keys.add(key);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return keys;
  }

  /** The URLs the node's wget read from its standard input, in order. */
  public List<String> urlsReadFromStdin() {
    return linesOf("signed-urls.log");
  }

  /** {@code MODE PATH} of BINARY_URLS_FILE each time wget read a URL from stdin. */
  public List<String> urlFileModes() {
    return linesOf("binary-urls-file.log");
  }

  /**
   * The stand-ins (aws, and wget on a loopback URL) that found AWS credentials in their
   * environment, one line per call.
   */
  public List<String> credentialsSeenBy() {
    return linesOf("credentials-seen.log");
  }

  private List<String> linesOf(String name) {
    Path file = sshd.fixtureDir().resolve(name);
    try {
      return Files.exists(file) ? Files.readAllLines(file) : List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The stand-ins' calls so far, one {@code NAME ARGS} line each, in order. */
  public List<String> calls() {
    try {
      return Files.readAllLines(sshd.fixtureDir().resolve("calls.log"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Where a path of the node lives on this machine if the node wrote it: the overlay's upper layer
   * for the overlaid directories, the fixture's disk for /tmp. The file may be absent (not written,
   * or deleted).
   */
  public Path onDisk(String nodePath) {
    if (!nodePath.startsWith("/")) {
      throw new IllegalArgumentException("not absolute: " + nodePath);
    }
    String rest = nodePath.substring(1);
    int slash = rest.indexOf('/');
    String top = slash < 0 ? rest : rest.substring(0, slash);
    String below = slash < 0 ? "" : rest.substring(slash + 1);
    Path dir = sshd.fixtureDir();
    if (top.equals("tmp")) {
      return dir.resolve("disk/tmp").resolve(below);
    }
    if (!OVERLAID.contains(top)) {
      throw new IllegalArgumentException(nodePath + " is not on the node's overlaid disk");
    }
    return dir.resolve("ovl").resolve(top).resolve("u").resolve(below);
  }

  /**
   * What {@link #checkRealMachine()} found: how many node-written paths it compared, and the
   * violations.
   */
  public record RealMachineCheck(int checkedPaths, List<String> violations) {}

  /**
   * Checks that the node's writes stayed in the fixture. For every file the node created or changed
   * (a file in an upper layer), the same path on the real machine must be absent or unchanged since
   * {@link #seededAt()}; for every file it deleted (an overlay whiteout), the real file must still
   * be there unless only the seed had put it on the node.
   */
  public RealMachineCheck checkRealMachine() throws IOException {
    List<String> problems = new ArrayList<>();
    int checked = 0;
    for (String top : OVERLAID) {
      Path upper = sshd.fixtureDir().resolve("ovl").resolve(top).resolve("u");
      if (!Files.isDirectory(upper)) {
        continue;
      }
      try (Stream<Path> paths = Files.walk(upper)) {
        for (Path p : paths.toList()) {
          BasicFileAttributes attrs =
              Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
          if (attrs.isDirectory()) {
            continue;
          }
          checked++;
          String nodePath = "/" + top + "/" + upper.relativize(p);
          Path real = Path.of(nodePath);
          boolean realExists = Files.exists(real, LinkOption.NOFOLLOW_LINKS);
          if (attrs.isOther()) {
            if (!realExists && SEEDED_ONLY_ON_NODE.stream().noneMatch(nodePath::startsWith)) {
              problems.add(
                  nodePath + " was deleted on the node and is missing on the real machine");
            }
          } else if (realExists) {
            Instant modified =
                Files.getLastModifiedTime(real, LinkOption.NOFOLLOW_LINKS).toInstant();
            if (modified.isAfter(seededAt)) {
              problems.add(
                  nodePath
                      + " was written on the node and changed on the real machine at "
                      + modified);
            }
          }
        }
      }
    }
    return new RealMachineCheck(checked, problems);
  }

  // Host-specific files the seed puts on the node's disk; cleanup.sh deletes them, and they need
  // not exist here.
  private static final List<String> SEEDED_ONLY_ON_NODE =
      List.of(
          "/etc/hostname",
          "/etc/resolv.conf",
          "/etc/ssh/ssh_host",
          "/home/ec2-user",
          "/var/lib/cloud",
          "/var/lib/dhclient",
          "/var/lib/yum",
          "/var/log/",
          "/var/cache/yum",
          "/etc/machine-id",
          "/root/.ssh");

  private void seed(Path dir) throws IOException {
    for (String name : List.of("boot.sh", "prepare.sh", "stub")) {
      try (InputStream in = NodeHostExtension.class.getResourceAsStream(RESOURCES + name)) {
        if (in == null) {
          throw new IllegalStateException("test resource " + RESOURCES + name + " is missing");
        }
        Path target = dir.resolve(name);
        Files.write(target, in.readAllBytes());
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
      }
    }
    seededAt = Instant.now();
    run("prepare.sh", "node");
  }

  private void run(String script, String command, String... args) {
    List<String> argv =
        new ArrayList<>(
            List.of(
                "bash",
                sshd.fixtureDir().resolve(script).toString(),
                command,
                sshd.fixtureDir().toString()));
    argv.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor() != 0) {
        throw new IllegalStateException(String.join(" ", argv) + " failed:\n" + output);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
