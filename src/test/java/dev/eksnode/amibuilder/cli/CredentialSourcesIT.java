package dev.eksnode.amibuilder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.aws.AwsClientFactory;
import dev.eksnode.amibuilder.rig.FaultProxy;
import dev.eksnode.amibuilder.rig.MotoExtension;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each credential source the AWS CLI accepts, used by a real command ({@code max-pods}, one EC2
 * call) against moto through the fault proxy, which records which access key signed each call. STS
 * is moto's, reached at the command's {@code --endpoint-url}; the SSO portal, which moto lacks, is
 * answered by the proxy.
 */
class CredentialSourcesIT {
  @RegisterExtension static final MotoExtension MOTO = new MotoExtension();
  static final String REGION = "us-west-2";
  static final String ROLE = "arn:aws:iam::123456789012:role/image-builder";

  @TempDir Path root;
  TestHome home;
  Path aws;
  FaultProxy proxy;

  @BeforeEach
  void setUp() throws IOException {
    home = new TestHome(root);
    Path userHome = Files.createDirectories(root.resolve("user"));
    aws = Files.createDirectories(userHome.resolve(".aws"));
    home.env.put("HOME", userHome.toString());
    home.env.put("AWS_EC2_METADATA_DISABLED", "true");
    proxy = FaultProxy.start(MOTO.endpoint());
  }

  @AfterEach
  void tearDown() {
    proxy.close();
  }

