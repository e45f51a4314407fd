package dev.eksnode.amibuilder.aws;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * How to reach AWS for one run.
 *
 * @param region default region (the build region); clients for other regions are asked for by name
 * @param profile named profile from the shared config files, or {@code null} for the default chain
 * @param endpointOverride an AWS-compatible endpoint such as a local emulator, or {@code null}
 * @param apiCallTimeout limit for one API call including its retries
 * @param apiCallAttemptTimeout limit for one HTTP attempt
 * @param maxAttempts attempts of the SDK's standard retry strategy (the SDK default is 3)
 */
public record AwsSettings(
    String region,
    String profile,
    URI endpointOverride,
    Duration apiCallTimeout,
    Duration apiCallAttemptTimeout,
    int maxAttempts) {

  public AwsSettings {
    if (region == null || region.isBlank()) {
      throw new IllegalArgumentException("region must be set");
    }
    if (profile != null && profile.isBlank()) {
      profile = null;
    }
    Objects.requireNonNull(apiCallTimeout, "apiCallTimeout");
    Objects.requireNonNull(apiCallAttemptTimeout, "apiCallAttemptTimeout");
    if (apiCallAttemptTimeout.compareTo(apiCallTimeout) > 0) {
      throw new IllegalArgumentException("apiCallAttemptTimeout must not exceed apiCallTimeout");
    }
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1");
    }
  }

  /**
   * Region only; default credentials; 2 min per call, 30 s per attempt, 8 attempts (more than the
   * SDK's 3: a matrix of builds can meet throttling in bursts, and a failed describe inside a long
   * wait costs a build).
   */
  public static AwsSettings of(String region) {
    return new AwsSettings(region, null, null, Duration.ofMinutes(2), Duration.ofSeconds(30), 8);
  }

  public AwsSettings withProfile(String name) {
    return new AwsSettings(
        region, name, endpointOverride, apiCallTimeout, apiCallAttemptTimeout, maxAttempts);
  }

  public AwsSettings withEndpointOverride(URI endpoint) {
    return new AwsSettings(
        region, profile, endpoint, apiCallTimeout, apiCallAttemptTimeout, maxAttempts);
  }

  public AwsSettings withTimeouts(Duration perCall, Duration perAttempt) {
    return new AwsSettings(region, profile, endpointOverride, perCall, perAttempt, maxAttempts);
  }

  public AwsSettings withMaxAttempts(int attempts) {
    return new AwsSettings(
        region, profile, endpointOverride, apiCallTimeout, apiCallAttemptTimeout, attempts);
  }
}
