package dev.eksnode.amibuilder.ebs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.cli.CliContext;
import dev.eksnode.amibuilder.cli.Main;
import dev.eksnode.amibuilder.cli.TestHome;
import dev.eksnode.amibuilder.rig.FaultProxy;
import dev.eksnode.amibuilder.rig.MotoExtension;
import dev.eksnode.amibuilder.rig.MotoState;
import dev.eksnode.amibuilder.rig.NodeHostExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.KeyPairInfo;

/**
 * {@code cache_container_images=true} on the rig: the builder asks EKS DescribeAddonVersions (which
 * moto lacks, so the fault proxy answers that one call from canned addon data) and works out the
 * ECR registry of the binary bucket's region before anything is created, and install-worker.sh on
 * the node host pulls exactly those images without any EKS call of its own. Refused, empty and
 * failing lookups stop the build before the first EC2 call.
 */
class ImageCacheIT {
  @RegisterExtension static final MotoExtension MOTO = new MotoExtension();
  @RegisterExtension static final NodeHostExtension NODE = new NodeHostExtension();
  static final String REGION = "us-west-2";
  static final String ADDONS = "GET /addons/supported-versions";

  /** A bucket region whose images live under their own account (877085696533). */
  static final String BUCKET_REGION = "af-south-1";

  @TempDir Path root;
  FaultProxy proxy;
  Ec2Client ec2;

  @BeforeEach
  void setUp() {
    proxy = FaultProxy.start(MOTO.endpoint());
    ec2 = MOTO.ec2(Region.of(REGION));
    NODE.followAuthorizedKeys(
        () ->
            ec2.describeKeyPairs(r -> r.includePublicKey(true)).keyPairs().stream()
                .map(KeyPairInfo::publicKey)
                .filter(k -> k != null && !k.isBlank())
                .toList());
    NODE.publishBinaries("1.23.16", "2023-01-30", "v0.8.6", "v0.5.9");
    // The preflight looks for them in the emulator's bucket, and the instance fetches them from it
    // through the URLs the build signs.
    try (software.amazon.awssdk.services.s3.S3Client s3 = MOTO.s3(Region.of(BUCKET_REGION))) {
      NODE.copyBucketTo(s3, "amazon-eks");
    }
  }

  @AfterEach
  void tearDown() {
    proxy.close();
    ec2.close();
  }

  record Run(int code, String out, String err) {}

  private Run k8s(String... extra) throws Exception {
    Path work = Files.createDirectories(root.resolve("work"));
    Map<String, String> env =
        new HashMap<>(
            Map.of(
                "USER",
                "tester",
                "AWS_ACCESS_KEY_ID",
                "testing",
                "AWS_SECRET_ACCESS_KEY",
                "testing",
                "AMI_BUILDER_STATE_DIR",
                root.resolve("state").toString(),
                BuildTuning.POLL_DELAY_ENV,
                "20"));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CliContext ctx =
        new CliContext(
            new PrintWriter(out, true),
            new PrintWriter(err, true),
            env,
            Clock.systemUTC(),
            work,
            TestHome.projectDir());
    List<String> args =
        new ArrayList<>(
            List.of(
                "k8s",
                "--kubernetes-version",
                "1.23.16",
                "--kubernetes-build-date",
                "2023-01-30",
                "--region",
                REGION,
                "--endpoint-url",
                proxy.endpoint().toString(),
                "--output-dir",
                root.resolve("out").toString(),
                "ssh_host=" + NODE.host(),
                "ssh_port=" + NODE.port(),
                "ssh_username=" + NODE.user(),
                "temporary_security_group_source_cidrs=127.0.0.1/32",
                "cache_container_images=true",
                "binary_bucket_region=" + BUCKET_REGION,
                // image caching pulls from ECR on the instance: it needs credentials there
                "forward_aws_credentials=true"));
    args.addAll(List.of(extra));
    int code = Main.run(ctx, args.toArray(String[]::new));
    return new Run(code, out.toString(), err.toString());
  }

