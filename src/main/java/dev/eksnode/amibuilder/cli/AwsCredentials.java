package dev.eksnode.amibuilder.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eksnode.amibuilder.aws.AwsErrors;
import dev.eksnode.amibuilder.config.ConfigException;
import dev.eksnode.amibuilder.config.DidYouMean;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider;
import software.amazon.awssdk.auth.credentials.InstanceProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProcessCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.profiles.Profile;
import software.amazon.awssdk.profiles.ProfileFile;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sso.SsoClient;
import software.amazon.awssdk.services.sso.auth.SsoCredentialsProvider;
import software.amazon.awssdk.services.sso.model.GetRoleCredentialsRequest;
import software.amazon.awssdk.services.ssooidc.SsoOidcClient;
import software.amazon.awssdk.services.ssooidc.model.CreateTokenResponse;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleWithWebIdentityCredentialsProvider;
import software.amazon.awssdk.services.sts.model.AssumeRoleRequest;
import software.amazon.awssdk.services.sts.model.AssumeRoleWithWebIdentityRequest;
import software.amazon.awssdk.utils.IoUtils;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * Credentials from the command's own environment map, chosen in the AWS CLI's order:
 *
 * <ol>
 *   <li>{@code AWS_ACCESS_KEY_ID}/{@code AWS_SECRET_ACCESS_KEY} (ignored when {@code --profile} is
 *       given, as the CLI does);
 *   <li>the profile ({@code --profile}, else {@code AWS_PROFILE}, else {@code default}) when it has
 *       {@code role_arn} with {@code source_profile} or {@code credential_source}: STS AssumeRole,
 *       source profiles chained;
 *   <li>web identity: {@code AWS_WEB_IDENTITY_TOKEN_FILE} + {@code AWS_ROLE_ARN}, or the profile's
 *       {@code web_identity_token_file} + {@code role_arn};
 *   <li>SSO: the profile's {@code sso_session} or legacy {@code sso_start_url}, with the token that
 *       {@code aws sso login} cached;
 *   <li>the profile's keys in the credentials file, its {@code credential_process}, its keys in the
 *       config file;
 *   <li>the container endpoint ({@code AWS_CONTAINER_CREDENTIALS_RELATIVE_URI}/{@code _FULL_URI});
 *   <li>the instance role (IMDS), unless {@code AWS_EC2_METADATA_DISABLED=true}.
 * </ol>
 *
 * Every file and switch is read from the map (HOME, AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE,
 * the SSO token cache), never from the JVM's own environment, so a test's empty map means no
 * credentials. STS and the SSO portal are called in the command's region and at its {@code
 * --endpoint-url}: the SDK's own profile support would make STS clients of its own that ignore the
 * override, so the role and web-identity providers are built here.
 *
 * <p>A configuration mistake (a missing profile, a loop of source profiles, an SSO profile without
 * a cached token) is one line and exit 2 before any AWS call. No credential value ever appears in a
 * message.
 */
final class AwsCredentials {
  private static final Logger LOG = LoggerFactory.getLogger(AwsCredentials.class);
  static final String SSO_SESSION_SECTION = "sso-session";
  private static final ObjectMapper JSON = new ObjectMapper();

  private AwsCredentials() {}

  /** Where the services behind a credential source are called, and the time tokens expire by. */
  record Target(String region, URI endpoint, Clock clock) {
    Target {
      region = region == null || region.isBlank() ? "us-east-1" : region;
    }
  }

  /**
   * The provider for this command, checked: it has credentials now, so a missing or broken source
   * is one line before anything is created. The provider owns the STS or SSO clients it made;
   * closing it closes them.
   */
  static AwsCredentialsProvider checked(Map<String, String> env, String profile, Target target) {
    Resolver resolver = new Resolver(env, target);
    Owned provider = resolver.top(profile);
    try {
      provider.resolveCredentials();
      return provider;
    } catch (CommandFailedException e) {
      provider.close();
      throw e;
    } catch (SdkClientException | IllegalArgumentException e) {
      provider.close();
      CommandFailedException labeled = find(e, CommandFailedException.class);
      if (labeled != null) {
        throw labeled;
      }
      throw new CommandFailedException(
          ExitCodes.USAGE,
          "no AWS credentials found"
              + (profile != null ? " for profile '" + profile + "'" : "")
              + "; set AWS_PROFILE or --profile, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run on an instance with a role");
    } catch (RuntimeException e) {
      provider.close();
      throw e;
    }
  }

