package dev.eksnode.amibuilder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {
  private static final AwsCredentials.Target TARGET =
      new AwsCredentials.Target("us-west-2", null, java.time.Clock.systemUTC());

  @TempDir Path root;
  TestHome home;

  @BeforeEach
  void setUp() {
    home = new TestHome(root);
  }

  @Test
  void help_listsCommandsAndExitCodes() {
    TestHome.Result r = home.run("--help");
    assertEquals(0, r.code());
    for (String s : new String[] {"k8s", "validate", "vars", "generate-completion", "130"}) {
      assertTrue(r.out().contains(s), s + " missing from help:\n" + r.out());
    }
  }

  @Test
  void topLevelHelp_andAMisspeltCommand_readAsWithTheWholeCommandTree() {
    // Main builds only the subcommand being run; the others are stand-ins. The help and the
    // error they give must be those of the whole tree.
    java.io.StringWriter full = new java.io.StringWriter();
    java.io.StringWriter none = new java.io.StringWriter();
    CliContext ctx =
        new CliContext(
            new java.io.PrintWriter(none),
            new java.io.PrintWriter(none),
            home.env,
            home.clock,
            home.work,
            home.home);
    picocli.CommandLine whole = Main.commandLine(ctx, 0);
    whole.usage(new java.io.PrintWriter(full, true));
    assertEquals(full.toString(), home.run("--help").out());
    assertEquals(full.toString(), home.run().out());
    assertTrue(whole.getSubcommands().get("k8s").getCommandSpec().findOption("--var-file") != null);

    TestHome.Result typo = home.run("valdate");
    assertEquals(2, typo.code());
    assertEquals(
        List.of("error: Unmatched argument at index 0: 'valdate'; see 'ami-builder --help'"),
        typo.errLines());
  }

  @Test
  void helpOrVersionAnywhereBeforeDoubleDash_isAskingForHelp_soNoSdkWarmUp() {
    assertTrue(Main.wantsHelp("k8s", "--help"));
    assertTrue(Main.wantsHelp("-h", "k8s"));
    assertTrue(Main.wantsHelp("k8s", "1.23", "-V"));
    assertFalse(Main.wantsHelp("k8s", "1.23", "ami_name=--help-not"));
    assertFalse(Main.wantsHelp("k8s", "--", "--help"));
    assertFalse(Main.wantsHelp("k8s", "--kubernetes-version", "1.23.9"));
  }

  @Test
  void theRunSubcommand_isBuiltInFull_theOthersAreStandIns() {
    assertEquals("validate", Main.subcommandOf("-v", "validate", "1.23"));
    assertEquals("", Main.subcommandOf("--help"));
    assertEquals("", Main.subcommandOf("--", "k8s"));
    // The completion script walks every subcommand's options.
    assertEquals(null, Main.subcommandOf("generate-completion"));
    assertTrue(home.run("generate-completion").out().contains("--var-file"));
  }

  @Test
  void everyCommand_hasHelp() {
    for (String cmd : new String[] {"k8s", "build", "validate", "vars"}) {
      TestHome.Result r = home.run(cmd, "--help");
      assertEquals(0, r.code(), cmd);
      assertTrue(r.out().contains("--var-file"), cmd + " help lacks the common options");
    }
  }

  @Test
  void version_printsTheToolName() {
    TestHome.Result r = home.run("--version");
    assertEquals(0, r.code());
    assertTrue(r.out().startsWith("ami-builder "), r.out());
  }

  @Test
  void completion_printsABashScript() {
    TestHome.Result r = home.run("generate-completion");
    assertEquals(0, r.code());
    assertTrue(r.out().contains("complete -F"), "not a bash completion script");
  }

  @Test
  void validate_withVersionOnly_succeedsWithoutNetworkOrCredentials() {
    TestHome.Result r = home.run("validate", "--kubernetes-version", "1.23.9");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("amazon-eks-node-1.23-v20261125101530"), r.out());
    assertTrue(r.out().contains("newest build date"), r.out());
    assertEquals("", r.err());
  }

  @Test
  void validate_json_emitsOneEvent() throws Exception {
    TestHome.Result r = home.run("validate", "1.25", "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode event = new ObjectMapper().readTree(r.out().strip());
    assertEquals("validated", event.get("event").asText());
    assertEquals("1.25.6", event.get("kubernetes_version").asText());
  }

  @Test
  void vars_showsValuesAndSources_andRedactsSecrets() {
    home.env.put("AWS_SECRET_ACCESS_KEY", "verysecretvalue");
    home.env.put("cache_container_images", "true");
    home.write("mine.json", "{\"aws_region\": \"eu-west-1\"}");
    TestHome.Result r =
        home.run(
            "vars",
            "--var-file",
            "mine.json",
            "--var",
            "forward_aws_credentials=true",
            "kubernetes_version=1.24.10");
    assertEquals(0, r.code(), r.err());
    assertFalse(r.out().contains("verysecretvalue"), "secret printed:\n" + r.out());
    assertTrue(r.out().matches("(?s).*aws_secret_access_key\\s+<redacted>.*"), r.out());
    assertTrue(
        r.out().matches("(?s).*aws_region\\s+eu-west-1\\s+\\S*mine.json:aws_region.*"), r.out());
    assertTrue(
        r.out()
            .matches(
                "(?s).*cache_container_images\\s+true\\s+environment variable cache_container_images.*"),
        r.out());
    assertTrue(
        r.out().matches("(?s).*kernel_version\\s+5.10\\s+derived: kernel for Kubernetes 1.24.*"),
        r.out());
    assertTrue(r.out().matches("(?s).*kubernetes_version\\s+1.24.10\\s+argument.*"), r.out());
  }

  @Test
  void vars_json_givesTheInputsFingerprint_exactOnlyWithASourceAmiId() throws Exception {
    ObjectMapper json = new ObjectMapper();
    JsonNode local = json.readTree(home.run("vars", "--json", "1.23").out().strip()).get("inputs");
    assertTrue(local.get("fingerprint").asText().matches("[0-9a-f]{64}"), local.toString());
    assertFalse(local.get("complete").asBoolean(), local.toString());
    assertTrue(local.get("parts").has("provisioners[2]"), local.toString());

    String[] pinned = {"vars", "--json", "1.23", "source_ami_id=ami-0123456789abcdef0"};
    JsonNode exact = json.readTree(home.run(pinned).out().strip()).get("inputs");
    assertTrue(exact.get("complete").asBoolean(), exact.toString());
    assertEquals("ami-0123456789abcdef0", exact.get("source_ami").asText());
    home.clock = java.time.Clock.offset(home.clock, java.time.Duration.ofHours(5));
    JsonNode later = json.readTree(home.run(pinned).out().strip()).get("inputs");
    assertEquals(exact.get("fingerprint"), later.get("fingerprint"), "the time suffix counted");
  }

  @Test
  void vars_json_isMachineReadable() throws Exception {
    TestHome.Result r = home.run("vars", "--json", "1.23");
    assertEquals(0, r.code(), r.err());
    JsonNode vars = new ObjectMapper().readTree(r.out().strip()).get("variables");
    boolean found = false;
    for (JsonNode v : vars) {
      if (v.get("name").asText().equals("kubernetes_version")) {
        assertEquals("1.23.16", v.get("value").asText());
        assertEquals("pinned", v.get("layer").asText());
        found = true;
      }
    }
    assertTrue(found);
  }

  @Test
  void unknownVariable_withoutStrict_isAWarningWithSuggestion() {
    TestHome.Result r =
        home.run("validate", "--kubernetes-version", "1.23.16", "--var", "instance_typ=m5.large");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("did you mean 'instance_type'?"), r.err());
  }

  @Test
  void validate_acceptsLaterUpstreamVarFiles_withYumGlobsAndAFullKernelRelease() {
    home.write(
        "later.json",
        "{\"containerd_version\": \"1.7.11-*\", \"runc_version\": \"1.*\","
            + " \"docker_version\": \"25.0.*\", \"kernel_version\": \"5.10.239-236.958\"}");
    TestHome.Result r =
        home.run("validate", "--kubernetes-version", "1.23.16", "--var-file", "later.json");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("m5.large"), r.out());
    assertEquals("", r.err());
  }

  @Test
  void userVarFile_overridesDerivedValues() {
    home.write(
        "mine.json",
        "{\"ami_name\": \"team-eks-{{timestamp}}\", \"instance_type\": \"c5.xlarge\"}");
    TestHome.Result r =
        home.run("validate", "--kubernetes-version", "1.25.6", "--var-file", "mine.json");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("team-eks-" + TestHome.NOW.getEpochSecond()), r.out());
    assertTrue(r.out().contains("c5.xlarge"), r.out());
  }

  @Test
  void templateCopiedAwayFromItsVariableFile_theEmptyFieldsErrorNamesTheFileLookedFor()
      throws IOException {
    Path templates = TestHome.projectDir().resolve("templates");
    Path copy =
        home.write(
            "elsewhere/eks-worker-al2.json",
            Files.readString(templates.resolve("eks-worker-al2.json")));
    TestHome.Result alone =
        home.run("validate", "--kubernetes-version", "1.23.9", "--template", copy.toString());
    assertEquals(2, alone.code(), alone.err());
    assertEquals(1, alone.errLines().size(), alone.err());
    assertTrue(
        alone
            .err()
            .contains(
                "builders[0].region is empty; set aws_region (the template's default variable file "
                    + copy.resolveSibling("eks-worker-al2-variables.json")
                    + " does not exist; pass the variables file with --var-file)"),
        alone.err());

    // With its variable file beside it, the region is set and no hint is given.
    home.write(
        "elsewhere/eks-worker-al2-variables.json",
        Files.readString(templates.resolve("eks-worker-al2-variables.json")));
    TestHome.Result paired =
        home.run("validate", "--kubernetes-version", "1.23.9", "--template", copy.toString());
    assertEquals(2, paired.code(), paired.err()); // its scripts are still back in the project
    assertFalse(paired.err().contains("is empty"), paired.err());
    assertFalse(paired.err().contains("default variable file"), paired.err());
  }

  @Test
  void validate_judgesTheTemplatesOwnBuilderFields() {
    home.write(
        "t.json", BadInputCorpusTest.builderTemplate("ok-name", ", \"ami_regions\": \"nowhere\""));
    TestHome.Result bad =
        home.run("validate", "--kubernetes-version", "1.23.9", "--template", "t.json");
    assertEquals(2, bad.code(), bad.err());
    assertEquals(1, bad.errLines().size(), bad.err());
    assertTrue(
        bad.errLines()
            .get(0)
            .matches("error: template \\S*t\\.json: builders\\[0]\\.ami_regions = 'nowhere': .*"),
        bad.err());
    home.write(
        "t.json",
        BadInputCorpusTest.builderTemplate("ok-name", ", \"ami_regions\": \"eu-west-1\""));
    TestHome.Result good =
        home.run("validate", "--kubernetes-version", "1.23.9", "--template", "t.json");
    assertEquals(0, good.code(), good.err());
  }

  @Test
  void optionAndVarWithTheSameValue_isNoConflict() {
    TestHome.Result r =
        home.run(
            "validate",
            "--kubernetes-version",
            "1.23.9",
            "--var",
            "kubernetes_version=1.23.9",
            "--region",
            "eu-west-1",
            "aws_region=eu-west-1");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("Kubernetes 1.23.9"), r.out());
    assertTrue(r.out().contains("in eu-west-1"), r.out());
  }

  @Test
  void optionAndVarWithDifferentValues_isOneLineNamingBoth() {
    TestHome.Result r =
        home.run(
            "validate", "--kubernetes-version", "1.22.1", "--var", "kubernetes_version=1.23.9");
    assertEquals(2, r.code(), r.err());
    assertEquals(
        List.of(
            "error: kubernetes_version is given twice with different values: --kubernetes-version '1.22.1'"
                + " and --var kubernetes_version='1.23.9'; keep only one of them"),
        r.errLines());
    assertEquals("", r.out());
  }

  /**
   * A loopback socket that counts who connects, standing in for AWS or the instance metadata
   * service.
   */
  static final class CountingSocket implements AutoCloseable {
    final ServerSocket socket;
    final AtomicInteger connections = new AtomicInteger();

    CountingSocket() throws IOException {
      socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread t =
          new Thread(
              () -> {
                while (!socket.isClosed()) {
                  try (Socket s = socket.accept()) {
                    connections.incrementAndGet();
                  } catch (IOException e) {
                    return;
                  }
                }
              });
      t.setDaemon(true);
      t.start();
    }

    String url() {
      return "http://127.0.0.1:" + socket.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  /** A loopback port nobody listens on: connections are refused at once. */
  static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /**
   * A machine with no AWS configuration at all: an empty HOME, no keys, no profile, and no instance
   * role.
   */
  private Path noCredentials(String imdsEndpoint, boolean imdsDisabled) throws IOException {
    Path emptyHome = Files.createDirectories(root.resolve("empty-home"));
    Path state = root.resolve("state");
    home.env.put("HOME", emptyHome.toString());
    home.env.put(CliContext.STATE_DIR_ENV, state.toString());
    home.env.put("AWS_EC2_METADATA_SERVICE_ENDPOINT", imdsEndpoint);
    if (imdsDisabled) {
      home.env.put("AWS_EC2_METADATA_DISABLED", "true");
    }
    return state;
  }

  @Test
  void readmeBuildCommand_withoutCredentials_failsInOneLineCreatingAndContactingNothing()
      throws IOException {
    try (CountingSocket aws = new CountingSocket();
        CountingSocket imds = new CountingSocket()) {
      Path state = noCredentials(imds.url(), true);
      TestHome.Result readme = home.run("k8s", "--kubernetes-version", "1.23.9");
      TestHome.Result emulator =
          home.run("k8s", "--kubernetes-version", "1.23.9", "--endpoint-url", aws.url());
      for (TestHome.Result r : List.of(readme, emulator)) {
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(
            r.errLines()
                .get(0)
                .startsWith("error: no AWS credentials found; set AWS_PROFILE or --profile"),
            r.err());
        assertFalse(r.out().contains("Build "), "a build started:\n" + r.out());
      }
      assertEquals(0, aws.connections.get(), "the AWS endpoint was contacted");
      assertEquals(
          0, imds.connections.get(), "the metadata service was asked although it is disabled");
      assertFalse(Files.exists(state), "a build journal was written");
    }
  }

  @Test
  void buildCommand_withoutCredentials_offEc2_stillFailsInOneLine() throws IOException {
    try (CountingSocket aws = new CountingSocket()) {
      Path state = noCredentials("http://127.0.0.1:" + closedPort(), false);
      TestHome.Result r =
          home.run("k8s", "--kubernetes-version", "1.23.9", "--endpoint-url", aws.url());
      assertEquals(2, r.code(), r.err());
      assertEquals(
          List.of(
              "error: no AWS credentials found; set AWS_PROFILE or --profile, "
                  + "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run on an instance with a role"),
          r.errLines());
      assertEquals(0, aws.connections.get(), "the AWS endpoint was contacted");
      assertFalse(Files.exists(state), "a build journal was written");
    }
  }

  @Test
  void profileFromTheCommandEnvironment_isReadFromItsHome_notTheJvms() throws IOException {
    noCredentials("http://127.0.0.1:" + closedPort(), true);
    Path aws = Files.createDirectories(Path.of(home.env.get("HOME"), ".aws"));
    Files.writeString(
        aws.resolve("credentials"),
        "[team]\naws_access_key_id = AKIDEXAMPLE\n" + "aws_secret_access_key = wJalrXUtnFEMI\n");
    assertEquals(
        "AKIDEXAMPLE",
        AwsCredentials.checked(Map.of("HOME", home.env.get("HOME")), "team", TARGET)
            .resolveCredentials()
            .accessKeyId());
    CommandFailedException e =
        assertThrows(
            CommandFailedException.class,
            () ->
                AwsCredentials.checked(
                    Map.of("HOME", home.env.get("HOME"), "AWS_EC2_METADATA_DISABLED", "true"),
                    null,
                    TARGET));
    assertEquals(ExitCodes.USAGE, e.exitCode());
  }

  @Test
  void unreachableEndpoint_duringPreflight_isExitOneNotTwo() throws IOException {
    // Without install-worker.sh the binary bucket is not checked: the preflight step is the first
    // to call AWS.
    home.withoutProvisioners();
    home.env.put("AWS_ACCESS_KEY_ID", "testing");
    home.env.put("AWS_SECRET_ACCESS_KEY", "testing");
    home.env.put(CliContext.STATE_DIR_ENV, root.resolve("state").toString());
    TestHome.Result r =
        home.run(
            "k8s",
            "--kubernetes-version",
            "1.23.9",
            "--kubernetes-build-date",
            "2023-01-30",
            "--endpoint-url",
            "http://127.0.0.1:" + closedPort());
    assertEquals(1, r.code(), r.err());
    List<String> errors = r.errLines().stream().filter(l -> l.startsWith("error: ")).toList();
    assertEquals(1, errors.size(), r.err());
    assertTrue(errors.get(0).contains("preflight"), errors.get(0));
  }

  @Test
  void unreachableEndpoint_duringTheBinaryBucketCheck_isExitOneNotTwo() throws IOException {
    // The shipped template runs install-worker.sh: its binaries are looked up before any build.
    home.env.put("AWS_ACCESS_KEY_ID", "testing");
    home.env.put("AWS_SECRET_ACCESS_KEY", "testing");
    home.env.put(CliContext.STATE_DIR_ENV, root.resolve("state").toString());
    int port = closedPort();
    TestHome.Result r =
        home.run(
            "k8s",
            "--kubernetes-version",
            "1.23.9",
            "--kubernetes-build-date",
            "2023-01-30",
            "--endpoint-url",
            "http://127.0.0.1:" + port);
    assertEquals(1, r.code(), r.err());
    List<String> errors = r.errLines().stream().filter(l -> l.startsWith("error: ")).toList();
    assertEquals(
        List.of(
            "error: cannot reach http://127.0.0.1:"
                + port
                + ": Connection refused; check the network, --region and --endpoint-url"),
        errors);
    assertFalse(
        (r.out() + r.err()).contains("==> preflight"), "no build started: " + r.out() + r.err());
  }
}