  /** One DescribeAddonVersions entry: the version and the minors it is the default for. */
  private static String version(String version, String... defaultFor) {
    StringBuilder compat = new StringBuilder();
    for (String minor : List.of("1.22", "1.23", "1.24")) {
      if (compat.length() > 0) {
        compat.append(',');
      }
      compat.append(
          String.format(
              "{\"clusterVersion\":\"%s\",\"platformVersions\":[\"*\"],\"defaultVersion\":%s}",
              minor, List.of(defaultFor).contains(minor)));
    }
    return String.format(
        "{\"addonVersion\":\"%s\",\"architecture\":[\"amd64\",\"arm64\"],"
            + "\"compatibilities\":[%s],\"requiresConfiguration\":false}",
        version, compat);
  }

  /** EKS's answer for the addon named in the query string, as the real API shapes it. */
  private static String addonVersions(URI uri, boolean vpcCniEmpty) {
    String query = uri.getQuery() == null ? "" : uri.getQuery();
    String versions;
    String name;
    if (query.contains("addonName=kube-proxy")) {
      name = "kube-proxy";
      versions =
          String.join(
              ",",
              version("v1.23.8-eksbuild.2"),
              version("v1.23.7-eksbuild.1", "1.23"),
              version("v1.23.16-eksbuild.2"),
              version("v1.22.11-eksbuild.2", "1.22"));
    } else if (query.contains("addonName=vpc-cni") && !vpcCniEmpty) {
      name = "vpc-cni";
      versions =
          String.join(
              ",", version("v1.12.2-eksbuild.1"), version("v1.11.4-eksbuild.1", "1.22", "1.23"));
    } else {
      return "{\"addons\":[]}";
    }
    return String.format(
        "{\"addons\":[{\"addonName\":\"%s\",\"type\":\"networking\",\"addonVersions\":[%s],"
            + "\"publisher\":\"eks\",\"owner\":\"aws\"}]}",
        name, versions);
  }

  @Test
  void k8s_cachingOn_builderResolvesVersionsAndRegistry_nodeMakesNoEksCall() throws Exception {
    proxy.on(ADDONS).always().answer("application/json", uri -> addonVersions(uri, false));
    MotoState before = MotoState.capture(List.of(ec2));
    Run run = k8s();
    assertEquals(0, run.code(), run.err() + run.out());

    // The builder asked once per addon, for the build's minor, in the build region, and before
    // anything else (nothing is created before the inputs are known).
    List<FaultProxy.Request> asked = proxy.requests(ADDONS);
    assertEquals(2, asked.size(), proxy.calls().toString());
    assertEquals(
        List.of("kube-proxy", "vpc-cni"), asked.stream().map(r -> r.param("addonName")).toList());
    asked.forEach(r -> assertEquals("1.23", r.param("kubernetesVersion"), r.params().toString()));
    asked.forEach(r -> assertEquals(REGION, r.region()));
    // Only the bucket preflight's HeadObject calls may come before them.
    assertEquals(
        List.of(ADDONS, ADDONS),
        proxy.calls().stream()
            .filter(c -> !c.startsWith("HEAD /amazon-eks/"))
            .toList()
            .subList(0, 2),
        proxy.calls().toString());

    // The node pulled exactly the default and latest versions from the bucket region's registry,
    // and looked up neither the versions (no aws eks) nor the registry (no IMDS services/domain).
    List<String> calls = NODE.calls();
    String node = String.join("\n", calls);
    assertFalse(node.contains("aws eks"), node);
    assertFalse(node.contains("services/domain"), node);
    String ecr = "877085696533.dkr.ecr." + BUCKET_REGION + ".amazonaws.com";
    List<String> pulled =
        calls.stream()
            .filter(c -> c.startsWith("ctr --namespace k8s.io content fetch "))
            .map(c -> c.split(" ")[5])
            .toList();
    assertEquals(
        List.of(
            ecr + "/eks/pause:3.5",
            ecr + "/eks/kube-proxy:v1.23.7-eksbuild.1",
            ecr + "/eks/kube-proxy:v1.23.7-minimal-eksbuild.1",
            ecr + "/eks/kube-proxy:v1.23.16-eksbuild.2",
            ecr + "/eks/kube-proxy:v1.23.16-minimal-eksbuild.2",
            ecr + "/amazon-k8s-cni-init:v1.11.4-eksbuild.1",
            ecr + "/amazon-k8s-cni:v1.11.4-eksbuild.1",
            ecr + "/amazon-k8s-cni-init:v1.12.2-eksbuild.1",
            ecr + "/amazon-k8s-cni:v1.12.2-eksbuild.1"),
        pulled,
        node);
    assertTrue(run.out().contains("cached 9 images"), run.out());
    // Only the AMI and its snapshot are left, as for any build.
    assertEquals(
        Set.of(MotoState.Kind.IMAGE, MotoState.Kind.SNAPSHOT),
        MotoState.capture(List.of(ec2)).diff(before).stream()
            .map(MotoState.Resource::kind)
            .collect(java.util.stream.Collectors.toSet()));
  }