  /**
   * The provider for this command, unchecked (its first call reaches the source). Configuration
   * mistakes are still found now.
   */
  static AwsCredentialsProvider provider(Map<String, String> env, String profile, Target target) {
    return new Resolver(env, target).top(profile);
  }

  /** The profile the command uses: {@code --profile}, else {@code AWS_PROFILE}, else default. */
  static String profileName(Map<String, String> env, String profile) {
    if (notBlank(profile)) {
      return profile;
    }
    return notBlank(env.get("AWS_PROFILE")) ? env.get("AWS_PROFILE").strip() : "default";
  }

  /**
   * The {@code region} of the profile the command uses ({@code --profile}, else {@code
   * AWS_PROFILE}, else {@code default}), or null when it has none or does not exist.
   */
  static String profileRegion(Map<String, String> env, String profile) {
    return profileFiles(env)
        .profile(profileName(env, profile))
        .flatMap(p -> p.property("region"))
        .filter(AwsCredentials::notBlank)
        .map(String::strip)
        .orElse(null);
  }

  /**
   * Where {@code aws sso login} caches the token for a session name or a legacy start URL: {@code
   * $HOME/.aws/sso/cache/<sha1 hex of the key>.json}, with HOME from the map.
   */
  static Path ssoTokenCache(Map<String, String> env, String key) {
    String home = home(env);
    if (home == null) {
      throw new ConfigException(
          "HOME is not set, so the SSO token cache (~/.aws/sso/cache) cannot be found; set HOME");
    }
    return Path.of(home, ".aws", "sso", "cache", sha1Hex(key) + ".json");
  }

  /**
   * The shared credentials and config files the map points at (AWS_SHARED_CREDENTIALS_FILE,
   * AWS_CONFIG_FILE, HOME).
   */
  static ProfileFile profileFiles(Map<String, String> env) {
    ProfileFile.Aggregator files = ProfileFile.aggregator();
    // The credentials file first: as in the SDK's own default, its values win over the config
    // file's.
    credentialsFile(env).ifPresent(files::addFile);
    configFile(env).ifPresent(files::addFile);
    return files.build();
  }

  private static Optional<ProfileFile> credentialsFile(Map<String, String> env) {
    return file(env.get("AWS_SHARED_CREDENTIALS_FILE"), home(env), "credentials")
        .map(f -> ProfileFile.builder().content(f).type(ProfileFile.Type.CREDENTIALS).build());
  }

  private static Optional<ProfileFile> configFile(Map<String, String> env) {
    return file(env.get("AWS_CONFIG_FILE"), home(env), "config")
        .map(f -> ProfileFile.builder().content(f).type(ProfileFile.Type.CONFIGURATION).build());
  }

  private static Optional<Path> file(String explicit, String home, String name) {
    Path file =
        notBlank(explicit)
            ? Path.of(explicit)
            : notBlank(home) ? Path.of(home, ".aws", name) : null;
    return file != null && Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
  }

  private static String home(Map<String, String> env) {
    return notBlank(env.get("HOME"))
        ? env.get("HOME")
        : notBlank(env.get("USERPROFILE")) ? env.get("USERPROFILE") : null;
  }

  /** Walks one profile name to its credential source; one instance per command. */
  private static final class Resolver {
    private final Map<String, String> env;
    private final Target target;
    private final ProfileFile files;
    private final ProfileFile credentialsOnly;
    private final List<SdkAutoCloseable> owned = new ArrayList<>();

    Resolver(Map<String, String> env, Target target) {
      this.env = env;
      this.target = target;
      this.files = profileFiles(env);
      this.credentialsOnly = credentialsFile(env).orElse(null);
    }

    Owned top(String explicitProfile) {
      try {
        return new Owned(choose(explicitProfile), owned);
      } catch (RuntimeException e) {
        owned.forEach(c -> IoUtils.closeQuietly(c, null));
        throw e;
      }
    }