  private TestHome.Result maxPods(String... extra) {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "max-pods",
                "--instance-type",
                "m5.large",
                "--cni-version",
                "1.10.0",
                "--region",
                REGION,
                "--endpoint-url",
                proxy.endpoint().toString()));
    args.addAll(List.of(extra));
    return home.run(args.toArray(String[]::new));
  }

  private void assertWorked(TestHome.Result r) {
    assertEquals(0, r.code(), r.err());
    assertEquals("29", r.out().strip(), r.err());
  }

  /** The access key that signed the command's own EC2 call. */
  private String ec2Signer() {
    List<FaultProxy.Request> calls = proxy.requests("DescribeInstanceTypes");
    assertEquals(1, calls.size(), proxy.calls().toString());
    return calls.get(0).accessKeyId();
  }

  /** The caller identity moto sees for a profile, asked through the command's client factory. */
  private String identity(String profile) {
    AwsOptions options = new AwsOptions();
    options.profile = profile;
    options.endpointUrl = MOTO.endpoint().toString();
    CliContext ctx =
        new CliContext(
            new PrintWriter(new StringWriter()),
            new PrintWriter(new StringWriter()),
            home.env,
            home.clock,
            home.work,
            home.home);
    try (AwsClientFactory clients = options.clients(ctx, REGION)) {
      return clients.sts(REGION).getCallerIdentity().arn();
    }
  }

  private void write(String name, String text) throws IOException {
    Files.writeString(aws.resolve(name), text);
  }

  @Test
  void assumeRoleProfile_withStaticSourceKeys_callsStsAtTheEndpoint_andUsesTheRole()
      throws IOException {
    write(
        "config",
        """
        [profile builder]
        role_arn = %s
        source_profile = base
        role_session_name = ami-build
        external_id = ext-42
        duration_seconds = 1800
        """
            .formatted(ROLE));
    write(
        "credentials", "[base]\naws_access_key_id = AKIDBASE00000001\naws_secret_access_key = s\n");

    assertWorked(maxPods("--profile", "builder"));

    List<FaultProxy.Request> assume = proxy.requests("AssumeRole");
    assertEquals(1, assume.size(), proxy.calls().toString());
    FaultProxy.Request call = assume.get(0);
    assertEquals("AKIDBASE00000001", call.accessKeyId(), "signed with the source profile's key");
    assertEquals(REGION, call.region(), "the regional STS of the command");
    assertEquals(ROLE, call.param("RoleArn"));
    assertEquals("ami-build", call.param("RoleSessionName"));
    assertEquals("ext-42", call.param("ExternalId"));
    assertEquals("1800", call.param("DurationSeconds"));
    assertTrue(ec2Signer().startsWith("ASIA"), "EC2 signed with the role's temporary key");
    assertNotEquals("AKIDBASE00000001", ec2Signer());
    assertEquals(
        "arn:aws:sts::123456789012:assumed-role/image-builder/ami-build", identity("builder"));
  }

  @Test
  void chainedSourceProfiles_assumeEachRoleInTurn() throws IOException {
    write(
        "config",
        """
        [profile deploy]
        role_arn = arn:aws:iam::123456789012:role/deploy
        source_profile = hub
        role_session_name = outer
        [profile hub]
        role_arn = arn:aws:iam::123456789012:role/hub
        source_profile = base
        role_session_name = inner
        """);
    write(
        "credentials", "[base]\naws_access_key_id = AKIDBASE00000002\naws_secret_access_key = s\n");

    assertWorked(maxPods("--profile", "deploy"));

    List<FaultProxy.Request> assume = proxy.requests("AssumeRole");
    assertEquals(2, assume.size(), proxy.calls().toString());
    assertEquals("arn:aws:iam::123456789012:role/hub", assume.get(0).param("RoleArn"));
    assertEquals("AKIDBASE00000002", assume.get(0).accessKeyId());
    assertEquals("arn:aws:iam::123456789012:role/deploy", assume.get(1).param("RoleArn"));
    assertTrue(assume.get(1).accessKeyId().startsWith("ASIA"), "signed by the hub role");
    Set<String> keys =
        Set.of(assume.get(0).accessKeyId(), assume.get(1).accessKeyId(), ec2Signer());
    assertEquals(3, keys.size(), "each hop signs with the key the previous one got: " + keys);
    assertEquals("arn:aws:sts::123456789012:assumed-role/deploy/outer", identity("deploy"));
  }

  @Test
  void credentialSourceEnvironment_assumesTheRoleWithTheEnvironmentKeys() throws IOException {
    write(
        "config", "[profile ci]\nrole_arn = %s\ncredential_source = Environment\n".formatted(ROLE));
    home.env.put("AWS_ACCESS_KEY_ID", "AKIDENVIRONMENT1");
    home.env.put("AWS_SECRET_ACCESS_KEY", "s");

    assertWorked(maxPods("--profile", "ci"));

    List<FaultProxy.Request> assume = proxy.requests("AssumeRole");
    assertEquals(1, assume.size(), proxy.calls().toString());
    assertEquals("AKIDENVIRONMENT1", assume.get(0).accessKeyId());
    assertTrue(assume.get(0).param("RoleSessionName").startsWith("ami-builder-"));
    assertTrue(ec2Signer().startsWith("ASIA"));
  }

  @Test
  void webIdentityFromTheEnvironment_callsAssumeRoleWithWebIdentityAtTheEndpoint()
      throws IOException {
    Path token = root.resolve("token");
    Files.writeString(token, "eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl\n");
    home.env.put("AWS_WEB_IDENTITY_TOKEN_FILE", token.toString());
    home.env.put("AWS_ROLE_ARN", ROLE);
    home.env.put("AWS_ROLE_SESSION_NAME", "gha-run");

    assertWorked(maxPods());

    List<FaultProxy.Request> calls = proxy.requests("AssumeRoleWithWebIdentity");
    assertEquals(1, calls.size(), proxy.calls().toString());
    FaultProxy.Request call = calls.get(0);
    assertEquals(ROLE, call.param("RoleArn"));
    assertEquals("gha-run", call.param("RoleSessionName"));
    assertEquals("eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl", call.param("WebIdentityToken"));
    assertEquals("", call.accessKeyId(), "the web identity call is not signed");
    assertTrue(ec2Signer().startsWith("ASIA"), ec2Signer());
    assertEquals("arn:aws:sts::123456789012:assumed-role/image-builder/gha-run", identity(null));
  }

  @Test
  void webIdentityTokenFileInAProfile_isUsedForThatProfile() throws IOException {
    Path token = root.resolve("token");
    Files.writeString(token, "profile-token");
    write(
        "config",
        "[profile irsa]\nrole_arn = %s\nweb_identity_token_file = %s\n".formatted(ROLE, token));

    assertWorked(maxPods("--profile", "irsa"));

    List<FaultProxy.Request> calls = proxy.requests("AssumeRoleWithWebIdentity");
    assertEquals(1, calls.size(), proxy.calls().toString());
    assertEquals("profile-token", calls.get(0).param("WebIdentityToken"));
    assertEquals(0, proxy.count("AssumeRole"));
  }

  private Path script(String name, String body) throws IOException {
    Path script = root.resolve(name);
    Files.writeString(script, "#!/bin/sh\n" + body);
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    return script;
  }

  @Test
  void credentialProcess_runsTheScript_andItsKeysSignTheCalls() throws IOException {
    Path ran = root.resolve("ran");
    Path script =
        script(
            "creds.sh",
            "echo run >> '"
                + ran
                + "'\n"
                + "echo '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROCESS00001\","
                + " \"SecretAccessKey\": \"process-secret\"}'\n");
    write("config", "[profile sso-less]\ncredential_process = " + script + "\n");

    assertWorked(maxPods("--profile", "sso-less"));

    assertEquals("AKIDPROCESS00001", ec2Signer());
    assertEquals(List.of("run"), Files.readAllLines(ran));
  }

  @Test
  void credentialProcess_thatFails_isOneExitTwoLineWithItsMessage() throws IOException {
    Path script = script("fail.sh", "echo 'not logged in to the vault' >&2\nexit 3\n");
    write("config", "[profile vault]\ncredential_process = " + script + "\n");

    TestHome.Result r = maxPods("--profile", "vault");

    assertEquals(2, r.code(), r.err());
    assertEquals(1, r.errLines().size(), r.err());
    assertTrue(
        r.errLines()
            .get(0)
            .startsWith(
                "error: credential_process of profile 'vault' failed: Command returned non-zero"
                    + " exit value (3)"),
        r.err());
    assertTrue(r.err().contains("not logged in to the vault"), r.err());
    assertEquals(List.of(), proxy.calls());
  }

  @Test
  void assumeRole_refusedBySts_isOneExitTwoLineNamingTheProfile() throws IOException {
    write("config", "[profile builder]\nrole_arn = %s\nsource_profile = base\n".formatted(ROLE));
    write(
        "credentials", "[base]\naws_access_key_id = AKIDBASE00000003\naws_secret_access_key = s\n");
    proxy.on("AssumeRole").always().fail(403, "AccessDenied", "not authorized to assume the role");

    TestHome.Result r = maxPods("--profile", "builder");

    assertEquals(2, r.code(), r.err());
    assertEquals(
        List.of(
            "error: profile 'builder' (AssumeRole "
                + ROLE
                + ") failed: AccessDenied: not authorized to assume the role; check the profile"
                + " and its permissions"),
        r.errLines());
    assertEquals(0, proxy.count("DescribeInstanceTypes"));
  }

  private static final String SSO_CONFIG =
      """
      [profile dev]
      sso_session = corp
      sso_account_id = 111122223333
      sso_role_name = ImageBuilder
      [sso-session corp]
      sso_start_url = https://corp.awsapps.com/start
      sso_region = us-east-1
      """;

  @Test
  void ssoProfile_withoutLogin_isOneExitTwoLine_beforeAnyAwsCall() throws IOException {
    write("config", SSO_CONFIG);

    TestHome.Result r = maxPods("--profile", "dev");

    assertEquals(2, r.code(), r.err());
    assertEquals(
        List.of(
            "error: profile 'dev' uses SSO but there is no cached SSO token ("
                + AwsCredentials.ssoTokenCache(home.env, "corp")
                + "); run 'aws sso login --profile dev' first"),
        r.errLines());
    assertEquals(List.of(), proxy.calls());
  }

  @Test
  void ssoProfile_withCachedToken_getsRoleCredentialsFromThePortal() throws IOException {
    write("config", SSO_CONFIG);
    Path cache = AwsCredentials.ssoTokenCache(home.env, "corp");
    Files.createDirectories(cache.getParent());
    Files.writeString(
        cache,
        "{\"startUrl\": \"https://corp.awsapps.com/start\", \"region\": \"us-east-1\","
            + " \"accessToken\": \"sso-access-token\", \"expiresAt\": \"2099-01-01T00:00:00Z\"}");
    long expiry = Instant.now().plusSeconds(3600).toEpochMilli();
    proxy
        .on("GET /federation/credentials")
        .always()
        .respond(
            200,
            "application/json",
            "{\"roleCredentials\": {\"accessKeyId\": \"ASIASSOROLE00001\","
                + " \"secretAccessKey\": \"sso-secret\", \"sessionToken\": \"sso-session\","
                + " \"expiration\": "
                + expiry
                + "}}");

    assertWorked(maxPods("--profile", "dev"));

    assertEquals(1, proxy.count("GET /federation/credentials"), proxy.calls().toString());
    assertEquals("ASIASSOROLE00001", ec2Signer());
  }

  @Test
  void ssoProfile_whoseTokenThePortalRefuses_isOneExitTwoLineAskingForLogin() throws IOException {
    write("config", SSO_CONFIG);
    Path cache = AwsCredentials.ssoTokenCache(home.env, "corp");
    Files.createDirectories(cache.getParent());
    Files.writeString(
        cache, "{\"accessToken\": \"revoked\", \"expiresAt\": \"2099-01-01T00:00:00Z\"}");
    proxy
        .on("GET /federation/credentials")
        .always()
        .fail(401, "UnauthorizedException", "Session token not found or invalid");

    TestHome.Result r = maxPods("--profile", "dev");

    assertEquals(2, r.code(), r.err());
    assertEquals(
        List.of(
            "error: SSO profile 'dev' (account 111122223333, role ImageBuilder) failed:"
                + " UnauthorizedException: Session token not found or invalid;"
                + " run 'aws sso login --profile dev' first, or check the account and role"),
        r.errLines());
    assertEquals(0, proxy.count("DescribeInstanceTypes"));
  }

  @Test
  void ssoSessionToken_expired_isRenewedWithItsRefreshToken_andWrittenBack() throws IOException {
    write("config", SSO_CONFIG);
    Path cache = AwsCredentials.ssoTokenCache(home.env, "corp");
    Files.createDirectories(cache.getParent());
    // Expired ten minutes before the command's clock; the client registration is still valid.
    Files.writeString(
        cache,
        "{\"startUrl\": \"https://corp.awsapps.com/start\", \"region\": \"us-east-1\","
            + " \"accessToken\": \"stale-access-token\", \"expiresAt\": \"2026-11-25T10:05:30Z\","
            + " \"refreshToken\": \"refresh-1\", \"clientId\": \"client-1\","
            + " \"clientSecret\": \"client-secret-1\","
            + " \"registrationExpiresAt\": \"2027-02-01T00:00:00Z\"}");
    proxy
        .on("POST /token")
        .always()
        .respond(
            200,
            "application/json",
            "{\"accessToken\": \"renewed-access-token\", \"tokenType\": \"Bearer\","
                + " \"expiresIn\": 3600, \"refreshToken\": \"refresh-2\"}");
    proxy
        .on("GET /federation/credentials")
        .always()
        .respond(
            200,
            "application/json",
            "{\"roleCredentials\": {\"accessKeyId\": \"ASIASSOROLE00002\","
                + " \"secretAccessKey\": \"sso-secret\", \"sessionToken\": \"sso-session\","
                + " \"expiration\": "
                + Instant.now().plusSeconds(3600).toEpochMilli()
                + "}}");

    assertWorked(maxPods("--profile", "dev"));

    assertEquals(1, proxy.count("POST /token"), proxy.calls().toString());
    assertEquals("ASIASSOROLE00002", ec2Signer());
    var cached = new com.fasterxml.jackson.databind.ObjectMapper().readTree(cache.toFile());
    assertEquals("renewed-access-token", cached.path("accessToken").asText());
    assertEquals("2026-11-25T11:15:30Z", cached.path("expiresAt").asText());
    assertEquals("refresh-2", cached.path("refreshToken").asText());
    assertEquals("client-1", cached.path("clientId").asText(), "the registration is kept");
  }

  @Test
  void ssoSessionToken_expired_whoseRenewalIsRefused_asksForLogin() throws IOException {
    write("config", SSO_CONFIG);
    Path cache = AwsCredentials.ssoTokenCache(home.env, "corp");
    Files.createDirectories(cache.getParent());
    Files.writeString(
        cache,
        "{\"accessToken\": \"stale\", \"expiresAt\": \"2026-11-25T10:05:30Z\","
            + " \"refreshToken\": \"revoked\", \"clientId\": \"c\", \"clientSecret\": \"s\","
            + " \"registrationExpiresAt\": \"2027-02-01T00:00:00Z\"}");
    proxy.on("POST /token").always().fail(400, "InvalidGrantException", "refresh token revoked");

    TestHome.Result r = maxPods("--profile", "dev");

    assertEquals(2, r.code(), r.err());
    assertEquals(
        List.of(
            "error: profile 'dev': the cached SSO token expired at 2026-11-25T10:05:30Z;"
                + " run 'aws sso login --profile dev' first"),
        r.errLines());
    assertEquals(0, proxy.count("DescribeInstanceTypes"));
    assertEquals(0, proxy.count("GET /federation/credentials"));
  }

  private static final String IMDS_ROLE_PATH = "/latest/meta-data/iam/security-credentials/";

  /** The metadata service's answers for an instance whose role hands out {@code key}. */
  private void instanceRole(String key) {
    proxy.on("PUT /latest/api/token").always().respond(200, "text/plain", "imds-session-token");
    proxy.on("GET " + IMDS_ROLE_PATH).always().respond(200, "text/plain", "builder-role");
    proxy
        .on("GET " + IMDS_ROLE_PATH + "builder-role")
        .always()
        .respond(
            200,
            "text/plain",
            "{\"Code\": \"Success\", \"Type\": \"AWS-HMAC\", \"AccessKeyId\": \""
                + key
                + "\", \"SecretAccessKey\": \"imds-secret\", \"Token\": \"imds-token\","
                + " \"Expiration\": \""
                + Instant.now().plusSeconds(3600).truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                + "\"}");
    home.env.remove("AWS_EC2_METADATA_DISABLED");
    home.env.put("AWS_EC2_METADATA_SERVICE_ENDPOINT", proxy.endpoint().toString());
  }

  @Test
  void instanceRole_isTheLastSource_andCanBeARolesSource() throws IOException {
    instanceRole("ASIAINSTANCE0001");

    assertWorked(maxPods());
    assertEquals("ASIAINSTANCE0001", ec2Signer());

    proxy.clear();
    instanceRole("ASIAINSTANCE0001");
    write(
        "config",
        "[profile from-instance]\nrole_arn = %s\ncredential_source = Ec2InstanceMetadata\n"
            .formatted(ROLE));
    assertWorked(maxPods("--profile", "from-instance"));
    List<FaultProxy.Request> assume = proxy.requests("AssumeRole");
    assertEquals(1, assume.size(), proxy.calls().toString());
    assertEquals("ASIAINSTANCE0001", assume.get(0).accessKeyId());
    assertTrue(ec2Signer().startsWith("ASIA") && !ec2Signer().equals("ASIAINSTANCE0001"));
  }

  /**
   * The container source, in a child process: the SDK reads the endpoint and its token from the
   * process environment, so the variables must really be set.
   */
  @Test
  void containerRole_signsTheCalls_directlyOrAsARolesSource() throws Exception {
    containerEndpoint();
    write(
        "config",
        "[profile from-task]\nrole_arn = %s\ncredential_source = EcsContainer\n".formatted(ROLE));

    assertEquals(0, child(), childOutput());
    assertEquals("29", Files.readString(root.resolve("child.out")).strip());
    assertEquals("ASIACONTAINER001", ec2Signer());

    proxy.clear();
    containerEndpoint();
    assertEquals(0, child("--profile", "from-task"), childOutput());
    List<FaultProxy.Request> assume = proxy.requests("AssumeRole");
    assertEquals(1, assume.size(), proxy.calls().toString());
    assertEquals("ASIACONTAINER001", assume.get(0).accessKeyId());
    assertTrue(ec2Signer().startsWith("ASIA") && !ec2Signer().equals("ASIACONTAINER001"));
  }

  /** The container credentials endpoint (ECS agent, CodeBuild, EKS Pod Identity) on the proxy. */
  private void containerEndpoint() {
    proxy
        .on("GET /v1/credentials")
        .always()
        .respond(
            200,
            "application/json",
            "{\"AccessKeyId\": \"ASIACONTAINER001\", \"SecretAccessKey\": \"container-secret\","
                + " \"Token\": \"container-token\", \"Expiration\": \""
                + Instant.now().plusSeconds(3600).truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                + "\"}");
  }

  private int child(String... extra) throws Exception {
    String jar = System.getProperty("amibuilder.jar");
    assertTrue(
        jar != null && Files.isRegularFile(Path.of(jar)), "amibuilder.jar not built: " + jar);
    List<String> cmd =
        new java.util.ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                jar,
                "max-pods",
                "--instance-type",
                "m5.large",
                "--cni-version",
                "1.10.0",
                "--region",
                REGION,
                "--endpoint-url",
                proxy.endpoint().toString()));
    cmd.addAll(List.of(extra));
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .directory(home.work.toFile())
            .redirectOutput(root.resolve("child.out").toFile())
            .redirectError(root.resolve("child.err").toFile());
    pb.environment().clear();
    pb.environment().putAll(home.env);
    pb.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
    pb.environment().put("AMI_BUILDER_HOME", home.home.toString());
    pb.environment()
        .put("AWS_CONTAINER_CREDENTIALS_FULL_URI", proxy.endpoint() + "/v1/credentials");
    pb.environment().put("AWS_CONTAINER_AUTHORIZATION_TOKEN", "task-auth-token");
    Process p = pb.start();
    assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "max-pods did not finish");
    return p.exitValue();
  }

  private String childOutput() throws IOException {
    return Files.readString(root.resolve("child.out"))
        + Files.readString(root.resolve("child.err"));
  }
}
