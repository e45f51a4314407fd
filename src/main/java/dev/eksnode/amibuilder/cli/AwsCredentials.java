package dev.eksnode.amibuilder.cli;

import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * Credentials from the command's own environment map: keys in the environment win, then {@code --profile} or
 * {@code AWS_PROFILE}, then the SDK's default chain (instance role, SSO, ...).
 */
final class AwsCredentials {
  private AwsCredentials() {}

  static AwsCredentialsProvider provider(Map<String, String> env, String profile) {
    String key = env.get("AWS_ACCESS_KEY_ID");
    String secret = env.get("AWS_SECRET_ACCESS_KEY");
    if (profile == null && notBlank(key) && notBlank(secret)) {
      String token = env.get("AWS_SESSION_TOKEN");
      return StaticCredentialsProvider.create(notBlank(token)
          ? AwsSessionCredentials.create(key, secret, token) : AwsBasicCredentials.create(key, secret));
    }
    String name = profile != null ? profile : env.get("AWS_PROFILE");
    if (notBlank(name)) {
      return ProfileCredentialsProvider.create(name);
    }
    return DefaultCredentialsProvider.builder().build();
  }

  /** The provider, checked: fails in one line, before anything is created, when it has nothing to give. */
  static AwsCredentialsProvider checked(Map<String, String> env, String profile) {
    AwsCredentialsProvider provider = provider(env, profile);
    try {
      provider.resolveCredentials();
      return provider;
    } catch (SdkClientException | IllegalArgumentException e) {
      throw new CommandFailedException(ExitCodes.USAGE, "no AWS credentials found"
          + (profile != null ? " for profile '" + profile + "'" : "")
          + "; set AWS_PROFILE or --profile, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run on an instance with a role");
    }
  }

  private static boolean notBlank(String s) {
    return s != null && !s.isBlank();
  }
}