    private AwsCredentialsProvider choose(String explicitProfile) {
      String key = env.get("AWS_ACCESS_KEY_ID");
      String secret = env.get("AWS_SECRET_ACCESS_KEY");
      if (explicitProfile == null && notBlank(key) && notBlank(secret)) {
        return StaticCredentialsProvider.create(
            credentials(key, secret, env.get("AWS_SESSION_TOKEN")));
      }
      String name = explicitProfile;
      String from = "--profile";
      if (!notBlank(name) && notBlank(env.get("AWS_PROFILE"))) {
        name = env.get("AWS_PROFILE").strip();
        from = "AWS_PROFILE";
      }
      if (notBlank(name)) {
        requireProfile(name, from);
      } else {
        name = "default";
      }
      Profile profile = files.profile(name).orElse(null);
      if (profile != null && assumesRole(profile)) {
        return assumeRole(name, new LinkedHashSet<>());
      }
      // As the CLI does, an explicit --profile turns off the web-identity environment variables.
      AwsCredentialsProvider fromProfile = profileSources(name, explicitProfile == null);
      if (fromProfile != null) {
        return fromProfile;
      }
      AwsCredentialsProvider container = container();
      if (container != null) {
        return container;
      }
      if ("true".equalsIgnoreCase(String.valueOf(env.get("AWS_EC2_METADATA_DISABLED")).strip())) {
        return () -> {
          throw SdkClientException.create("no credential source in the environment");
        };
      }
      return instanceRole();
    }

    private void requireProfile(String name, String from) {
      if (files.profile(name).isPresent()) {
        return;
      }
      TreeSet<String> known = new TreeSet<>(files.profiles().keySet());
      String hint =
          DidYouMean.suggest(name, known)
              .map(s -> "did you mean '" + s + "'?")
              .orElse(
                  known.isEmpty()
                      ? "no profiles are defined; create it with 'aws configure --profile "
                          + name
                          + "' or set AWS_CONFIG_FILE"
                      : "the profiles are: " + String.join(", ", known));
      throw new ConfigException(
          "profile '"
              + name
              + "' (from "
              + from
              + ") is not in the AWS config or credentials file"
              + filesRead()
              + "; "
              + hint);
    }

    private String filesRead() {
      List<String> read = new ArrayList<>();
      file(env.get("AWS_CONFIG_FILE"), home(env), "config").ifPresent(p -> read.add(p.toString()));
      file(env.get("AWS_SHARED_CREDENTIALS_FILE"), home(env), "credentials")
          .ifPresent(p -> read.add(p.toString()));
      return read.isEmpty() ? "" : " (" + String.join(", ", read) + ")";
    }

    /**
     * The sources a profile has of its own, in the CLI's order: web identity, SSO, keys in the
     * credentials file, credential_process, keys in the config file. Null when it has none.
     */
    private AwsCredentialsProvider profileSources(String name, boolean environmentWebIdentity) {
      Profile profile = files.profile(name).orElse(null);
      AwsCredentialsProvider webIdentity = webIdentity(profile, environmentWebIdentity);
      if (webIdentity != null) {
        return webIdentity;
      }
      if (profile == null) {
        return null;
      }
      if (has(profile, "sso_session") || has(profile, "sso_start_url")) {
        return sso(name, profile);
      }
      Profile inCredentialsFile =
          credentialsOnly == null ? null : credentialsOnly.profile(name).orElse(null);
      if (inCredentialsFile != null && has(inCredentialsFile, "aws_access_key_id")) {
        return staticKeys(name, inCredentialsFile);
      }
      if (has(profile, "credential_process")) {
        return process(name, profile.property("credential_process").orElseThrow());
      }
      if (has(profile, "aws_access_key_id")) {
        return staticKeys(name, profile);
      }
      return null;
    }

    private AwsCredentialsProvider staticKeys(String name, Profile profile) {
      String secret = profile.property("aws_secret_access_key").orElse(null);
      if (!notBlank(secret)) {
        throw new ConfigException(
            "profile '"
                + name
                + "' has aws_access_key_id but no aws_secret_access_key; add it or remove the key id");
      }
      return StaticCredentialsProvider.create(
          credentials(
              profile.property("aws_access_key_id").orElseThrow().strip(),
              secret.strip(),
              profile.property("aws_session_token").orElse(null)));
    }

    private AwsCredentialsProvider process(String name, String command) {
      // The SDK runs the command through the shell as the AWS CLI does (with the JVM's own
      // environment: a child process cannot be given the map without re-implementing the
      // provider).
      ProcessCredentialsProvider provider =
          ProcessCredentialsProvider.builder().command(command).build();
      owned.add(provider);
      return new Labeled(provider, "credential_process of profile '" + name + "'");
    }

    // ---- assume role ----------------------------------------------------------------------

