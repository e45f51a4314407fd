package dev.eksnode.amibuilder.ebs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.aws.ApiRateLimiter;
import dev.eksnode.amibuilder.aws.AwsClientFactory;
import dev.eksnode.amibuilder.aws.AwsSettings;
import dev.eksnode.amibuilder.config.ConfigException;
import dev.eksnode.amibuilder.config.Variable;
import dev.eksnode.amibuilder.config.VariableSource;
import dev.eksnode.amibuilder.config.VariableValidator;
import dev.eksnode.amibuilder.config.Variables;
import dev.eksnode.amibuilder.pipeline.BuildId;
import dev.eksnode.amibuilder.pipeline.BuildJournal;
import dev.eksnode.amibuilder.pipeline.OnError;
import dev.eksnode.amibuilder.pipeline.Outcome;
import dev.eksnode.amibuilder.pipeline.Resource;
import dev.eksnode.amibuilder.pipeline.ResourceKind;
import dev.eksnode.amibuilder.template.BuildSpec;
import dev.eksnode.amibuilder.template.Template;
import dev.eksnode.amibuilder.template.TemplateLoader;
import dev.eksnode.amibuilder.template.TemplateRenderer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The core's one entry point: endpoints per build, events in order, a typed report, nothing
 * printed.
 */
class BuildServiceTest {
  /**
   * A loopback port nothing listens on: every AWS call is refused at once, a real network failure.
   */
  private static final String CLOSED = "http://127.0.0.1:1";

  @TempDir Path dir;

  private BuildSpec spec(String amiName, String customEndpoint) throws IOException {
    return spec(amiName, customEndpoint, "2023-01-30");
  }

  private BuildSpec spec(String amiName, String customEndpoint, String buildDate)
      throws IOException {
    Path file = dir.resolve(amiName + ".json");
    Files.writeString(
        file,
        "{\"variables\": {\"kubernetes_version\": null, \"kubernetes_build_date\": null},\n"
            + " \"builders\": [{\"type\": \"amazon-ebs\", \"region\": \"us-west-2\", \"instance_type\": \"m5.large\","
            + " \"source_ami\": \"ami-0123456789abcdef0\", \"ssh_username\": \"ec2-user\","
            + " \"temporary_security_group_source_cidrs\": \"10.0.0.0/8\","
            + " \"ami_name\": \""
            + amiName
            + "\", \"custom_endpoint_ec2\": \""
            + customEndpoint
            + "\"}]}");
    Template template = new TemplateLoader().load(file);
    VariableSource cli = VariableSource.commandLine("--var");
    Variables vars =
        Variables.of(
            List.of(
                new Variable("kubernetes_version", "1.23.16", cli),
                new Variable("kubernetes_build_date", buildDate, cli)),
            List.of());
    return new TemplateRenderer(Map.of(), Instant.parse("2026-11-25T10:15:30Z"), "uuid-1", dir)
        .render(template, vars, VariableValidator.Purpose.BUILD);
  }

  @Test
  void leftoverSummary_namesWhatIsLiveAndACommandWithTheRegionsAndTheAwsOptions() {
    Clock clock = Clock.fixed(Instant.parse("2026-12-03T12:00:00Z"), ZoneOffset.UTC);
    BuildJournal done = BuildJournal.create(dir, BuildId.parse("ab-20261203T1200-aaaaaa"), clock);
    Resource key = new Resource(ResourceKind.KEY_PAIR, "ami-builder-x", "us-west-2");
    done.regionTouched("us-west-2");
    done.created(key);
    done.removed(key);
    BuildJournal left = BuildJournal.create(dir, BuildId.parse("ab-20261203T1200-bbbbbb"), clock);
    left.regionTouched("us-west-2");
    left.regionTouched("eu-west-1");
    left.created(new Resource(ResourceKind.INSTANCE, "i-0abc", "us-west-2"));
    left.created(new Resource(ResourceKind.IMAGE, "ami-0copy", "eu-west-1"));

    String summary =
        BuildService.leftoverSummary(
            List.of(done, left), " --profile build-team --endpoint-url http://127.0.0.1:5000");

    assertEquals(
        String.join(
            "\n",
            "Build ab-20261203T1200-bbbbbb left:",
            "  " + new Resource(ResourceKind.INSTANCE, "i-0abc", "us-west-2"),
            "  " + new Resource(ResourceKind.IMAGE, "ami-0copy", "eu-west-1"),
            "Finish with: ami-builder cleanup --build-id ab-20261203T1200-bbbbbb --region us-west-2"
                + " --region eu-west-1 --profile build-team --endpoint-url http://127.0.0.1:5000"),
        summary);
    assertEquals("Nothing recorded as left over.", BuildService.leftoverSummary(List.of(done), ""));
  }

