package dev.eksnode.amibuilder.pipeline;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable record of one build, {@code <dir>/<buildId>.json}: what it created, where, and
 * whether it was removed. Every change rewrites the file atomically (temp file, fsync, atomic
 * rename, fsync of the directory), so after {@code kill -9} or a power cut the file holds either
 * the previous or the new state, never a torn one. This is what lets {@code cleanup --build-id}
 * finish any build.
 */
public final class BuildJournal implements ResourceLedger {
  private static final Logger log = LoggerFactory.getLogger(BuildJournal.class);
  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .addModule(instantAsIsoText())
          .enable(SerializationFeature.INDENT_OUTPUT)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .serializationInclusion(JsonInclude.Include.NON_NULL)
          .build();

  /**
   * ISO-8601 instants, readable by people and by {@code jq}; saves pulling in the jsr310 module for
   * two fields.
   */
  private static SimpleModule instantAsIsoText() {
    SimpleModule module = new SimpleModule("instant-as-iso-text");
    module.addSerializer(Instant.class, ToStringSerializer.instance);
    module.addDeserializer(
        Instant.class,
        new StdScalarDeserializer<Instant>(Instant.class) {
          @Override
          public Instant deserialize(JsonParser parser, DeserializationContext context)
              throws IOException {
            return Instant.parse(parser.getValueAsString());
          }
        });
    return module;
  }

  /** Whether a journaled resource still exists, as far as the build knows. */
  public enum State {
    CREATED,
    REMOVED
  }

  /** One resource line of the journal. */
  public record Entry(
      ResourceKind kind,
      String id,
      String region,
      State state,
      Instant createdAt,
      Instant removedAt) {
    public Resource resource() {
      return new Resource(kind, id, region);
    }
  }

  /**
   * The whole journal as stored.
   *
   * @param status free text set by {@link #finish}, {@code "running"} until then
   * @param pid the process that runs the build; null in journals of earlier versions
   */
  public record Contents(
      String buildId,
      Instant createdAt,
      List<String> regions,
      List<Entry> resources,
      String status,
      Long pid) {
    public Contents {
      regions = regions == null ? List.of() : List.copyOf(regions);
      resources = resources == null ? List.of() : List.copyOf(resources);
    }

    public Contents(
        String buildId,
        Instant createdAt,
        List<String> regions,
        List<Entry> resources,
        String status) {
      this(buildId, createdAt, regions, resources, status, null);
    }

    /**
     * Whether the build is still running on this machine: its journal says {@code running} and its
     * process is alive, started no later than the journal (so not a later process that was given
     * the same number).
     */
    public boolean runningHere() {
      if (!RUNNING.equals(status) || pid == null) {
        return false;
      }
      return ProcessHandle.of(pid)
          .filter(ProcessHandle::isAlive)
          .map(
              p -> p.info().startInstant().map(started -> !started.isAfter(createdAt)).orElse(true))
          .orElse(false);
    }

    /** Whether the journal says the build succeeded (whatever was cleaned up after it). */
    public boolean succeeded() {
      return status != null && status.startsWith(SUCCEEDED);
    }

    /**
     * Whether the journal says the build did not succeed: still {@code running} (it was killed, or
     * is running now), {@code failed} or {@code cancelled}. A journal closed by a cleanup ({@code
     * cleaned}, as earlier versions wrote it whatever the outcome) does not say.
     */
    public boolean didNotSucceed() {
      return status != null
          && (status.equals(RUNNING)
              || status.startsWith("failed")
              || status.startsWith("cancelled"));
    }

    /** Resources recorded as created and not removed, in creation order. */
    public List<Resource> live() {
      return resources.stream()
          .filter(e -> e.state() == State.CREATED)
          .map(Entry::resource)
          .toList();
    }
  }

  /**
   * How the status of a build that succeeded starts ({@code succeeded}, {@code
   * succeeded-cleanup-incomplete}, {@code succeeded-cleaned}); only such a build's AMIs are
   * finished.
   */
  public static final String SUCCEEDED = "succeeded";

  /** The status from the journal's creation until the build ends. */
  public static final String RUNNING = "running";

  private final Path file;
  private final Clock clock;
  private final String buildId;
  private final Instant createdAt;
  private final Set<String> regions = new LinkedHashSet<>();
  private final List<Entry> entries = new ArrayList<>();
  private String status;
  private final Long pid;

  private BuildJournal(Path file, Clock clock, Contents contents) {
    this.file = file;
    this.clock = clock;
    this.buildId = contents.buildId();
    this.createdAt = contents.createdAt();
    this.regions.addAll(contents.regions());
    this.entries.addAll(contents.resources());
    this.status = contents.status();
    this.pid = contents.pid();
  }

  /** {@code ~/.ami-builder/builds}. */
  public static Path defaultDirectory() {
    return Path.of(System.getProperty("user.home"), ".ami-builder", "builds");
  }

  /** The journal file of {@code buildId} in {@code dir}. */
  public static Path fileOf(Path dir, BuildId buildId) {
    return dir.resolve(buildId.value() + ".json");
  }

