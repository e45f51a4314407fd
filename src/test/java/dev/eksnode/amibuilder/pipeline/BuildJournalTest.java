package dev.eksnode.amibuilder.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BuildJournalTest {
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-11-25T12:03:45Z"), ZoneOffset.UTC);
  private static final BuildId ID = BuildId.parse("ab-20261125T1203-7f3k2q");
  private static final Resource KEY =
      new Resource(ResourceKind.KEY_PAIR, "ami-builder-ab-1", "us-west-2");
  private static final Resource INSTANCE =
      new Resource(ResourceKind.INSTANCE, "i-0abc", "us-west-2");
  private static final Resource COPY = new Resource(ResourceKind.IMAGE, "ami-0copy", "eu-west-1");

  @TempDir Path dir;

  @Test
  void create_writesFileAtOnceEvenBeforeAnyResource() {
    BuildJournal journal = BuildJournal.create(dir.resolve("builds"), ID, CLOCK);

    BuildJournal.Contents read = BuildJournal.read(journal.file());
    assertEquals(dir.resolve("builds").resolve("ab-20261125T1203-7f3k2q.json"), journal.file());
    assertEquals("ab-20261125T1203-7f3k2q", read.buildId());
    assertEquals(Instant.parse("2026-11-25T12:03:45Z"), read.createdAt());
    assertEquals("running", read.status());
  }

  @Test
  void created_isOnDiskWhenItReturnsWithKindIdRegionAndState() throws Exception {
    BuildJournal journal = BuildJournal.create(dir, ID, CLOCK);

    journal.created(KEY);
    journal.created(COPY);

    JsonNode json = new ObjectMapper().readTree(journal.file().toFile());
    assertEquals("KEY_PAIR", json.at("/resources/0/kind").asText());
    assertEquals("ami-builder-ab-1", json.at("/resources/0/id").asText());
    assertEquals("us-west-2", json.at("/resources/0/region").asText());
    assertEquals("CREATED", json.at("/resources/0/state").asText());
    assertEquals("2026-11-25T12:03:45Z", json.at("/resources/0/createdAt").asText());
    assertEquals(
        List.of("us-west-2", "eu-west-1"),
        List.of(json.at("/regions/0").asText(), json.at("/regions/1").asText()));
  }

  @Test
  void removed_updatesStateAndLiveListInCreationOrder() {
    BuildJournal journal = BuildJournal.create(dir, ID, CLOCK);
    journal.created(KEY);
    journal.created(INSTANCE);
    journal.created(COPY);

    journal.removed(INSTANCE);
    journal.removed(INSTANCE);

    BuildJournal.Contents read = BuildJournal.read(journal.file());
    assertEquals(List.of(KEY, COPY), read.live());
    assertEquals(BuildJournal.State.REMOVED, read.resources().get(1).state());
    assertEquals(3, read.resources().size());
  }

  @Test
  void open_continuesAnExistingJournalAsCleanupDoes() {
    BuildJournal first = BuildJournal.create(dir, ID, CLOCK);
    first.created(KEY);
    first.created(INSTANCE);

    BuildJournal reopened = BuildJournal.open(dir, ID, CLOCK);
    reopened.removed(KEY);
    reopened.finish("cleaned-up");

    BuildJournal.Contents read = BuildJournal.read(BuildJournal.fileOf(dir, ID));
    assertEquals(List.of(INSTANCE), read.live());
    assertEquals("cleaned-up", read.status());
  }

  @Test
  void write_leavesNoTemporaryFileBehind() throws Exception {
    BuildJournal journal = BuildJournal.create(dir, ID, CLOCK);
    for (int i = 0; i < 20; i++) {
      journal.created(new Resource(ResourceKind.SNAPSHOT, "snap-" + i, "us-east-1"));
    }

    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(journal.file()), files.toList());
    }
  }

  @Test
  void bytes_areWhatTheMapperWritesForTheRecordsAndReadBackEqual() throws Exception {
    // The journal is written field by field (no serializer built by introspection at a build's
    // start); the file must stay what the records' own serialization gave, which older journals
    // hold and cleanup reads.
    ObjectMapper recordMapper =
        JsonMapper.builder()
            .addModule(new SimpleModule().addSerializer(Instant.class, ToStringSerializer.instance))
            .enable(SerializationFeature.INDENT_OUTPUT)
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .build();
    Instant created = Instant.parse("2026-11-25T12:03:45.123456789Z");
    List<BuildJournal.Contents> samples =
        List.of(
            new BuildJournal.Contents(
                "ab-20261125T1203-7f3k2q", created, List.of(), List.of(), null),
            new BuildJournal.Contents(
                "ab-20261125T1203-7f3k2q",
                created,
                List.of("us-west-2", "eu-west-1"),
                List.of(
                    new BuildJournal.Entry(
                        ResourceKind.KEY_PAIR,
                        "ami-builder-ab-\"quoted\"-é",
                        "us-west-2",
                        BuildJournal.State.REMOVED,
                        created,
                        created.plusSeconds(3)),
                    new BuildJournal.Entry(
                        ResourceKind.of("LAUNCH_TEMPLATE"),
                        "lt-1",
                        "eu-west-1",
                        BuildJournal.State.CREATED,
                        created,
                        null)),
                "failed: step 'provision' (exit 3)\nsecond line",
                4242L));
    for (BuildJournal.Contents sample : samples) {
      byte[] written = BuildJournal.bytes(sample);
      assertEquals(
          recordMapper.writeValueAsString(sample), new String(written, StandardCharsets.UTF_8));
      Path file = dir.resolve(sample.regions().size() + ".json");
      Files.write(file, written);
      assertEquals(sample, BuildJournal.read(file));
    }
  }

  @Test
  void read_acceptsUnknownKindsAndFieldsFromANewerVersion() throws Exception {
    Path file = dir.resolve("ab-20261125T1203-zzzzzz.json");
    Files.writeString(
        file,
        """
        {"buildId":"ab-20261125T1203-zzzzzz","createdAt":"2026-11-25T12:03:00Z","regions":["us-east-1"],
         "futureField":1,
         "resources":[{"kind":"LAUNCH_TEMPLATE","id":"lt-1","region":"us-east-1","state":"CREATED"}]}
        """);

    BuildJournal.Contents read = BuildJournal.read(file);

    assertEquals(
        List.of(new Resource(ResourceKind.of("LAUNCH_TEMPLATE"), "lt-1", "us-east-1")),
        read.live());
  }

  @Test
  void create_whenJournalExists_refusesToOverwriteIt() {
    BuildJournal.create(dir, ID, CLOCK);

    assertThrows(JournalException.class, () -> BuildJournal.create(dir, ID, CLOCK));
  }

  @Test
  void read_whenMissing_saysWhere() {
    JournalException e =
        assertThrows(JournalException.class, () -> BuildJournal.read(dir.resolve("nope.json")));
    assertTrue(e.getMessage().contains("nope.json"), e.getMessage());
  }

  @Test
  void list_returnsJournalsOldestFirstAndSkipsGarbage() throws Exception {
    BuildJournal.create(dir, BuildId.parse("ab-20261125T1500-bbbbbb"), CLOCK);
    BuildJournal.create(dir, BuildId.parse("ab-20261125T0900-aaaaaa"), CLOCK);
    Files.writeString(dir.resolve("ab-20261125T1000-broken.json"), "{not json");

    List<BuildJournal.Contents> all = BuildJournal.list(dir);

    assertEquals(
        List.of("ab-20261125T0900-aaaaaa", "ab-20261125T1500-bbbbbb"),
        all.stream().map(BuildJournal.Contents::buildId).toList());
  }

  @Test
  void createdAndRemoved_fromManyThreads_loseNothing() throws Exception {
    BuildJournal journal = BuildJournal.create(dir, ID, CLOCK);
    Thread[] threads = new Thread[4];
    for (int t = 0; t < threads.length; t++) {
      int region = t;
      threads[t] =
          new Thread(
              () -> {
                for (int i = 0; i < 10; i++) {
                  journal.created(
                      new Resource(ResourceKind.SNAPSHOT, "snap-" + i, "region-" + region));
                }
              });
      threads[t].start();
    }
    for (Thread thread : threads) {
      thread.join();
    }

    assertEquals(40, BuildJournal.read(journal.file()).live().size());
  }

  @Test
  void didNotSucceed_onlyForARunningFailedOrCancelledBuild() {
    for (String status :
        List.of("running", "failed", "failed-cleanup-incomplete", "cancelled-cleanup-incomplete")) {
      assertTrue(contents(status).didNotSucceed(), status);
    }
    // A cleaned journal of an earlier version does not say how the build ended.
    for (String status :
        List.of("succeeded", "succeeded-cleanup-incomplete", "succeeded-cleaned", "cleaned")) {
      assertFalse(contents(status).didNotSucceed(), status);
      assertEquals(!status.equals("cleaned"), contents(status).succeeded(), status);
    }
    assertFalse(contents(null).didNotSucceed());
  }

  private static BuildJournal.Contents contents(String status) {
    return new BuildJournal.Contents(ID.value(), Instant.EPOCH, List.of(), List.of(), status);
  }

  @Test
  void aNewJournalNamesItsProcess_runningHereOnlyWhileThatProcessLives() {
    BuildJournal journal = BuildJournal.create(dir, ID, Clock.systemUTC());
    BuildJournal.Contents read = BuildJournal.read(journal.file());
    assertEquals(ProcessHandle.current().pid(), read.pid());
    assertTrue(read.runningHere(), "this JVM runs the build");

    journal.finish("failed");
    assertFalse(BuildJournal.read(journal.file()).runningHere(), "no longer running");
    // A journal older than the process of that number: the number was given again.
    assertFalse(
        new BuildJournal.Contents(
                ID.value(), Instant.EPOCH, List.of(), List.of(), "running", read.pid())
            .runningHere());
    assertFalse(contents("running").runningHere(), "an earlier version's journal has no pid");
  }
}
