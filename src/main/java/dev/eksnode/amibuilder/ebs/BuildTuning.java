package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.aws.AwsErrors;
import dev.eksnode.amibuilder.aws.Poller;
import dev.eksnode.amibuilder.config.ConfigException;
import dev.eksnode.amibuilder.pipeline.Retry;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Timing and endpoints a build uses besides the template: how waits poll, how undo calls retry, and
 * where the caller's public address is asked for. Production uses {@link #defaults()}; tests
 * shorten the delays through the environment so a fault matrix runs in seconds instead of minutes.
 *
 * @param pollSchedule schedule of every wait; {@code null} means "as the template's aws_polling
 *     says" for image waits and the responsive schedule for instance waits
 * @param undoRetry backoff of undo calls
 * @param checkIpUrl answers the caller's public IPv4 address as plain text
 */
public record BuildTuning(Poller.Schedule pollSchedule, Retry.Policy undoRetry, URI checkIpUrl) {
  /** Fixed poll delay in milliseconds for every wait (tests). */
  public static final String POLL_DELAY_ENV = "AMI_BUILDER_POLL_DELAY_MS";

  /** {@code attempts,initialDelayMs} for undo retries (tests). */
  public static final String UNDO_RETRY_ENV = "AMI_BUILDER_UNDO_RETRY";

  /** Where to learn the caller's public address. */
  public static final String CHECKIP_ENV = "AMI_BUILDER_CHECKIP_URL";

  public static final URI DEFAULT_CHECKIP = URI.create("https://checkip.amazonaws.com");

  public BuildTuning {
    Objects.requireNonNull(undoRetry, "undoRetry");
    Objects.requireNonNull(checkIpUrl, "checkIpUrl");
  }

  public static BuildTuning defaults() {
    return new BuildTuning(null, Retry.Policy.forUndo(), DEFAULT_CHECKIP);
  }

  /** Defaults overridden by the variables named above, when present in {@code env}. */
  public static BuildTuning fromEnvironment(Map<String, String> env) {
    BuildTuning tuning = defaults();
    Poller.Schedule schedule = null;
    String poll = env.get(POLL_DELAY_ENV);
    if (poll != null && !poll.isBlank()) {
      Duration delay = Duration.ofMillis(parsePositive(POLL_DELAY_ENV, poll.trim()));
      schedule = new Poller.Schedule(delay, delay, Duration.ZERO, delay, 1.0, 0);
    }
    Retry.Policy undo = tuning.undoRetry();
    String retry = env.get(UNDO_RETRY_ENV);
    if (retry != null && !retry.isBlank()) {
      String[] parts = retry.trim().split(",");
      if (parts.length != 2) {
        throw new ConfigException(
            "environment "
                + UNDO_RETRY_ENV
                + "='"
                + retry
                + "' must be 'attempts,initialDelayMs'; fix or unset it");
      }
      int attempts = (int) parsePositive(UNDO_RETRY_ENV, parts[0].trim());
      Duration initial = Duration.ofMillis(parsePositive(UNDO_RETRY_ENV, parts[1].trim()));
      undo = new Retry.Policy(attempts, initial, initial.multipliedBy(8), Duration.ofMinutes(5));
    }
    String checkIp = env.get(CHECKIP_ENV);
    URI url = DEFAULT_CHECKIP;
    if (checkIp != null && !checkIp.isBlank()) {
      try {
        url = URI.create(checkIp.trim());
      } catch (IllegalArgumentException e) {
        throw new ConfigException(
            "environment " + CHECKIP_ENV + "='" + checkIp + "' is not a URL; fix or unset it");
      }
    }
    return new BuildTuning(schedule, undo, url);
  }

  /** The retry every undo of this build uses. */
  public Retry undo() {
    return new Retry(undoRetry, AwsErrors::isRetryableForUndo);
  }

  private static long parsePositive(String name, String text) {
    try {
      long value = Long.parseLong(text);
      if (value < 1) {
        throw new NumberFormatException();
      }
      return value;
    } catch (NumberFormatException e) {
      throw new ConfigException(
          "environment " + name + "='" + text + "' must be a positive number; fix or unset it");
    }
  }
}