  /**
   * Starts the journal of a new build and writes it at once, so even a build killed early is on
   * disk.
   */
  public static BuildJournal create(Path dir, BuildId buildId, Clock clock) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new JournalException(
          "cannot create the build journal directory " + dir + ": " + e.getMessage(), e);
    }
    Path file = fileOf(dir, buildId);
    if (Files.exists(file)) {
      throw new JournalException(
          "a journal for build " + buildId + " already exists: " + file, null);
    }
    BuildJournal journal =
        new BuildJournal(
            file,
            clock,
            new Contents(
                buildId.value(),
                clock.instant(),
                List.of(),
                List.of(),
                RUNNING,
                ProcessHandle.current().pid()));
    synchronized (journal) {
      journal.write();
    }
    return journal;
  }

  /** Reopens an existing journal to update it (the {@code cleanup} command marks removals). */
  public static BuildJournal open(Path dir, BuildId buildId, Clock clock) {
    Path file = fileOf(dir, buildId);
    return new BuildJournal(file, clock, read(file));
  }

  /** Reads a journal file. */
  public static Contents read(Path file) {
    try {
      return JSON.readValue(file.toFile(), Contents.class);
    } catch (NoSuchFileException e) {
      throw new JournalException("no build journal at " + file, e);
    } catch (IOException e) {
      if (!Files.exists(file)) {
        throw new JournalException("no build journal at " + file, e);
      }
      throw new JournalException("cannot read build journal " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Every journal in {@code dir}, oldest build first; unreadable files are skipped with a warning.
   */
  public static List<Contents> list(Path dir) {
    List<Path> files = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "ab-*.json")) {
      stream.forEach(files::add);
    } catch (IOException e) {
      throw new JournalException("cannot list build journals in " + dir + ": " + e.getMessage(), e);
    }
    files.sort(null);
    List<Contents> result = new ArrayList<>();
    for (Path path : files) {
      try {
        result.add(read(path));
      } catch (JournalException e) {
        log.warn("Skipping unreadable journal {}: {}", path, e.getMessage());
      }
    }
    return result;
  }

  public Path file() {
    return file;
  }

  public String buildId() {
    return buildId;
  }

  /** Records a region the build works in, even before anything is created there. */
  public synchronized void regionTouched(String region) {
    if (regions.add(Objects.requireNonNull(region, "region"))) {
      write();
    }
  }

  @Override
  public synchronized void created(Resource resource) {
    Objects.requireNonNull(resource, "resource");
    regions.add(resource.region());
    int index = indexOf(resource);
    Entry entry =
        new Entry(
            resource.kind(),
            resource.id(),
            resource.region(),
            State.CREATED,
            clock.instant(),
            null);
    if (index >= 0) {
      entries.set(index, entry);
    } else {
      entries.add(entry);
    }
    write();
  }

  @Override
  public synchronized void removed(Resource resource) {
    int index = indexOf(resource);
    Entry entry =
        index >= 0
            ? entries.get(index)
            : new Entry(
                resource.kind(), resource.id(), resource.region(), State.CREATED, null, null);
    if (entry.state() == State.REMOVED) {
      return;
    }
    Entry gone =
        new Entry(
            entry.kind(),
            entry.id(),
            entry.region(),
            State.REMOVED,
            entry.createdAt(),
            clock.instant());
    if (index >= 0) {
      entries.set(index, gone);
    } else {
      entries.add(gone);
    }
    write();
  }

  @Override
  public synchronized List<Resource> live() {
    return snapshot().live();
  }

  /**
   * Marks the build finished with a status word ({@code succeeded}, {@code failed}, {@code
   * cancelled}, ...).
   */
  public synchronized void finish(String finalStatus) {
    status = Objects.requireNonNull(finalStatus, "finalStatus");
    write();
  }

  public synchronized Contents snapshot() {
    return new Contents(
        buildId, createdAt, List.copyOf(regions), List.copyOf(entries), status, pid);
  }

  private int indexOf(Resource resource) {
    for (int i = 0; i < entries.size(); i++) {
      Entry e = entries.get(i);
      if (e.kind().equals(resource.kind())
          && e.id().equals(resource.id())
          && e.region().equals(resource.region())) {
        return i;
      }
    }
    return -1;
  }

  private void write() {
    Path dir = file.toAbsolutePath().getParent();
    Path temp = dir.resolve("." + file.getFileName() + ".tmp");
    try {
      byte[] bytes = bytes(snapshot());
      try (FileChannel channel =
          FileChannel.open(
              temp,
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE,
              StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(true);
      }
      try {
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
      }
      syncDirectory(dir);
    } catch (IOException e) {
      throw new JournalException("cannot write build journal " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * The journal as its file holds it: the same JSON as the mapper writes for {@link Contents}
   * (indented, null fields left out), written field by field. The mapper's first write builds its
   * serializers by looking into the records, some 80 ms of a build's start before its first step;
   * {@code BuildJournalTest} keeps the two the same.
   */
  static byte[] bytes(Contents contents) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
    try (JsonGenerator json = JSON.getFactory().createGenerator(out)) {
      json.useDefaultPrettyPrinter();
      json.writeStartObject();
      field(json, "buildId", contents.buildId());
      field(json, "createdAt", contents.createdAt());
      json.writeArrayFieldStart("regions");
      for (String region : contents.regions()) {
        json.writeString(region);
      }
      json.writeEndArray();
      json.writeArrayFieldStart("resources");
      for (Entry e : contents.resources()) {
        json.writeStartObject();
        field(json, "kind", e.kind() == null ? null : e.kind().name());
        field(json, "id", e.id());
        field(json, "region", e.region());
        field(json, "state", e.state() == null ? null : e.state().name());
        field(json, "createdAt", e.createdAt());
        field(json, "removedAt", e.removedAt());
        json.writeEndObject();
      }
      json.writeEndArray();
      field(json, "status", contents.status());
      if (contents.pid() != null) {
        json.writeNumberField("pid", contents.pid());
      }
      json.writeEndObject();
    }
    return out.toByteArray();
  }

  private static void field(JsonGenerator json, String name, Object value) throws IOException {
    if (value != null) {
      json.writeStringField(name, value.toString());
    }
  }

  /**
   * Makes the rename itself durable; not every platform lets a directory be opened, which is fine
   * there.
   */
  private static void syncDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      log.trace("Directory fsync not supported for {}: {}", dir, e.toString());
    }
  }
}
