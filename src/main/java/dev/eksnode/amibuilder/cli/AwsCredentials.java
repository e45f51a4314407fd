package dev.eksnode.amibuilder.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProviderChain;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider;
import software.amazon.awssdk.auth.credentials.InstanceProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.auth.credentials.WebIdentityTokenFileCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.profiles.ProfileFile;
import software.amazon.awssdk.profiles.ProfileProperty;

/**
 * Credentials from the command's own environment map, in the SDK's default order: keys in the
 * environment, then {@code --profile} or {@code AWS_PROFILE}, then the default profile, web
 * identity, the container endpoint and the instance role. Every place that chain looks (the shared
 * files under HOME, the metadata switches) is read from the map, never from the JVM's own
 * environment, so a test's empty environment means no credentials.
 */
final class AwsCredentials {
  private AwsCredentials() {}

  static AwsCredentialsProvider provider(Map<String, String> env, String profile) {
    String key = env.get("AWS_ACCESS_KEY_ID");
    String secret = env.get("AWS_SECRET_ACCESS_KEY");
    if (profile == null && notBlank(key) && notBlank(secret)) {
      String token = env.get("AWS_SESSION_TOKEN");
      return StaticCredentialsProvider.create(
          notBlank(token)
              ? AwsSessionCredentials.create(key, secret, token)
              : AwsBasicCredentials.create(key, secret));
    }
    ProfileFile files = profileFiles(env);
    String name = profile != null ? profile : env.get("AWS_PROFILE");
    if (notBlank(name)) {
      return ProfileCredentialsProvider.builder().profileFile(files).profileName(name).build();
    }
    // The SDK's default order: web identity (EKS/IRSA pods), then the default profile, then
    // container and IMDS.
    List<AwsCredentialsProvider> chain = new ArrayList<>();
    if (notBlank(env.get("AWS_WEB_IDENTITY_TOKEN_FILE")) && notBlank(env.get("AWS_ROLE_ARN"))) {
      chain.add(
          WebIdentityTokenFileCredentialsProvider.builder()
              .webIdentityTokenFile(Path.of(env.get("AWS_WEB_IDENTITY_TOKEN_FILE")))
              .roleArn(env.get("AWS_ROLE_ARN"))
              .roleSessionName(env.get("AWS_ROLE_SESSION_NAME"))
              .build());
    }
    if (files.profile("default").isPresent()) {
      chain.add(
          ProfileCredentialsProvider.builder().profileFile(files).profileName("default").build());
    }
    if (notBlank(env.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"))
        || notBlank(env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI"))) {
      chain.add(ContainerCredentialsProvider.builder().build());
    }
    if (!"true".equalsIgnoreCase(String.valueOf(env.get("AWS_EC2_METADATA_DISABLED")).strip())) {
      InstanceProfileCredentialsProvider.Builder imds =
          InstanceProfileCredentialsProvider.builder().profileFile(files);
      if (notBlank(env.get("AWS_EC2_METADATA_SERVICE_ENDPOINT"))) {
        imds.endpoint(env.get("AWS_EC2_METADATA_SERVICE_ENDPOINT"));
      }
      chain.add(imds.build());
    }
    if (chain.isEmpty()) {
      return () -> {
        throw SdkClientException.create("no credential source in the environment");
      };
    }
    return AwsCredentialsProviderChain.builder()
        .credentialsProviders(chain)
        .reuseLastProviderEnabled(true)
        .build();
  }

  /**
   * The provider, checked: fails in one line, before anything is created, when it has nothing to
   * give.
   */
  static AwsCredentialsProvider checked(Map<String, String> env, String profile) {
    AwsCredentialsProvider provider = provider(env, profile);
    try {
      provider.resolveCredentials();
      return provider;
    } catch (SdkClientException | IllegalArgumentException e) {
      throw new CommandFailedException(
          ExitCodes.USAGE,
          "no AWS credentials found"
              + (profile != null ? " for profile '" + profile + "'" : "")
              + "; set AWS_PROFILE or --profile, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run on an instance with a role");
    }
  }

  /**
   * The {@code region} that the profile a command uses ({@code profile}, else {@code AWS_PROFILE},
   * else {@code default}) sets in the shared files the map points at; empty when it sets none.
   * Returns the profile's name with it, for messages.
   */
  static Optional<Map.Entry<String, String>> profileRegion(
      Map<String, String> env, String profile) {
    String name =
        notBlank(profile)
            ? profile
            : notBlank(env.get("AWS_PROFILE")) ? env.get("AWS_PROFILE").strip() : "default";
    ProfileFile files;
    try {
      files = profileFiles(env);
    } catch (RuntimeException e) {
      throw new dev.eksnode.amibuilder.config.ConfigException(
          "the AWS config files cannot be read for the region of profile '"
              + name
              + "': "
              + Main.oneLine(e.getMessage())
              + "; fix the file, or pass --region");
    }
    return files
        .profile(name)
        .flatMap(p -> p.property(ProfileProperty.REGION))
        .map(String::strip)
        .filter(r -> !r.isEmpty())
        .map(r -> Map.entry(name, r));
  }

  /**
   * The shared credentials and config files the map points at (AWS_SHARED_CREDENTIALS_FILE,
   * AWS_CONFIG_FILE, HOME).
   */
  static ProfileFile profileFiles(Map<String, String> env) {
    String home = notBlank(env.get("HOME")) ? env.get("HOME") : env.get("USERPROFILE");
    ProfileFile.Aggregator files = ProfileFile.aggregator();
    // The credentials file first: as in the SDK's own default, its values win over the config
    // file's.
    add(
        files,
        env.get("AWS_SHARED_CREDENTIALS_FILE"),
        home,
        "credentials",
        ProfileFile.Type.CREDENTIALS);
    add(files, env.get("AWS_CONFIG_FILE"), home, "config", ProfileFile.Type.CONFIGURATION);
    return files.build();
  }

  private static void add(
      ProfileFile.Aggregator files,
      String explicit,
      String home,
      String name,
      ProfileFile.Type type) {
    Path file =
        notBlank(explicit)
            ? Path.of(explicit)
            : notBlank(home) ? Path.of(home, ".aws", name) : null;
    if (file != null && Files.isRegularFile(file)) {
      files.addFile(ProfileFile.builder().content(file).type(type).build());
    }
  }

  private static boolean notBlank(String s) {
    return s != null && !s.isBlank();
  }
}
