package dev.eksnode.amibuilder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

/**
 * How a profile is turned into a credential source, without calling AWS: the files read from the
 * command's HOME, the SSO token cache, and each configuration mistake as one line.
 */
class AwsCredentialsTest {
  private static final Instant NOW = Instant.parse("2026-11-25T10:15:30Z");
  private static final AwsCredentials.Target TARGET =
      new AwsCredentials.Target("us-west-2", null, Clock.fixed(NOW, ZoneOffset.UTC));

  @TempDir Path root;
  Path home;
  final Map<String, String> env = new HashMap<>();

  @BeforeEach
  void setUp() throws IOException {
    home = Files.createDirectories(root.resolve("home"));
    Files.createDirectories(home.resolve(".aws"));
    env.put("HOME", home.toString());
    env.put("AWS_EC2_METADATA_DISABLED", "true");
  }

  private void config(String text) throws IOException {
    Files.writeString(home.resolve(".aws/config"), text);
  }

  private void credentials(String text) throws IOException {
    Files.writeString(home.resolve(".aws/credentials"), text);
  }

  private String failure(String profile) {
    ConfigException e =
        assertThrows(ConfigException.class, () -> AwsCredentials.provider(env, profile, TARGET));
    assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    return e.getMessage();
  }

  @Test
  void ssoTokenCache_isTheSha1OfTheSessionNameOrStartUrl_underTheMapsHome() {
    assertEquals(
        home.resolve(".aws/sso/cache/0ad374308c5a4e22f723adf10145eafad7c4031c.json"),
        AwsCredentials.ssoTokenCache(env, "my-sso"));
    assertEquals(
        home.resolve(".aws/sso/cache/c7aaaf71fcc8777ae2475525ed049d39fe16c484.json"),
        AwsCredentials.ssoTokenCache(env, "https://my-sso-portal.awsapps.com/start"));
  }

  @Test
  void ssoSessionProfile_withoutCachedToken_isOneLineAskingForLogin() throws IOException {
    config(
        """
        [profile dev]
        sso_session = my-sso
        sso_account_id = 111122223333
        sso_role_name = Builder
        region = us-west-2

        [sso-session my-sso]
        sso_start_url = https://my-sso-portal.awsapps.com/start
        sso_region = us-east-1
        """);
    String message = failure("dev");
    assertTrue(message.endsWith("; run 'aws sso login --profile dev' first"), message);
    assertTrue(
        message.contains("0ad374308c5a4e22f723adf10145eafad7c4031c.json"),
        "names the cache file: " + message);
  }

  @Test
  void legacySsoProfile_withExpiredToken_isOneLineAskingForLogin() throws IOException {
    config(
        """
        [profile old]
        sso_start_url = https://my-sso-portal.awsapps.com/start
        sso_region = us-east-1
        sso_account_id = 111122223333
        sso_role_name = Builder
        """);
    Path cache = AwsCredentials.ssoTokenCache(env, "https://my-sso-portal.awsapps.com/start");
    Files.createDirectories(cache.getParent());
    Files.writeString(
        cache,
        "{\"accessToken\": \"sso-secret-token\", \"expiresAt\": \"2026-11-25T10:00:00UTC\"}");
    assertEquals(
        "profile 'old': the cached SSO token expired at 2026-11-25T10:00:00Z;"
            + " run 'aws sso login --profile old' first",
        failure("old"));
  }

  @Test
  void ssoToken_valid_isReadWithItsExpiry_andNeverPrinted() throws IOException {
    Path cache = root.resolve("token.json");
    Files.writeString(
        cache,
        "{\"startUrl\": \"https://x\", \"region\": \"us-east-1\","
            + " \"accessToken\": \"sso-secret-token\", \"expiresAt\": \"2026-11-25T18:00:00Z\"}");
    AwsCredentials.SsoToken token =
        AwsCredentials.SsoToken.read(cache, "dev", Clock.fixed(NOW, ZoneOffset.UTC), null);
    assertEquals("sso-secret-token", token.accessToken());
    assertEquals(Instant.parse("2026-11-25T18:00:00Z"), token.expiresAt());
    assertFalse(token.toString().contains("sso-secret-token"), token.toString());
  }

