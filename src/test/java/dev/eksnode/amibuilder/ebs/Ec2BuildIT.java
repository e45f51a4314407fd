package dev.eksnode.amibuilder.ebs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eksnode.amibuilder.cli.TestHome;
import dev.eksnode.amibuilder.rig.FaultProxy;
import dev.eksnode.amibuilder.rig.MotoExtension;
import dev.eksnode.amibuilder.rig.MotoState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Image;
import software.amazon.awssdk.services.ec2.model.ImageAttributeName;
import software.amazon.awssdk.services.ec2.model.LaunchPermission;
import software.amazon.awssdk.services.ec2.model.Snapshot;
import software.amazon.awssdk.services.ec2.model.Tag;

/** Whole builds through the CLI against moto: what exists afterwards, and nothing else. */
class Ec2BuildIT {
  @RegisterExtension static final MotoExtension MOTO = new MotoExtension();
  static final ObjectMapper JSON = new ObjectMapper();
  static final String AMI_NAME = "amazon-eks-node-1.23-v20261125101530";
  @TempDir Path tmp;

  @Test
  void build_oneRegion_leavesOnlyTheTaggedAmiAndWritesManifests() throws Exception {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      MotoState before = rig.state();
      TestHome.Result r = rig.build();
      assertEquals(0, r.code(), r.err());
      Image image = onlyImage(rig.ec2());
      assertReferenceTags(image.tags(), image.imageId());
      assertOnlyImagesAndSnapshotsLeft(rig, before, 1);
      List<String> snapshots = Images.snapshotsOf(image);
      assertEquals(1, snapshots.size());
      for (Snapshot s : rig.ec2().describeSnapshots(q -> q.snapshotIds(snapshots)).snapshots()) {
        assertEquals(
            "true", tags(s.tags()).get("ami-builder:complete"), "snapshot " + s.snapshotId());
        assertEquals(AMI_NAME, tags(s.tags()).get("Name"));
      }
      JsonNode manifest = JSON.readTree(rig.outputDir.resolve("manifest.json").toFile());
      JsonNode record = manifest.get("builds").get(0);
      assertEquals("us-west-2:" + image.imageId(), record.get("artifact_id").asText());
      assertEquals(
          tags(image.tags()).get("source_ami_id"),
          record.get("custom_data").get("source_ami_id").asText());
      assertTrue(Files.isRegularFile(rig.outputDir.resolve(AMI_NAME + "-manifest.json")));
      assertTrue(r.out().contains("us-west-2  " + image.imageId()), r.out());
      // The permission preflight adds one DryRun per create action (ImportKeyPair,
      // CreateSecurityGroup, RunInstances, CreateImage, CreateTags); they are counted apart.
      int dryRuns =
          rig.proxy.countsByAction().entrySet().stream()
              .filter(e -> e.getKey().endsWith(FaultProxy.dryRun("")))
              .mapToInt(Map.Entry::getValue)
              .sum();
      assertEquals(5, dryRuns, rig.proxy.countsByAction().toString());
      int calls =
          rig.proxy.countsByAction().values().stream().mapToInt(Integer::intValue).sum() - dryRuns;
      System.out.println(
          "API calls of a one-region build: " + calls + " " + rig.proxy.countsByAction());
      assertTrue(calls <= 25, "too many API calls: " + rig.proxy.countsByAction());
    }
  }

  @Test
  void build_threeRegionsEncryptedAndShared_amiInEachRegionWithPermissions() throws Exception {
    try (BuildRig rig = new BuildRig(MOTO, tmp, "us-east-1", "eu-west-1")) {
      MotoState before = rig.state();
      TestHome.Result r =
          rig.build("ami_regions=us-east-1,eu-west-1", "ami_users=111122223333", "encrypted=true");
      assertEquals(0, r.code(), r.err());
      Map<String, String> amis = new TreeMap<>();
      for (Ec2Client ec2 : rig.clients) {
        String region = ec2.serviceClientConfiguration().region().id();
        Image image = onlyImage(ec2);
        amis.put(region, image.imageId());
        assertReferenceTags(image.tags(), image.imageId());
        List<LaunchPermission> permissions =
            ec2.describeImageAttribute(
                    q -> q.imageId(image.imageId()).attribute(ImageAttributeName.LAUNCH_PERMISSION))
                .launchPermissions();
        assertTrue(
            permissions.stream().anyMatch(p -> "111122223333".equals(p.userId())),
            region + " launch permissions " + permissions);
        for (String snapshot : Images.snapshotsOf(image)) {
          var volumePermissions =
              ec2.describeSnapshotAttribute(
                      q -> q.snapshotId(snapshot).attribute("createVolumePermission"))
                  .createVolumePermissions();
          assertTrue(
              volumePermissions.stream().anyMatch(p -> "111122223333".equals(p.userId())),
              region + " snapshot " + snapshot + " permissions " + volumePermissions);
        }
      }
      assertOnlyImagesAndSnapshotsLeft(rig, before, 3);
      String expected =
          amis.entrySet().stream()
              .map(e -> e.getKey() + ":" + e.getValue())
              .collect(Collectors.joining(","));
      JsonNode record =
          JSON.readTree(rig.outputDir.resolve(AMI_NAME + "-manifest.json").toFile())
              .get("builds")
              .get(0);
      assertEquals(expected, record.get("artifact_id").asText());
    }
  }

  static Image onlyImage(Ec2Client ec2) {
    List<Image> images = ec2.describeImages(q -> q.owners("self")).images();
    assertEquals(1, images.size(), "images: " + images);
    assertEquals(AMI_NAME, images.get(0).name());
    return images.get(0);
  }

  static Map<String, String> tags(List<Tag> tags) {
    return tags.stream().collect(Collectors.toMap(Tag::key, Tag::value, (a, b) -> b, TreeMap::new));
  }

  static void assertReferenceTags(List<Tag> list, String what) {
    Map<String, String> tags = tags(list);
    for (String key :
        List.of(
            "Name",
            "created",
            "build_region",
            "source_ami_id",
            "source_ami_name",
            "docker_version",
            "containerd_version",
            "kubernetes",
            "cni_plugin_version",
            "ami-builder:build-id",
            "ami-builder:created-by")) {
      assertTrue(tags.containsKey(key), what + " lacks tag " + key + ": " + tags);
    }
    assertEquals("true", tags.get("ami-builder:complete"), what + ": " + tags);
    assertEquals("us-west-2", tags.get("build_region"));
    assertTrue(tags.get("source_ami_id").startsWith("ami-"), tags.toString());
    assertTrue(tags.get("source_ami_name").startsWith("amzn2-ami-minimal-hvm-"), tags.toString());
    assertEquals(
        "1.23.9/" + tags.get("kubernetes").split("/")[1] + "/bin/linux/x86_64",
        tags.get("kubernetes"));
  }

  static void assertOnlyImagesAndSnapshotsLeft(BuildRig rig, MotoState before, int images) {
    Set<MotoState.Resource> added = rig.state().diff(before);
    Map<MotoState.Kind, Long> byKind =
        added.stream()
            .collect(
                Collectors.groupingBy(
                    MotoState.Resource::kind, TreeMap::new, Collectors.counting()));
    assertEquals(
        Set.of(MotoState.Kind.IMAGE, MotoState.Kind.SNAPSHOT), byKind.keySet(), "left: " + added);
    assertEquals(images, byKind.get(MotoState.Kind.IMAGE), "left: " + added);
  }

  @Test
  void build_json_announcesEachTemporaryResourceAsItsUndoRemovesIt_beforeTheResult()
      throws Exception {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      TestHome.Result r = rig.build("--json");
      assertEquals(0, r.code(), r.err());
      List<JsonNode> events = new java.util.ArrayList<>();
      for (String line : r.out().lines().filter(l -> !l.isBlank()).toList()) {
        events.add(JSON.readTree(line));
      }
      List<String> removed =
          events.stream()
              .filter(e -> e.get("event").asText().equals("resource_removed"))
              .map(e -> e.get("kind").asText() + " " + e.get("id").asText())
              .toList();
      List<String> created =
          events.stream()
              .filter(e -> e.get("event").asText().equals("resource_created"))
              .filter(
                  e ->
                      Set.of("KEY_PAIR", "SECURITY_GROUP", "INSTANCE")
                          .contains(e.get("kind").asText()))
              .map(e -> e.get("kind").asText() + " " + e.get("id").asText())
              .toList();
      assertEquals(3, created.size(), created.toString());
      assertTrue(removed.containsAll(created), "created " + created + ", removed " + removed);
      assertEquals(removed.size(), Set.copyOf(removed).size(), "each removal once: " + removed);
      assertTrue(removed.stream().noneMatch(x -> x.startsWith("IMAGE")), removed.toString());
      assertEquals("result", events.get(events.size() - 1).get("event").asText());
    }
  }

  @Test
  void build_json_emitsStepResourceAndResultEvents() throws Exception {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      TestHome.Result r = rig.build("--json");
      assertEquals(0, r.code(), r.err());
      List<JsonNode> events = new java.util.ArrayList<>();
      for (String line : r.out().lines().filter(l -> !l.isBlank()).toList()) {
        events.add(JSON.readTree(line));
      }
      Set<String> types =
          events.stream().map(e -> e.get("event").asText()).collect(Collectors.toSet());
      assertTrue(
          types.containsAll(
              Set.of(
                  "build_started", "step_started", "step_finished", "resource_created", "result")),
          types.toString());
      List<JsonNode> waits =
          events.stream().filter(e -> e.get("event").asText().equals("waiting")).toList();
      assertTrue(
          waits.stream()
              .anyMatch(
                  w ->
                      w.get("what").asText().matches("instance i-\\w+ running")
                          && w.get("state").asText().equals("running")),
          waits.toString());
      assertTrue(
          waits.stream()
              .anyMatch(
                  w ->
                      w.get("what").asText().matches("AMI ami-\\w+ available")
                          && w.get("state").asText().equals("available")
                          && w.has("elapsed_seconds")),
          waits.toString());
      JsonNode result = events.get(events.size() - 1);
      assertEquals("result", result.get("event").asText());
      assertEquals(0, result.get("exit_code").asInt());
      assertTrue(
          result.get("amis").get("us-west-2").asText().startsWith("ami-"), result.toString());
    }
  }

  @Test
  void build_onErrorAbort_keepsEverythingAndPrintsTheCleanupCommand() {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      MotoState before = rig.state();
      rig.proxy.on("StopInstances").call(1).fail(400, "InvalidParameterValue", "injected");
      TestHome.Result r = rig.build("--on-error", "abort");
      assertEquals(3, r.code(), r.err());
      assertTrue(r.err().contains("Kept for debugging"), r.err());
      java.util.regex.Matcher m = FaultMatrixIT.BUILD_ID.matcher(r.err());
      assertTrue(m.find(), r.err());
      assertTrue(
          rig.state().diff(before).stream().anyMatch(x -> x.kind() == MotoState.Kind.INSTANCE));
      rig.proxy.clear();
      TestHome.Result cleanup =
          rig.cli(
              "cleanup",
              "--build-id",
              m.group(1),
              "--endpoint-url",
              rig.proxy.endpoint().toString());
      assertEquals(0, cleanup.code(), cleanup.err());
      assertEquals(Set.of(), rig.state().diff(before));
    }
  }

  @Test
  void cleanupOlderThan_removesOnlyBuildsOlderThanTheLimit() {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      MotoState before = rig.state();
      rig.proxy.on("StopInstances").call(1).fail(400, "InvalidParameterValue", "injected");
      assertEquals(3, rig.build("--on-error", "abort").code());
      rig.proxy.clear();
      String endpoint = rig.proxy.endpoint().toString();
      // Seven hours later the kept build is older than 6h but not than 8h.
      rig.home.clock =
          java.time.Clock.fixed(
              TestHome.NOW.plus(java.time.Duration.ofHours(7)), java.time.ZoneOffset.UTC);
      TestHome.Result young =
          rig.cli(
              "cleanup",
              "--older-than",
              "8h",
              "--region",
              BuildRig.REGION,
              "--endpoint-url",
              endpoint);
      assertEquals(0, young.code(), young.err());
      assertTrue(
          rig.state().diff(before).stream().anyMatch(x -> x.kind() == MotoState.Kind.INSTANCE),
          "a build younger than the limit must be kept");
      TestHome.Result old =
          rig.cli(
              "cleanup",
              "--older-than",
              "6h",
              "--region",
              BuildRig.REGION,
              "--endpoint-url",
              endpoint);
      assertEquals(0, old.code(), old.err());
      assertEquals(Set.of(), rig.state().diff(before));
    }
  }

  @Test
  void k8sAll_parallel_buildsEveryShortcut_andLeavesOnlyTheirAmis() {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      MotoState before = rig.state();
      TestHome.Result r =
          rig.cli(
              "k8s",
              "all",
              "--parallel",
              "2",
              "--region",
              BuildRig.REGION,
              "--endpoint-url",
              rig.proxy.endpoint().toString(),
              "--output-dir",
              rig.outputDir.toString(),
              "temporary_security_group_source_cidrs=127.0.0.1/32");
      assertEquals(0, r.code(), r.err());
      List<String> names =
          rig.ec2().describeImages(q -> q.owners("self")).images().stream()
              .map(i -> i.name())
              .sorted()
              .toList();
      assertEquals(5, names.size(), names.toString());
      // The five builds start from the same image: one source lookup serves them all.
      List<FaultProxy.Request> sourceLookups =
          rig.proxy.requests("DescribeImages").stream()
              .filter(q -> q.params().containsValue("137112412989"))
              .toList();
      assertEquals(1, sourceLookups.size(), sourceLookups.toString());
      for (String minor : List.of("1.21", "1.22", "1.23", "1.24", "1.25")) {
        assertTrue(
            names.stream().anyMatch(n -> n.startsWith("amazon-eks-node-" + minor + "-v")),
            names.toString());
      }
      assertTrue(
          rig.state().diff(before).stream()
              .allMatch(
                  x -> x.kind() == MotoState.Kind.IMAGE || x.kind() == MotoState.Kind.SNAPSHOT));
    }
  }

  @Test
  void k8sAll_oneAtATime_firstBuildFails_theOthersStillRunAndEachFailureIsPrefixed() {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      MotoState before = rig.state();
      rig.proxy.clear();
      // The first RunInstances of the matrix fails: that build unwinds, the four after it must
      // still run.
      rig.proxy
          .on("RunInstances")
          .call(1)
          .fail(400, "InvalidParameterValue", "injected for the first build");
      TestHome.Result r =
          rig.cli(
              "k8s",
              "all",
              "--region",
              BuildRig.REGION,
              "--endpoint-url",
              rig.proxy.endpoint().toString(),
              "--output-dir",
              rig.outputDir.toString(),
              "temporary_security_group_source_cidrs=127.0.0.1/32");
      assertEquals(1, r.code(), r.err());
      assertEquals(4, rig.ec2().describeImages(q -> q.owners("self")).images().size(), r.err());
      List<String> errors = r.errLines().stream().filter(l -> l.startsWith("error: ")).toList();
      assertEquals(2, errors.size(), r.err());
      assertTrue(
          errors.get(0).startsWith("error: [amazon-eks-node-1.21-v")
              && errors.get(0).contains("injected"),
          errors.toString());
      assertTrue(errors.get(1).contains("1 of 5 builds did not succeed"), errors.toString());
      // The five share one instance type, network and source filter: each look-up is made once.
      for (String lookup :
          List.of("DescribeVpcs", "DescribeInstanceTypeOfferings", "DescribeInstanceTypes")) {
        assertEquals(1, rig.proxy.count(lookup), lookup + ": " + rig.proxy.countsByAction());
      }
      assertTrue(
          rig.state().diff(before).stream()
              .allMatch(
                  x -> x.kind() == MotoState.Kind.IMAGE || x.kind() == MotoState.Kind.SNAPSHOT));
    }
  }

  /**
   * Issue 12: a three-entry matrix file where one entry's RunInstances is refused (exit 1) and one
   * entry's binary bucket does not exist (found before anything starts, exit 2): the third still
   * bakes its AMI, the exit code is the most urgent (1 beats 2), the summary names every entry,
   * each build that started has its own journal and every JSON event carries its entry's name. Then
   * a shard runs only its slice.
   */
  @Test
  void k8sMatrix_failedEntriesDoNotStopTheOthers_worstCodeWins_andAShardRunsOnlyItsSlice()
      throws Exception {
    try (BuildRig rig = new BuildRig(MOTO, tmp, "us-east-1")) {
      MotoState before = rig.state();
      rig.proxy
          .on("RunInstances")
          .inRegion("us-east-1")
          .always()
          .fail(400, "InvalidParameterValue", "injected for the east entry");
      rig.home.write(
          "builds.yaml",
          """
          - name: west
            aws_region: us-west-2
          - name: east
            aws_region: us-east-1
          - name: no-bucket
            aws_region: us-west-2
            kubernetes_version: "1.23"
            binary_bucket_name: no-such-bucket-for-matrix
          """);
      TestHome.Result r = rig.build("--matrix", "builds.yaml", "--parallel", "2", "--json");
      assertEquals(1, r.code(), r.err());

      List<JsonNode> events = r.out().lines().map(Ec2BuildIT::json).toList();
      for (JsonNode e : events) {
        if (e.has("build_id") && !e.get("event").asText().equals("summary")) {
          assertTrue(
              Set.of("west", "east", "no-bucket").contains(e.path("entry").asText()), e.toString());
        }
      }
      Map<String, JsonNode> results =
          events.stream()
              .filter(e -> e.get("event").asText().equals("result"))
              .collect(Collectors.toMap(e -> e.get("entry").asText(), e -> e));
      assertEquals(Set.of("west", "east", "no-bucket"), results.keySet());
      assertEquals(0, results.get("west").get("exit_code").asInt());
      assertEquals(1, results.get("east").get("exit_code").asInt());
      assertTrue(results.get("east").get("error").asText().contains("injected"), r.out());
      assertEquals(2, results.get("no-bucket").get("exit_code").asInt());
      assertTrue(
          results.get("no-bucket").get("error").asText().contains("no-such-bucket-for-matrix"),
          r.out());
      // A journal for each build that started; the entry refused before starting has none.
      for (String entry : List.of("west", "east")) {
        String id = results.get(entry).get("build_id").asText();
        assertTrue(Files.isRegularFile(rig.stateDir.resolve(id + ".json")), entry + " " + id);
      }
      String noBucket = results.get("no-bucket").get("build_id").asText();
      assertTrue(Files.notExists(rig.stateDir.resolve(noBucket + ".json")), noBucket);
      assertTrue(
          events.stream()
              .noneMatch(
                  e ->
                      e.get("event").asText().equals("build_started")
                          && e.get("entry").asText().equals("no-bucket")),
          r.out());

      JsonNode summary = events.get(events.size() - 1);
      assertEquals("summary", summary.get("event").asText());
      assertEquals(1, summary.get("exit_code").asInt());
      List<String> rows = new java.util.ArrayList<>();
      summary
          .get("entries")
          .forEach(e -> rows.add(e.get("entry").asText() + " " + e.get("exit_code").asInt()));
      assertEquals(List.of("west 0", "east 1", "no-bucket 2"), rows);
      String westAmi = summary.get("entries").get(0).get("amis").get("us-west-2").asText();
      assertEquals(List.of(westAmi), imageIds(rig.ec2()));
      assertEquals(List.of(), imageIds(rig.clients.get(1)), "the refused east entry made no image");
      List<String> errors = r.errLines().stream().filter(l -> l.startsWith("error: ")).toList();
      assertEquals(3, errors.size(), r.err());
      assertTrue(errors.get(2).contains("2 of 3 builds did not succeed"), r.err());

      // A minute later (a new AMI name): shard 1/2 is west and no-bucket, east is left out.
      rig.home.clock = java.time.Clock.offset(rig.home.clock, java.time.Duration.ofMinutes(1));
      int eastCalls = rig.proxy.requests("RunInstances").size();
      TestHome.Result shard = rig.build("--matrix", "builds.yaml", "--shard", "1/2");
      assertEquals(2, shard.code(), shard.err());
      assertEquals(eastCalls + 1, rig.proxy.requests("RunInstances").size(), "only west launched");
      List<String> table = shard.out().lines().dropWhile(l -> !l.startsWith("Summary: ")).toList();
      assertEquals("Summary: 1 of 2 succeeded, exit code 2", table.get(0), shard.out());
      assertTrue(
          table.get(1).trim().matches("ENTRY +REGIONS +OUTCOME +TIME +AMI / ERROR"), table.get(1));
      assertTrue(
          table.get(2).trim().matches("west +us-west-2 +succeeded \\(0\\) +\\S+ s +ami-\\w+"),
          table.get(2));
      assertTrue(
          table
              .get(3)
              .trim()
              .matches("no-bucket +us-west-2 +failed \\(2\\) +- +.*no-such-bucket-for-matrix.*"),
          table.get(3));
      assertEquals(4, table.size(), shard.out());
      assertEquals(2, imageIds(rig.ec2()).size());
      assertTrue(
          rig.state().diff(before).stream()
              .allMatch(
                  x -> x.kind() == MotoState.Kind.IMAGE || x.kind() == MotoState.Kind.SNAPSHOT));
    }
  }

  private static JsonNode json(String line) {
    try {
      return JSON.readTree(line);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(line, e);
    }
  }

  private static List<String> imageIds(Ec2Client ec2) {
    return ec2.describeImages(q -> q.owners("self")).images().stream().map(Image::imageId).toList();
  }
}