    private AwsCredentialsProvider assumeRole(String name, LinkedHashSet<String> chain) {
      if (!chain.add(name)) {
        throw new ConfigException(
            "profile '"
                + chain.iterator().next()
                + "': the source_profile chain "
                + String.join(" -> ", chain)
                + " -> "
                + name
                + " is a loop; end it with a profile that has keys, SSO or a credential_source");
      }
      Profile profile = files.profile(name).orElseThrow();
      String roleArn = profile.property("role_arn").orElseThrow().strip();
      String sourceProfile = profile.property("source_profile").map(String::strip).orElse(null);
      String credentialSource =
          profile.property("credential_source").map(String::strip).orElse(null);
      if (notBlank(sourceProfile) && notBlank(credentialSource)) {
        throw new ConfigException(
            "profile '"
                + name
                + "' sets both source_profile and credential_source; keep one of them");
      }
      if (!notBlank(sourceProfile) && !notBlank(credentialSource)) {
        throw new ConfigException(
            "profile '"
                + name
                + "' has role_arn but no source_profile or credential_source; add one to say which credentials assume the role");
      }
      if (has(profile, "mfa_serial")) {
        throw new ConfigException(
            "profile '"
                + name
                + "' needs an MFA code (mfa_serial), which ami-builder cannot prompt for; "
                + "export session credentials first, e.g. with 'aws configure export-credentials --profile "
                + name
                + " --format env'");
      }
      AwsCredentialsProvider source =
          notBlank(sourceProfile)
              ? sourceProfile(name, sourceProfile, chain)
              : credentialSource(name, credentialSource);

      AssumeRoleRequest.Builder request =
          AssumeRoleRequest.builder()
              .roleArn(roleArn)
              .roleSessionName(sessionName(profile.property("role_session_name").orElse(null)));
      profile
          .property("external_id")
          .filter(AwsCredentials::notBlank)
          .ifPresent(request::externalId);
      Integer duration = durationSeconds(name, profile);
      if (duration != null) {
        request.durationSeconds(duration);
      }
      StsClient sts = sts(source);
      StsAssumeRoleCredentialsProvider provider =
          StsAssumeRoleCredentialsProvider.builder()
              .stsClient(sts)
              .refreshRequest(request.build())
              .build();
      owned.add(provider);
      return new Labeled(provider, "profile '" + name + "' (AssumeRole " + roleArn + ")");
    }

    private AwsCredentialsProvider sourceProfile(
        String name, String source, LinkedHashSet<String> chain) {
      Profile profile = files.profile(source).orElse(null);
      if (profile == null) {
        TreeSet<String> known = new TreeSet<>(files.profiles().keySet());
        throw new ConfigException(
            "profile '"
                + name
                + "' has source_profile = '"
                + source
                + "', which is not in the AWS config or credentials file; "
                + DidYouMean.suggest(source, known)
                    .map(s -> "did you mean '" + s + "'?")
                    .orElse("the profiles are: " + String.join(", ", known)));
      }
      boolean hasKeys = has(profile, "aws_access_key_id");
      if (source.equals(name)) {
        // A profile may name itself as its source when it holds the keys that assume its role.
        if (hasKeys) {
          return staticKeys(source, profile);
        }
        throw new ConfigException(
            "profile '"
                + name
                + "' names itself as source_profile but has no keys; give it aws_access_key_id and aws_secret_access_key or another source");
      }
      if (hasKeys || !assumesRole(profile)) {
        AwsCredentialsProvider own = profileSources(source, false);
        if (own == null) {
          throw new ConfigException(
              "profile '"
                  + source
                  + "' (the source_profile of '"
                  + name
                  + "') has no credentials: no keys, SSO, credential_process or role_arn");
        }
        return own;
      }
      return assumeRole(source, chain);
    }

    private AwsCredentialsProvider credentialSource(String name, String source) {
      switch (source) {
        case "Environment" -> {
          String key = env.get("AWS_ACCESS_KEY_ID");
          String secret = env.get("AWS_SECRET_ACCESS_KEY");
          if (!notBlank(key) || !notBlank(secret)) {
            throw new ConfigException(
                "profile '"
                    + name
                    + "' has credential_source = Environment but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set; export them");
          }
          return StaticCredentialsProvider.create(
              credentials(key, secret, env.get("AWS_SESSION_TOKEN")));
        }
        case "Ec2InstanceMetadata" -> {
          return instanceRole();
        }
        case "EcsContainer" -> {
          AwsCredentialsProvider container = container();
          if (container == null) {
            throw new ConfigException(
                "profile '"
                    + name
                    + "' has credential_source = EcsContainer but neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set");
          }
          return container;
        }
        default ->
            throw new ConfigException(
                "profile '"
                    + name
                    + "' has credential_source = '"
                    + source
                    + "'; use Environment, Ec2InstanceMetadata or EcsContainer");
      }
    }