  private BuildRequest request(
      List<BuildSpec> specs, URI override, BuildRequest.ClientSource clients) {
    return request(
        specs.stream().map(s -> new BuildRequest.Entry(s, resolved -> s)).toList(),
        clients,
        override);
  }

  private BuildRequest request(
      List<BuildRequest.Entry> entries, BuildRequest.ClientSource clients, URI override) {
    BuildTuning tuning =
        new BuildTuning(null, BuildTuning.defaults().undoRetry(), URI.create(CLOSED));
    return new BuildRequest(
        entries,
        dir,
        OnError.CLEANUP,
        2,
        tuning,
        dir.resolve("journals"),
        override,
        clients,
        Clock.systemUTC(),
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
        130);
  }

  private static AwsClientFactory refusing(String region, URI endpoint) {
    AwsSettings settings =
        AwsSettings.of(region)
            .withEndpointOverride(endpoint)
            .withMaxAttempts(1)
            .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(5));
    return new AwsClientFactory(
        settings,
        ApiRateLimiter.ec2Defaults(),
        StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "secret")));
  }

  @Test
  void endpoint_isEachBuildsOwnCustomEndpoint_unlessTheCommandOverridesIt() throws IOException {
    BuildSpec a = spec("ami-a", "http://127.0.0.1:1001");
    BuildSpec b = spec("ami-b", "http://127.0.0.1:1002");
    BuildSpec none = spec("ami-c", "");
    BuildRequest plain = request(List.of(a, b), null, BuildServiceTest::refusing);
    assertEquals(URI.create("http://127.0.0.1:1001"), BuildService.endpoint(plain, a));
    assertEquals(URI.create("http://127.0.0.1:1002"), BuildService.endpoint(plain, b));
    assertNull(BuildService.endpoint(plain, none));

    BuildRequest overridden =
        request(List.of(a, b), URI.create("http://127.0.0.1:2000"), BuildServiceTest::refusing);
    assertEquals(URI.create("http://127.0.0.1:2000"), BuildService.endpoint(overridden, a));
    assertEquals(URI.create("http://127.0.0.1:2000"), BuildService.endpoint(overridden, b));
  }

  @Test
  void run_matrix_opensOneFactoryPerEndpoint_reportsEveryBuild_andSendsEachBuildsEventsInOrder()
      throws IOException {
    BuildSpec a = spec("matrix-a", CLOSED);
    BuildSpec b = spec("matrix-b", "http://127.0.0.1:2");
    List<URI> opened = Collections.synchronizedList(new ArrayList<>());
    List<BuildEvent> events = Collections.synchronizedList(new ArrayList<>());

    BuildReport report =
        new BuildService()
            .run(
                request(
                    List.of(a, b),
                    null,
                    (region, endpoint) -> {
                      opened.add(endpoint);
                      return refusing(region, endpoint);
                    }),
                events::add);

    assertEquals(List.of(URI.create(CLOSED), URI.create("http://127.0.0.1:2")), opened);
    assertTrue(report.matrix());
    assertEquals(
        List.of("[matrix-a] ", "[matrix-b] "),
        report.builds().stream().map(BuildResult::label).toList());
    for (BuildResult r : report.builds()) {
      assertTrue(r.outcome() instanceof Outcome.Failed, r.toString());
      assertEquals("preflight", ((Outcome.Failed) r.outcome()).step());
      assertTrue(r.cleanup().nothingLeft(), r.toString());
      assertTrue(r.failureLine().startsWith("step preflight failed: "), r.failureLine());
      assertTrue(Files.isRegularFile(r.journal()), "journal of " + r.buildId());
    }
    assertEquals(2, report.unsuccessful().size());
    // Planned events come first, for every build, before any build starts.
    assertTrue(
        events.get(0) instanceof BuildEvent.Planned && events.get(1) instanceof BuildEvent.Planned,
        events.toString());
    for (BuildResult r : report.builds()) {
      List<BuildEvent> own = events.stream().filter(e -> e.label().equals(r.label())).toList();
      assertTrue(own.get(1) instanceof BuildEvent.Started, own.toString());
      assertTrue(
          own.get(2) instanceof BuildEvent.StepStarted s && s.step().equals("preflight"),
          own.toString());
      assertTrue(
          own.get(own.size() - 1) instanceof BuildEvent.Finished f && f.result().equals(r),
          own.toString());
      assertFalse(
          own.stream().anyMatch(e -> e instanceof BuildEvent.ResourceCreated), own.toString());
    }
  }

  @Test
  void run_lone_buildHasNoLabel_andNamesItsCleanupCommand() throws IOException {
    BuildSpec lone = spec("lone", CLOSED);
    BuildReport report =
        new BuildService().run(request(List.of(lone), null, BuildServiceTest::refusing), e -> {});
    assertFalse(report.matrix());
    BuildResult r = report.builds().get(0);
    assertEquals("", r.label());
    assertEquals("failed", r.status());
    assertEquals(
        "ami-builder cleanup --build-id " + r.buildId() + " --region " + r.region(),
        r.cleanupCommand());
  }

  /**
   * The binary bucket cannot be looked up for one entry: in a matrix that entry alone fails (its
   * own message, its name as label, no journal) and the other still runs; a lone unnamed build
   * throws as before.
   */
  @Test
  void run_matrix_anEntryThatCannotBeResolved_failsAlone_theOthersRun() throws IOException {
    BuildSpec undated = spec("undated", CLOSED, "");
    BuildSpec dated = spec("dated", CLOSED);
    BuildRequest.ClientSource clients =
        (region, endpoint) -> {
          if (!"us-west-2".equals(region)) {
            throw new ConfigException("no bucket for you in '" + region + "'");
          }
          return refusing(region, endpoint);
        };
    List<BuildEvent> events = Collections.synchronizedList(new ArrayList<>());
    BuildReport report =
        new BuildService()
            .run(
                request(
                    List.of(
                        new BuildRequest.Entry("first", undated, r -> undated, false),
                        new BuildRequest.Entry("second", dated, r -> dated, false)),
                    clients,
                    null),
                events::add);

    assertEquals(
        List.of("[first] ", "[second] "),
        report.builds().stream().map(BuildResult::label).toList());
    BuildResult first = report.builds().get(0);
    assertEquals("failed", first.status());
    assertTrue(first.failureLine().startsWith("no bucket for you in '"), first.failureLine());
    assertTrue(((Outcome.Failed) first.outcome()).cause() instanceof ConfigException);
    assertNull(first.journal());
    BuildResult second = report.builds().get(1);
    assertEquals("preflight", ((Outcome.Failed) second.outcome()).step());
    assertTrue(Files.isRegularFile(second.journal()), "the other entry ran");
    // The failed entry is reported at once and never planned; the other is planned and started.
    assertTrue(events.get(0) instanceof BuildEvent.Finished f && f.result().equals(first));
    assertFalse(
        events.stream()
            .anyMatch(e -> e.label().equals("[first] ") && !(e instanceof BuildEvent.Finished)),
        events.toString());
    assertTrue(
        events.stream()
            .anyMatch(e -> e instanceof BuildEvent.Started s && s.label().equals("[second] ")));

    // Alone and unnamed, the same problem is thrown, as before matrices.
    assertThrows(
        ConfigException.class,
        () -> new BuildService().run(request(List.of(undated), null, clients), e -> {}));
    // Alone but named (k8s --matrix FILE --entry NAME), it is the entry's result.
    BuildReport named =
        new BuildService()
            .run(
                request(
                    List.of(new BuildRequest.Entry("only", undated, r -> undated, false)),
                    clients,
                    null),
                e -> {});
    assertEquals("[only] ", named.builds().get(0).label());
    assertEquals("failed", named.builds().get(0).status());
  }
}
