package dev.eksnode.amibuilder.ebs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eksnode.amibuilder.cli.TestHome;
import dev.eksnode.amibuilder.rig.MotoExtension;
import dev.eksnode.amibuilder.rig.NodeHostExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Image;
import software.amazon.awssdk.services.ec2.model.KeyPairInfo;
import software.amazon.awssdk.services.ec2.model.Tag;

/**
 * {@code --reuse} on the rig, one bake and three reruns with a new AMI name each (as a time suffix
 * gives): the same inputs make no create call and name the earlier AMIs as reused; with the copy of
 * one region gone only that copy is made; a changed uploaded file bakes again and says which input
 * changed since the last build of the same name prefix.
 */
class ReuseIT {
  @RegisterExtension static final MotoExtension MOTO = new MotoExtension();
  @RegisterExtension static final NodeHostExtension NODE = new NodeHostExtension();

  private static final String COPY_REGION = "us-east-1";
  private static final List<String> BAKE_CALLS =
      List.of(
          "ImportKeyPair",
          "CreateSecurityGroup",
          "RunInstances",
          "StopInstances",
          "CreateImage",
          "CopyImage",
          "CreateTags",
          "ModifyImageAttribute");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path root;

  @Test
  void sameInputs_reuseEverything_thenOnlyTheMissingCopy_thenAFileChangeBakesAgainAndSaysWhy()
      throws Exception {
    try (BuildRig rig = new BuildRig(MOTO, root, COPY_REGION)) {
      NODE.followAuthorizedKeys(
          () ->
              rig.ec2().describeKeyPairs(r -> r.includePublicKey(true)).keyPairs().stream()
                  .map(KeyPairInfo::publicKey)
                  .filter(k -> k != null && !k.isBlank())
                  .toList());
      Path uploaded = rig.home.home.resolve("files/reuse-marker.conf");
      Files.writeString(uploaded, "one\n");
      rig.provisioners(
          List.of(
              Map.of(
                  "type",
                  "file",
                  "source",
                  "{{template_dir}}/../files/reuse-marker.conf",
                  "destination",
                  "/tmp/reuse-marker.conf")));
      Ec2Client east = rig.clients.get(1);
      assertEquals(Region.of(COPY_REGION).id(), COPY_REGION);

      // The first bake, without --reuse: its AMI and copy carry the fingerprint.
      TestHome.Result first = build(rig, "reuse-it-v1");
      assertEquals(0, first.code(), first.out() + first.err());
      Image west1 = named(rig.ec2(), "reuse-it-v1");
      Image east1 = named(east, "reuse-it-v1");
      String fingerprint = tag(west1, InputsFingerprint.TAG);
      assertTrue(
          fingerprint != null && fingerprint.matches("[0-9a-f]{64}"), west1.tags().toString());
      assertEquals(fingerprint, tag(east1, InputsFingerprint.TAG));

      // Same inputs, another name: nothing is created, the earlier AMIs are the result.
      rig.proxy.clear();
      long started = System.nanoTime();
      TestHome.Result hit = build(rig, "reuse-it-v2", "--reuse", "--json");
      long hitMillis = (System.nanoTime() - started) / 1_000_000;
      assertEquals(0, hit.code(), hit.out() + hit.err());
      System.out.printf("reuse hit: %d ms, calls %s%n", hitMillis, rig.proxy.countsByAction());
      for (String action : BAKE_CALLS) {
        assertEquals(0, rig.proxy.count(action), action + " on a hit: " + rig.proxy.calls());
      }
      // A build on its own asks for its fingerprint in each region, and lists nothing else.
      assertEquals(2, reuseLookups(rig, "tag:" + InputsFingerprint.TAG));
      assertEquals(0, reuseLookups(rig, "tag-key"));
      assertEquals(
          Map.of(BuildRig.REGION, west1.imageId(), COPY_REGION, east1.imageId()),
          reusedIn(lastRecord(rig, "reuse-it-v2")));
      JsonNode result = result(hit);
      assertEquals(fingerprint, result.get("inputs").asText());
      assertEquals(west1.imageId(), result.get("reused").get(BuildRig.REGION).asText());
      assertEquals(west1.imageId(), result.get("amis").get(BuildRig.REGION).asText());
      assertEquals(1, rig.ec2().describeImages(r -> r.owners("self")).images().size());

      // The copy in one region is gone: only that copy is made, under the reused AMI's name.
      east.deregisterImage(r -> r.imageId(east1.imageId()));
      rig.proxy.clear();
      TestHome.Result partial = build(rig, "reuse-it-v3", "--reuse");
      assertEquals(0, partial.code(), partial.out() + partial.err());
      assertEquals(1, rig.proxy.count("CopyImage"), rig.proxy.calls().toString());
      for (String action : List.of("ImportKeyPair", "RunInstances", "CreateImage")) {
        assertEquals(0, rig.proxy.count(action), action + ": " + rig.proxy.calls());
      }
      Image east3 = named(east, "reuse-it-v1");
      assertNotEquals(east1.imageId(), east3.imageId());
      assertEquals(fingerprint, tag(east3, InputsFingerprint.TAG));
      assertEquals("true", tag(east3, TagStep.COMPLETE));
      assertTrue(partial.out().contains(west1.imageId() + "  (reused)"), partial.out());
      assertTrue(partial.out().contains("AMI reuse-it-v1:"), partial.out());
      assertTrue(partial.out().contains("only the missing copies were made"), partial.out());
      assertEquals(
          Map.of(BuildRig.REGION, west1.imageId()), reusedIn(lastRecord(rig, "reuse-it-v3")));

      // One uploaded file changes: a miss, a new bake, and the changed input is named.
      Files.writeString(uploaded, "two\n");
      rig.proxy.clear();
      TestHome.Result miss = build(rig, "reuse-it-v4", "--reuse", "--json");
      assertEquals(0, miss.code(), miss.out() + miss.err());
      assertEquals(1, rig.proxy.count("RunInstances"));
      JsonNode missed = result(miss).get("reuse_miss");
      assertEquals("reuse-it-v1", missed.get("last_build").asText(), miss.out());
      assertEquals(
          List.of("provisioners[0] (file reuse-marker.conf)"),
          JSON.convertValue(missed.get("changed"), List.class));
      Image west4 = named(rig.ec2(), "reuse-it-v4");
      assertNotEquals(fingerprint, tag(west4, InputsFingerprint.TAG));
      Image east4 = named(east, "reuse-it-v4");

      // A matrix file asking for reuse: the entry with v4's inputs is taken whole, the entry with
      // another docker_version bakes; the summary names the reused AMIs.
      Path matrix = root.resolve("matrix.yaml");
      Files.writeString(
          matrix,
          String.join(
              "\n",
              "reuse: true",
              "entries:",
              "  - name: same",
              "    ami_name: reuse-it-v5",
              "  - name: other",
              "    ami_name: reuse-it-v6",
              "    docker_version: 20.10.99-1.amzn2",
              ""));
      rig.proxy.clear();
      TestHome.Result both = build(rig, "ignored", "--matrix", matrix.toString(), "--json");
      assertEquals(0, both.code(), both.out() + both.err());
      assertEquals(1, rig.proxy.count("RunInstances"), rig.proxy.calls().toString());
      JsonNode rows = event(both, "summary").get("entries");
      assertEquals("same", rows.get(0).get("entry").asText(), rows.toString());
      assertEquals(
          Map.of(BuildRig.REGION, west4.imageId(), COPY_REGION, east4.imageId()),
          JSON.convertValue(rows.get(0).get("reused"), Map.class));
      assertEquals("other", rows.get(1).get("entry").asText(), rows.toString());
      assertEquals(Map.of(), JSON.convertValue(rows.get(1).get("reused"), Map.class));
      assertEquals("succeeded", rows.get(1).get("status").asText(), rows.toString());
      named(rig.ec2(), "reuse-it-v6");
      // The entries share one listing of the earlier bakes per region (the build region, then the
      // copy region for the entry that was found there) instead of asking one each.
      assertEquals(0, reuseLookups(rig, "tag:" + InputsFingerprint.TAG));
      assertEquals(2, reuseLookups(rig, "tag-key"));
    }
  }