  private void assertNothingStarted(MotoState before) {
    assertTrue(
        proxy.calls().stream().allMatch(c -> c.equals(ADDONS) || c.startsWith("HEAD /amazon-eks/")),
        "only the bucket check and the EKS lookup may run: " + proxy.calls());
    assertEquals(Set.of(), MotoState.capture(List.of(ec2)).diff(before));
    assertEquals(List.of(), NODE.calls(), "nothing may reach the node");
  }

  @Test
  void k8s_describeAddonVersionsDenied_exits2NamingThePermission_beforeAnythingIsCreated()
      throws Exception {
    proxy
        .on(ADDONS)
        .always()
        .fail(
            403,
            "AccessDeniedException",
            "User is not authorized to perform: eks:DescribeAddonVersions");
    MotoState before = MotoState.capture(List.of(ec2));
    Run run = k8s();
    assertEquals(2, run.code(), run.err() + run.out());
    String[] lines = run.err().strip().split("\n");
    assertEquals(1, lines.length, run.err());
    assertEquals(
        "error: cannot look up the kube-proxy versions to cache for Kubernetes 1.23"
            + " (cache_container_images=true): eks:DescribeAddonVersions in us-west-2 was refused"
            + " (AccessDeniedException); allow eks:DescribeAddonVersions for these credentials, or"
            + " set kube_proxy_versions and vpc_cni_versions to skip the lookup",
        lines[0]);
    assertNothingStarted(before);
  }

  @Test
  void k8s_noVersionsForTheMinor_exits2WithOneLine() throws Exception {
    proxy.on(ADDONS).always().answer("application/json", uri -> addonVersions(uri, true));
    MotoState before = MotoState.capture(List.of(ec2));
    Run run = k8s();
    assertEquals(2, run.code(), run.err() + run.out());
    String[] lines = run.err().strip().split("\n");
    assertEquals(1, lines.length, run.err());
    assertTrue(
        lines[0].startsWith(
            "error: EKS lists no vpc-cni versions for Kubernetes 1.23 in us-west-2"),
        lines[0]);
    assertTrue(lines[0].contains("vpc_cni_versions=none"), lines[0]);
    assertNothingStarted(before);
  }

  @Test
  void k8s_eksFailsOnItsSide_exits1_beforeAnythingIsCreated() throws Exception {
    proxy.on(ADDONS).always().fail(500, "ServerException", "injected");
    MotoState before = MotoState.capture(List.of(ec2));
    Run run = k8s();
    assertEquals(1, run.code(), run.err() + run.out());
    assertEquals(1, run.err().strip().split("\n").length, run.err());
    assertTrue(
        run.err().contains("failed on the side of EKS (500 ServerException); try again later"),
        run.err());
    assertNothingStarted(before);
  }

  @Test
  void k8s_userGivenVersionsAndRegistry_skipTheLookup() throws Exception {
    // The lookup would fail: proof that it is not made when the user gives every input.
    proxy.on(ADDONS).always().fail(403, "AccessDeniedException", "denied");
    Run run =
        k8s(
            "ecr_uri=602401143452.dkr.ecr.us-west-2.amazonaws.com",
            "kube_proxy_versions=v1.23.7-eksbuild.1",
            "vpc_cni_versions=none");
    assertEquals(0, run.code(), run.err() + run.out());
    assertEquals(0, proxy.count(ADDONS), proxy.calls().toString());
    List<String> pulled =
        NODE.calls().stream()
            .filter(c -> c.startsWith("ctr --namespace k8s.io content fetch "))
            .map(c -> c.split(" ")[5])
            .toList();
    String ecr = "602401143452.dkr.ecr.us-west-2.amazonaws.com";
    assertEquals(
        List.of(
            ecr + "/eks/pause:3.5",
            ecr + "/eks/kube-proxy:v1.23.7-eksbuild.1",
            ecr + "/eks/kube-proxy:v1.23.7-minimal-eksbuild.1"),
        pulled);
  }
}