    private Integer durationSeconds(String name, Profile profile) {
      String value = profile.property("duration_seconds").map(String::strip).orElse(null);
      if (!notBlank(value)) {
        return null;
      }
      try {
        int seconds = Integer.parseInt(value);
        if (seconds >= 900 && seconds <= 43200) {
          return seconds;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new ConfigException(
          "profile '"
              + name
              + "' has duration_seconds = '"
              + value
              + "'; use a whole number of seconds from 900 to 43200");
    }

    private String sessionName(String configured) {
      return notBlank(configured)
          ? configured.strip()
          : "ami-builder-" + target.clock().instant().toEpochMilli();
    }

    // ---- web identity ---------------------------------------------------------------------

    private AwsCredentialsProvider webIdentity(Profile profile, boolean fromEnvironment) {
      String tokenFile =
          setting(
              fromEnvironment, "AWS_WEB_IDENTITY_TOKEN_FILE", profile, "web_identity_token_file");
      String roleArn = setting(fromEnvironment, "AWS_ROLE_ARN", profile, "role_arn");
      if (!notBlank(tokenFile) || !notBlank(roleArn)) {
        return null;
      }
      String where =
          fromEnvironment && notBlank(env.get("AWS_WEB_IDENTITY_TOKEN_FILE"))
              ? "AWS_WEB_IDENTITY_TOKEN_FILE"
              : "web_identity_token_file of profile '" + profile.name() + "'";
      Path token = Path.of(tokenFile.strip());
      if (!Files.isReadable(token)) {
        throw new ConfigException(
            "the web identity token file '"
                + token
                + "' (from "
                + where
                + ") cannot be read; check the path");
      }
      String sessionName =
          sessionName(
              setting(fromEnvironment, "AWS_ROLE_SESSION_NAME", profile, "role_session_name"));
      StsClient sts = sts(AnonymousCredentialsProvider.create());
      // The token is read again on every refresh: the platforms that mount it rotate it.
      StsAssumeRoleWithWebIdentityCredentialsProvider provider =
          StsAssumeRoleWithWebIdentityCredentialsProvider.builder()
              .stsClient(sts)
              .refreshRequest(
                  () ->
                      AssumeRoleWithWebIdentityRequest.builder()
                          .roleArn(roleArn.strip())
                          .roleSessionName(sessionName)
                          .webIdentityToken(readToken(token))
                          .build())
              .build();
      owned.add(provider);
      return new Labeled(
          provider,
          "web identity (" + where + ", AssumeRoleWithWebIdentity " + roleArn.strip() + ")");
    }

    private String setting(boolean fromEnvironment, String variable, Profile profile, String key) {
      if (fromEnvironment && notBlank(env.get(variable))) {
        return env.get(variable);
      }
      return profile == null ? null : profile.property(key).orElse(null);
    }

    private static String readToken(Path token) {
      try {
        return Files.readString(token, StandardCharsets.UTF_8).strip();
      } catch (IOException e) {
        throw SdkClientException.create(
            "cannot read the web identity token file " + token + ": " + e.getMessage(), e);
      }
    }

    // ---- SSO ------------------------------------------------------------------------------

    private AwsCredentialsProvider sso(String name, Profile profile) {
      String session = profile.property("sso_session").map(String::strip).orElse(null);
      String startUrl;
      String ssoRegion;
      String cacheKey;
      if (notBlank(session)) {
        Profile section =
            files
                .getSection(SSO_SESSION_SECTION, session)
                .orElseThrow(
                    () ->
                        new ConfigException(
                            "profile '"
                                + name
                                + "' has sso_session = '"
                                + session
                                + "' but the config file has no [sso-session "
                                + session
                                + "] section; add it or fix the name"));
        startUrl = required(section, "sso_start_url", "[sso-session " + session + "]");
        ssoRegion = required(section, "sso_region", "[sso-session " + session + "]");
        cacheKey = session;
      } else {
        startUrl = required(profile, "sso_start_url", "profile '" + name + "'");
        ssoRegion = required(profile, "sso_region", "profile '" + name + "'");
        cacheKey = startUrl;
      }
      String accountId = required(profile, "sso_account_id", "profile '" + name + "'");
      String roleName = required(profile, "sso_role_name", "profile '" + name + "'");
      Path cache = ssoTokenCache(env, cacheKey);
      // Only sso-session logins carry a refresh token; a legacy token lives until it expires.
      SsoToken.Refresh refresh = null;
      if (notBlank(session)) {
        SsoOidcClient oidc =
            configure(SsoOidcClient.builder(), ssoRegion, AnonymousCredentialsProvider.create())
                .build();
        owned.add(oidc);
        refresh = (cached, now) -> renew(oidc, cached, now);
      }
      SsoToken.Refresh renewal = refresh;
      // Read now so a missing or expired login is one line before any AWS call.
      SsoToken.read(cache, name, target.clock(), renewal);

      SsoClient client =
          configure(SsoClient.builder(), ssoRegion, AnonymousCredentialsProvider.create()).build();
      owned.add(client);
      // Each refresh reads the cache again, so a login in another terminal is picked up mid-build.
      SsoCredentialsProvider.Builder builder = SsoCredentialsProvider.builder();
      SsoCredentialsProvider provider =
          builder
              .ssoClient(client)
              .refreshRequest(
                  () ->
                      GetRoleCredentialsRequest.builder()
                          .accountId(accountId)
                          .roleName(roleName)
                          .accessToken(
                              SsoToken.read(cache, name, target.clock(), renewal).accessToken())
                          .build())
              .build();
      owned.add(provider);
      return new Labeled(
          provider,
          "SSO profile '" + name + "' (account " + accountId + ", role " + roleName + ")",
          "run 'aws sso login --profile " + name + "' first, or check the account and role");
    }

    /**
     * What the CLI does with an sso-session token near its end: CreateToken with the refresh token
     * of the client that {@code aws sso login} registered. Null when the cache lacks that client or
     * its registration expired, or when SSO-OIDC refuses.
     */
    private static ObjectNode renew(SsoOidcClient oidc, ObjectNode cached, Instant now) {
      String refreshToken = cached.path("refreshToken").asText("");
      String clientId = cached.path("clientId").asText("");
      String clientSecret = cached.path("clientSecret").asText("");
      Instant registered = SsoToken.instant(cached.path("registrationExpiresAt").asText(""));
      if (refreshToken.isBlank()
          || clientId.isBlank()
          || clientSecret.isBlank()
          || registered == null
          || !registered.isAfter(now)) {
        return null;
      }
      try {
        CreateTokenResponse answer =
            oidc.createToken(
                r ->
                    r.grantType("refresh_token")
                        .clientId(clientId)
                        .clientSecret(clientSecret)
                        .refreshToken(refreshToken));
        if (answer.accessToken() == null || answer.expiresIn() == null) {
          return null;
        }
        ObjectNode renewed = cached.deepCopy();
        renewed.put("accessToken", answer.accessToken());
        renewed.put(
            "expiresAt",
            now.plusSeconds(answer.expiresIn()).truncatedTo(ChronoUnit.SECONDS).toString());
        if (answer.refreshToken() != null) {
          renewed.put("refreshToken", answer.refreshToken());
        }
        return renewed;
      } catch (SdkException e) {
        LOG.debug("Renewing the SSO token failed: {}", e.getMessage());
        return null;
      }
    }

    private String required(Profile profile, String key, String where) {
      return profile
          .property(key)
          .filter(AwsCredentials::notBlank)
          .map(String::strip)
          .orElseThrow(
              () ->
                  new ConfigException(
                      where + " has no " + key + "; add it (see 'aws configure sso')"));
    }

    // ---- container and instance -----------------------------------------------------------

    private AwsCredentialsProvider container() {
      if (!notBlank(env.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"))
          && !notBlank(env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI"))) {
        return null;
      }
      // The SDK's provider reads the URI and its token from the process environment, which is
      // the map whenever these variables are really set.
      ContainerCredentialsProvider provider = ContainerCredentialsProvider.builder().build();
      owned.add(provider);
      return provider;
    }

    private AwsCredentialsProvider instanceRole() {
      InstanceProfileCredentialsProvider.Builder imds =
          InstanceProfileCredentialsProvider.builder().profileFile(files);
      if (notBlank(env.get("AWS_EC2_METADATA_SERVICE_ENDPOINT"))) {
        imds.endpoint(env.get("AWS_EC2_METADATA_SERVICE_ENDPOINT"));
      }
      InstanceProfileCredentialsProvider provider = imds.build();
      owned.add(provider);
      return provider;
    }

    // ---- clients --------------------------------------------------------------------------

    /** STS in the command's region, at --endpoint-url when given, signed by {@code source}. */
    private StsClient sts(AwsCredentialsProvider source) {
      StsClient client = configure(StsClient.builder(), target.region(), source).build();
      owned.add(client);
      return client;
    }

    private <B extends AwsClientBuilder<B, ?> & AwsSyncClientBuilder<B, ?>> B configure(
        B builder, String region, AwsCredentialsProvider credentials) {
      builder
          .region(Region.of(region))
          .credentialsProvider(credentials)
          .httpClientBuilder(UrlConnectionHttpClient.builder())
          .overrideConfiguration(
              ClientOverrideConfiguration.builder().defaultProfileFile(files).build());
      if (target.endpoint() != null) {
        builder.endpointOverride(target.endpoint());
      }
      return builder;
    }
  }

  private static boolean assumesRole(Profile profile) {
    // A role with a web identity token file is the web-identity source, not AssumeRole.
    return has(profile, "role_arn") && !has(profile, "web_identity_token_file");
  }

  private static boolean has(Profile profile, String key) {
    return profile.property(key).filter(AwsCredentials::notBlank).isPresent();
  }

  private static software.amazon.awssdk.auth.credentials.AwsCredentials credentials(
      String key, String secret, String token) {
    return notBlank(token)
        ? AwsSessionCredentials.create(key.strip(), secret.strip(), token.strip())
        : AwsBasicCredentials.create(key.strip(), secret.strip());
  }

  /** The token {@code aws sso login} cached: only its value and expiry are used. */
  record SsoToken(String accessToken, Instant expiresAt) {
    /** The AWS CLI renews an sso-session token this long before it expires. */
    static final Duration REFRESH_WINDOW = Duration.ofMinutes(15);

    /** Renews a cached sso-session token: the new cache contents, or null when it cannot. */
    @FunctionalInterface
    interface Refresh {
      ObjectNode renew(ObjectNode cached, Instant now);
    }

    @Override
    public String toString() {
      return "SsoToken[expiresAt=" + expiresAt + "]";
    }

    /**
     * The cached token, or a one-line exit-2 failure telling the user to log in when it is missing,
     * unreadable or expired. With {@code refresh} (sso-session logins), a token that expires within
     * the AWS CLI's refresh window is first renewed and written back to the cache, as the CLI does;
     * a refresh that fails leaves the token as it was.
     */
    static SsoToken read(Path cache, String profile, Clock clock, Refresh refresh) {
      String login = "run 'aws sso login --profile " + profile + "' first";
      if (!Files.isRegularFile(cache)) {
        throw new ConfigException(
            "profile '"
                + profile
                + "' uses SSO but there is no cached SSO token ("
                + cache
                + "); "
                + login);
      }
      JsonNode json;
      try {
        json = JSON.readTree(cache.toFile());
      } catch (IOException e) {
        json = null;
      }
      if (!(json instanceof ObjectNode cached)) {
        throw new ConfigException(
            "profile '" + profile + "': the cached SSO token " + cache + " is not JSON; " + login);
      }
      SsoToken token = of(cached);
      if (token == null) {
        throw new ConfigException(
            "profile '"
                + profile
                + "': the cached SSO token "
                + cache
                + " has no accessToken or expiresAt; "
                + login);
      }
      Instant now = clock.instant();
      if (refresh != null && token.expiresAt().isBefore(now.plus(REFRESH_WINDOW))) {
        ObjectNode renewed = refresh.renew(cached, now);
        SsoToken fresh = renewed == null ? null : of(renewed);
        if (fresh != null) {
          write(cache, renewed);
          token = fresh;
        }
      }
      if (!token.expiresAt().isAfter(now)) {
        throw new ConfigException(
            "profile '"
                + profile
                + "': the cached SSO token expired at "
                + token.expiresAt()
                + "; "
                + login);
      }
      return token;
    }

    private static SsoToken of(JsonNode json) {
      String token = json.path("accessToken").asText("");
      Instant expires = instant(json.path("expiresAt").asText(""));
      return token.isBlank() || expires == null ? null : new SsoToken(token, expires);
    }

    /** Replaces the cache file whole (owner-only, as the CLI writes it), never half-written. */
    private static void write(Path cache, ObjectNode json) {
      try {
        Path tmp = Files.createTempFile(cache.getParent(), ".token", ".tmp");
        try {
          try {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
          } catch (UnsupportedOperationException e) {
            // not a POSIX file system: the directory's own protection applies
          }
          JSON.writeValue(tmp.toFile(), json);
          Files.move(
              tmp, cache, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
          Files.deleteIfExists(tmp);
        }
      } catch (IOException e) {
        // The renewed token still works for this run; the CLI will refresh again itself.
        LOG.debug("Could not write the renewed SSO token to {}: {}", cache, e.toString());
      }
    }

    /** The CLI writes {@code 2024-05-01T12:00:00Z}; older versions wrote a {@code UTC} suffix. */
    static Instant instant(String text) {
      String t = text.strip();
      if (t.endsWith("UTC")) {
        t = t.substring(0, t.length() - 3) + "Z";
      }
      try {
        return OffsetDateTime.parse(t).toInstant();
      } catch (DateTimeParseException e) {
        try {
          return Instant.parse(t);
        } catch (DateTimeParseException e2) {
          return null;
        }
      }
    }
  }

  /**
   * A source whose failures name it: a refusal by STS or the SSO portal (4xx) is the user's to fix
   * (exit 2), anything else is the environment (exit 1). Messages carry the service's words, never
   * a credential.
   */
  private record Labeled(AwsCredentialsProvider delegate, String label, String fix)
      implements AwsCredentialsProvider {
    Labeled(AwsCredentialsProvider delegate, String label) {
      this(delegate, label, "check the profile and its permissions");
    }

    @Override
    public software.amazon.awssdk.auth.credentials.AwsCredentials resolveCredentials() {
      try {
        return delegate.resolveCredentials();
      } catch (RuntimeException e) {
        throw translate(label, fix, e);
      }
    }
  }

  static RuntimeException translate(String label, String fix, RuntimeException e) {
    CommandFailedException inner = find(e, CommandFailedException.class);
    if (inner != null) {
      return inner;
    }
    ConfigException config = find(e, ConfigException.class);
    if (config != null) {
      return config;
    }
    AwsServiceException refused = find(e, AwsServiceException.class);
    if (refused != null) {
      boolean usersToFix =
          refused.statusCode() >= 400
              && refused.statusCode() < 500
              && !refused.isThrottlingException();
      String words = AwsErrors.describe(refused);
      return new CommandFailedException(
          usersToFix ? ExitCodes.USAGE : ExitCodes.BUILD_FAILED,
          label + " failed: " + words + (usersToFix ? "; " + fix : ""),
          e);
    }
    String nonZero = null;
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null
          && t.getMessage().startsWith("Command returned non-zero exit value")) {
        nonZero = t.getMessage();
      }
    }
    if (nonZero != null) {
      return new CommandFailedException(ExitCodes.USAGE, label + " failed: " + nonZero, e);
    }
    if (label.startsWith("credential_process") && find(e, IOException.class) == null) {
      // The process ran but printed something else; its output may hold a secret, so it is not
      // repeated here.
      return new CommandFailedException(
          ExitCodes.USAGE,
          label
              + " printed no usable credentials; it must print JSON with Version 1, AccessKeyId and SecretAccessKey",
          e);
    }
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return new CommandFailedException(
        ExitCodes.BUILD_FAILED,
        label
            + " failed: "
            + (root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage()),
        e);
  }

  private static <T extends Throwable> T find(Throwable t, Class<T> type) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (type.isInstance(c)) {
        return type.cast(c);
      }
    }
    return null;
  }

  /** The chosen provider and the clients and providers made for it, closed together. */
  static final class Owned implements AwsCredentialsProvider, SdkAutoCloseable {
    private final AwsCredentialsProvider provider;
    private final List<SdkAutoCloseable> owned;

    Owned(AwsCredentialsProvider provider, List<SdkAutoCloseable> owned) {
      this.provider = provider;
      this.owned = List.copyOf(owned);
    }

    @Override
    public software.amazon.awssdk.auth.credentials.AwsCredentials resolveCredentials() {
      return provider.resolveCredentials();
    }

    @Override
    public void close() {
      // Providers before the clients they call.
      for (int i = owned.size() - 1; i >= 0; i--) {
        IoUtils.closeQuietly(owned.get(i), null);
      }
    }

    @Override
    public String toString() {
      return "AwsCredentials.Owned[" + provider.getClass().getSimpleName() + "]";
    }
  }

  static String sha1Hex(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is part of every JVM", e);
    }
  }

  private static boolean notBlank(String s) {
    return s != null && !s.isBlank();
  }
}