  private static TestHome.Result build(BuildRig rig, String amiName, String... extra) {
    List<String> words =
        new ArrayList<>(
            List.of(
                "ssh_host=" + NODE.host(),
                "ssh_port=" + NODE.port(),
                "ssh_username=" + NODE.user(),
                "ami_regions=" + COPY_REGION,
                "ami_name=" + amiName));
    words.addAll(List.of(extra));
    return rig.build(words.toArray(String[]::new));
  }

  /**
   * DescribeImages calls that look for earlier bakes by a filter named {@code filter} (the miss's
   * query by name prefix does not count).
   */
  private static long reuseLookups(BuildRig rig, String filter) {
    return rig.proxy.requests("DescribeImages").stream()
        .map(r -> r.paramsStartingWith("Filter."))
        .filter(f -> f.containsValue(filter) && !f.containsValue("name"))
        .count();
  }

  private static Image named(Ec2Client ec2, String name) {
    List<Image> images =
        ec2.describeImages(r -> r.owners("self").filters(f -> f.name("name").values(name)))
            .images();
    assertEquals(1, images.size(), name + ": " + images);
    return images.get(0);
  }

  private static String tag(Image image, String key) {
    return image.tags().stream()
        .filter(t -> key.equals(t.key()))
        .map(Tag::value)
        .findFirst()
        .orElse(null);
  }

  private static JsonNode lastRecord(BuildRig rig, String amiName) throws Exception {
    JsonNode manifest = JSON.readTree(rig.outputDir.resolve(amiName + "-manifest.json").toFile());
    JsonNode builds = manifest.get("builds");
    return builds.get(builds.size() - 1);
  }

  private static Map<String, String> reusedIn(JsonNode record) {
    @SuppressWarnings("unchecked")
    Map<String, String> reused = JSON.convertValue(record.get("reused"), Map.class);
    return reused;
  }

  private static JsonNode result(TestHome.Result run) throws Exception {
    return event(run, "result");
  }

  private static JsonNode event(TestHome.Result run, String name) throws Exception {
    for (String line : run.out().lines().toList()) {
      if (line.startsWith("{") && line.contains("\"event\":\"" + name + "\"")) {
        return JSON.readTree(line);
      }
    }
    throw new AssertionError("no " + name + " event in:\n" + run.out());
  }
}
