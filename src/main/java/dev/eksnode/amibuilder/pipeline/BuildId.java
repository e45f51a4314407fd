package dev.eksnode.amibuilder.pipeline;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Objects;
import java.util.function.IntUnaryOperator;
import java.util.regex.Pattern;

/**
 * A build's id, e.g. {@code ab-20261125T1203-7f3k2q}: short enough for a tag value and a file name,
 * sortable by start time (UTC minute), and unique through six random base-36 characters (36^6 ≈
 * 2·10^9 per minute).
 */
public record BuildId(String value) implements Comparable<BuildId> {
  private static final Pattern FORMAT = Pattern.compile("ab-\\d{8}T\\d{4}-[0-9a-z]{6}");
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmm");
  private static final String ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

  public BuildId {
    Objects.requireNonNull(value, "value");
    if (!FORMAT.matcher(value).matches()) {
      throw new IllegalArgumentException(
          "not a build id: '" + value + "' (expected e.g. ab-20261125T1203-7f3k2q)");
    }
  }

  /** Parses and validates a user-supplied id (e.g. {@code cleanup --build-id}). */
  public static BuildId parse(String text) {
    return new BuildId(text == null ? "" : text.trim());
  }

  /** A new id stamped with the current UTC time. */
  public static BuildId generate(Clock clock) {
    SecureRandom random = new SecureRandom();
    return generate(clock, random::nextInt);
  }

  /**
   * @param random given a bound n, returns a value in [0, n)
   */
  public static BuildId generate(Clock clock, IntUnaryOperator random) {
    LocalDateTime now = LocalDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
    StringBuilder suffix = new StringBuilder(6);
    for (int i = 0; i < 6; i++) {
      suffix.append(ALPHABET.charAt(random.applyAsInt(ALPHABET.length())));
    }
    return new BuildId("ab-" + STAMP.format(now) + "-" + suffix);
  }

  /** The UTC minute the build started, read back from the id. */
  public Instant startedAt() {
    return LocalDateTime.parse(value.substring(3, 16), STAMP).toInstant(ZoneOffset.UTC);
  }

  @Override
  public int compareTo(BuildId other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
