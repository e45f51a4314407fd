package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.aws.AwsErrors;
import dev.eksnode.amibuilder.aws.Poller;
import dev.eksnode.amibuilder.pipeline.Cancellation;
import dev.eksnode.amibuilder.pipeline.Retry;
import dev.eksnode.amibuilder.pipeline.TimeSource;
import dev.eksnode.amibuilder.template.AmazonEbsSettings;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The pollers and retries of one build, all on one injected {@link TimeSource}, so a test drives
 * every wait with fake time.
 */
public final class Waits {
  private final BuildTuning tuning;
  private final AmazonEbsSettings.Polling polling;
  private final TimeSource time;
  private final Cancellation cancellation;

  /**
   * @param polling the template's aws_polling, or null
   * @param cancellation the build's: Ctrl-C ends its waits (undo waits ignore it)
   */
  public Waits(
      BuildTuning tuning,
      AmazonEbsSettings.Polling polling,
      TimeSource time,
      Cancellation cancellation) {
    this.tuning = Objects.requireNonNull(tuning, "tuning");
    this.polling = polling;
    this.time = Objects.requireNonNull(time, "time");
    this.cancellation = Objects.requireNonNull(cancellation, "cancellation");
  }

  public TimeSource time() {
    return time;
  }

  /** Polls with the build's cancellation: Ctrl-C ends the wait. */
  public Poller poller() {
    return new Poller(schedule(), time, cancellation);
  }

  /**
   * Polls for images at the responsive pace, so an image that becomes available is noticed within
   * about 2 s in the first minutes, backing off to at most the template's aws_polling delay (and
   * never past 15 s). Packer sleeps the full delay between polls; the template's delay × attempts
   * still bounds the wait (imageTimeout).
   */
  public Poller imagePoller() {
    Poller.Schedule schedule =
        tuning.pollSchedule() != null ? tuning.pollSchedule() : imageSchedule(polling);
    return new Poller(schedule, time, cancellation);
  }

  static Poller.Schedule imageSchedule(AmazonEbsSettings.Polling polling) {
    Poller.Schedule responsive = Poller.Schedule.responsive();
    if (polling == null) {
      return responsive;
    }
    // Validation keeps delay_seconds at 1 or more; a zero delay from a hand-built spec still polls
    // every second.
    return responsive.cappedAt(
        polling.delay().isZero() || polling.delay().isNegative()
            ? Duration.ofSeconds(1)
            : polling.delay());
  }

  /** How long an image may take to become available. */
  public Duration imageTimeout() {
    Duration total = polling == null ? Duration.ZERO : polling.total();
    return total.isZero() || total.isNegative() ? Duration.ofMinutes(45) : total;
  }

  /**
   * Retries RunInstances while EC2 does not yet know a just-made instance profile (IAM changes take
   * seconds to reach EC2): from 1 s, growing by half each time to 8 s, so a two-minute bound costs
   * about 20 calls. With the cancellation: Ctrl-C ends it.
   */
  public Poller instanceProfilePoller() {
    Poller.Schedule schedule =
        tuning.pollSchedule() != null
            ? tuning.pollSchedule()
            : new Poller.Schedule(
                Duration.ofSeconds(1),
                Duration.ofSeconds(8),
                Duration.ZERO,
                Duration.ofSeconds(8),
                1.5,
                0);
    return new Poller(schedule, time, cancellation);
  }

  /** Polls without the build's cancellation: an undo must finish its wait even after Ctrl-C. */
  public Poller undoPoller() {
    return new Poller(schedule(), time, Cancellation.create());
  }

  /** The retry of every undo call of this build. */
  public Retry undoRetry() {
    return new Retry(
        tuning.undoRetry(),
        AwsErrors::isRetryableForUndo,
        time,
        () -> ThreadLocalRandom.current().nextDouble());
  }

  private Poller.Schedule schedule() {
    return tuning.pollSchedule() != null ? tuning.pollSchedule() : Poller.Schedule.responsive();
  }
}