  @Test
  void ssoToken_nearItsEnd_isRenewedAndWrittenBack_asTheCliDoes() throws IOException {
    Path cache = root.resolve("token.json");
    Files.writeString(
        cache,
        "{\"accessToken\": \"old-token\", \"expiresAt\": \"2026-11-25T10:20:00Z\","
            + " \"refreshToken\": \"r1\", \"clientId\": \"c\", \"clientSecret\": \"s\"}");
    List<Instant> asked = new ArrayList<>();
    AwsCredentials.SsoToken token =
        AwsCredentials.SsoToken.read(
            cache,
            "dev",
            Clock.fixed(NOW, ZoneOffset.UTC),
            (cached, now) -> {
              asked.add(now);
              assertEquals("r1", cached.path("refreshToken").asText());
              return cached
                  .deepCopy()
                  .put("accessToken", "new-token")
                  .put("expiresAt", "2026-11-25T11:15:30Z")
                  .put("refreshToken", "r2");
            });
    assertEquals(List.of(NOW), asked, "expires within 15 minutes: renewed");
    assertEquals("new-token", token.accessToken());
    String written = Files.readString(cache);
    assertTrue(written.contains("\"new-token\"") && written.contains("\"r2\""), written);
    assertTrue(written.contains("\"clientSecret\":\"s\""), "other fields kept: " + written);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(cache)));
    try (var files = Files.list(root)) {
      assertEquals(
          List.of(),
          files.filter(f -> f.getFileName().toString().endsWith(".tmp")).toList(),
          "no temporary file left beside the cache");
    }
  }

  @Test
  void ssoToken_farFromItsEnd_isNotRenewed_andAnExpiredOneThatCannotBe_asksForLogin()
      throws IOException {
    Path cache = root.resolve("token.json");
    Files.writeString(cache, "{\"accessToken\": \"t\", \"expiresAt\": \"2026-11-25T12:00:00Z\"}");
    AwsCredentials.SsoToken.read(
        cache,
        "dev",
        Clock.fixed(NOW, ZoneOffset.UTC),
        (cached, now) -> {
          throw new AssertionError("renewed a token valid for another hour and a half");
        });
    Files.writeString(cache, "{\"accessToken\": \"t\", \"expiresAt\": \"2026-11-25T09:00:00Z\"}");
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                AwsCredentials.SsoToken.read(
                    cache, "dev", Clock.fixed(NOW, ZoneOffset.UTC), (cached, now) -> null));
    assertEquals(
        "profile 'dev': the cached SSO token expired at 2026-11-25T09:00:00Z;"
            + " run 'aws sso login --profile dev' first",
        e.getMessage());
  }

  @Test
  void ssoProfile_missingRoleName_namesTheField() throws IOException {
    config(
        """
        [profile dev]
        sso_session = my-sso
        sso_account_id = 111122223333

        [sso-session my-sso]
        sso_start_url = https://my-sso-portal.awsapps.com/start
        sso_region = us-east-1
        """);
    assertEquals(
        "profile 'dev' has no sso_role_name; add it (see 'aws configure sso')", failure("dev"));
  }

  @Test
  void ssoProfile_unknownSession_saysWhichSectionIsMissing() throws IOException {
    config("[profile dev]\nsso_session = nope\nsso_account_id = 1\nsso_role_name = R\n");
    assertEquals(
        "profile 'dev' has sso_session = 'nope' but the config file has no [sso-session nope]"
            + " section; add it or fix the name",
        failure("dev"));
  }

  @Test
  void missingProfile_suggestsTheClosestName() throws IOException {
    config("[profile builder]\nregion = us-west-2\n[profile staging]\nregion = eu-west-1\n");
    String message = failure("bulider");
    assertTrue(
        message.startsWith(
            "profile 'bulider' (from --profile) is not in the AWS config or credentials file ("),
        message);
    assertTrue(message.endsWith("; did you mean 'builder'?"), message);
  }

  @Test
  void missingProfile_fromAwsProfile_listsTheProfilesWhenNoneIsClose() throws IOException {
    config("[profile builder]\nregion = us-west-2\n");
    env.put("AWS_PROFILE", "production");
    String message = failure(null);
    assertTrue(message.startsWith("profile 'production' (from AWS_PROFILE) "), message);
    assertTrue(message.endsWith("; the profiles are: builder"), message);
  }

  @Test
  void sourceProfileLoop_isOneLineNamingTheChain() throws IOException {
    config(
        """
        [profile a]
        role_arn = arn:aws:iam::123456789012:role/a
        source_profile = b
        [profile b]
        role_arn = arn:aws:iam::123456789012:role/b
        source_profile = c
        [profile c]
        role_arn = arn:aws:iam::123456789012:role/c
        source_profile = a
        """);
    assertEquals(
        "profile 'a': the source_profile chain a -> b -> c -> a is a loop; end it with a profile"
            + " that has keys, SSO or a credential_source",
        failure("a"));
  }

  @Test
  void roleProfile_configurationMistakes_areOneLineEach() throws IOException {
    config(
        """
        [profile both]
        role_arn = arn:aws:iam::123456789012:role/x
        source_profile = base
        credential_source = Environment
        [profile neither]
        role_arn = arn:aws:iam::123456789012:role/x
        [profile typo]
        role_arn = arn:aws:iam::123456789012:role/x
        source_profile = bsae
        [profile badsource]
        role_arn = arn:aws:iam::123456789012:role/x
        credential_source = Ec2Metadata
        [profile env]
        role_arn = arn:aws:iam::123456789012:role/x
        credential_source = Environment
        [profile long]
        role_arn = arn:aws:iam::123456789012:role/x
        source_profile = base
        duration_seconds = 1h
        [profile empty]
        role_arn = arn:aws:iam::123456789012:role/x
        source_profile = nothing
        [profile nothing]
        region = us-west-2
        """);
    credentials("[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base-secret\n");
    assertEquals(
        "profile 'both' sets both source_profile and credential_source; keep one of them",
        failure("both"));
    assertTrue(failure("neither").contains("has role_arn but no source_profile"));
    assertEquals(
        "profile 'typo' has source_profile = 'bsae', which is not in the AWS config or"
            + " credentials file; did you mean 'base'?",
        failure("typo"));
    assertEquals(
        "profile 'badsource' has credential_source = 'Ec2Metadata'; use Environment,"
            + " Ec2InstanceMetadata or EcsContainer",
        failure("badsource"));
    assertTrue(failure("env").contains("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set"));
    assertEquals(
        "profile 'long' has duration_seconds = '1h'; use a whole number of seconds from 900 to"
            + " 43200",
        failure("long"));
    assertEquals(
        "profile 'nothing' (the source_profile of 'empty') has no credentials: no keys, SSO,"
            + " credential_process or role_arn",
        failure("empty"));
  }

  @Test
  void environmentKeys_winOverAwsProfile_butNotOverAnExplicitProfile() throws IOException {
    credentials("[team]\naws_access_key_id = AKIDTEAM\naws_secret_access_key = team-secret\n");
    env.put("AWS_ACCESS_KEY_ID", "AKIDENV");
    env.put("AWS_SECRET_ACCESS_KEY", "env-secret");
    env.put("AWS_SESSION_TOKEN", "env-token");
    env.put("AWS_PROFILE", "team");
    var fromEnv = AwsCredentials.provider(env, null, TARGET).resolveCredentials();
    assertEquals("AKIDENV", fromEnv.accessKeyId());
    assertEquals(
        "env-token", assertInstanceOf(AwsSessionCredentials.class, fromEnv).sessionToken());
    assertEquals(
        "AKIDTEAM",
        AwsCredentials.provider(env, "team", TARGET).resolveCredentials().accessKeyId());
  }

  @Test
  void keysInTheCredentialsFile_comeBeforeTheProfilesCredentialProcess() throws IOException {
    config("[profile team]\ncredential_process = /bin/false\n");
    credentials("[team]\naws_access_key_id = AKIDTEAM\naws_secret_access_key = team-secret\n");
    assertEquals(
        "AKIDTEAM",
        AwsCredentials.provider(env, "team", TARGET).resolveCredentials().accessKeyId());
  }

  @Test
  void profileWithKeyButNoSecret_isOneLine() throws IOException {
    credentials("[team]\naws_access_key_id = AKIDTEAM\n");
    assertEquals(
        "profile 'team' has aws_access_key_id but no aws_secret_access_key; add it or remove the"
            + " key id",
        failure("team"));
  }

  @Test
  void webIdentityTokenFile_thatCannotBeRead_isOneLine() {
    env.put("AWS_WEB_IDENTITY_TOKEN_FILE", root.resolve("missing-token").toString());
    env.put("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/ci");
    assertEquals(
        "the web identity token file '"
            + root.resolve("missing-token")
            + "' (from AWS_WEB_IDENTITY_TOKEN_FILE) cannot be read; check the path",
        failure(null));
  }

  @Test
  void profileRegion_isTheChosenProfilesRegion() throws IOException {
    config(
        "[default]\nregion = eu-west-1\n[profile team]\nregion = ap-south-1\n"
            + "[profile bare]\noutput = json\n");
    assertEquals("eu-west-1", AwsCredentials.profileRegion(env, null));
    assertEquals("ap-south-1", AwsCredentials.profileRegion(env, "team"));
    env.put("AWS_PROFILE", "team");
    assertEquals("ap-south-1", AwsCredentials.profileRegion(env, null));
    assertEquals("eu-west-1", AwsCredentials.profileRegion(env, "default"));
    assertNull(AwsCredentials.profileRegion(env, "bare"));
    assertNull(AwsCredentials.profileRegion(env, "absent"));
    assertNull(AwsCredentials.profileRegion(Map.of(), null));
  }

  @Test
  void profileRegion_readsAwsConfigFileFromTheMap() throws IOException {
    Path elsewhere = root.resolve("elsewhere-config");
    Files.writeString(elsewhere, "[profile ci]\nregion = us-east-2\n");
    assertEquals(
        "us-east-2",
        AwsCredentials.profileRegion(Map.of("AWS_CONFIG_FILE", elsewhere.toString()), "ci"));
  }
}
