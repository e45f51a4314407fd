package dev.eksnode.amibuilder.ebs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.aws.Poller;
import dev.eksnode.amibuilder.pipeline.Cancellation;
import dev.eksnode.amibuilder.pipeline.FakeTime;
import dev.eksnode.amibuilder.template.AmazonEbsSettings;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ImageScheduleTest {
  private final FakeTime time = new FakeTime();

  /**
   * Polls until the image turns available at {@code readyAfter}; returns when the wait noticed it.
   */
  private Duration noticed(AmazonEbsSettings.Polling polling, Duration readyAfter)
      throws InterruptedException {
    long start = time.nanoTime();
    new Poller(Waits.imageSchedule(polling), time, Cancellation.create())
        .waitFor(
            "image",
            () -> time.nanoTime() - start >= readyAfter.toNanos() ? "available" : "pending")
        .until("available"::equals)
        .timeout(Duration.ofHours(1))
        .await();
    return Duration.ofNanos(time.nanoTime() - start);
  }

  @Test
  void shippedTemplatePolling_noticesAnImageWithin2sNotAfterThe30sDelay()
      throws InterruptedException {
    Duration seen =
        noticed(new AmazonEbsSettings.Polling(Duration.ofSeconds(30), 90), Duration.ofSeconds(20));

    assertTrue(seen.compareTo(Duration.ofSeconds(22)) <= 0, "noticed after " + seen);
  }

  @Test
  void longWait_backsOffTo15sAtMost() throws InterruptedException {
    noticed(new AmazonEbsSettings.Polling(Duration.ofSeconds(30), 90), Duration.ofMinutes(20));

    assertTrue(
        time.sleeps().stream().allMatch(d -> d.compareTo(Duration.ofSeconds(15)) <= 0),
        time.sleeps()::toString);
    assertEquals(Duration.ofSeconds(15), time.sleeps().get(time.sleeps().size() - 1));
  }

  @Test
  void shortTemplateDelay_isTheCap() throws InterruptedException {
    noticed(new AmazonEbsSettings.Polling(Duration.ofSeconds(5), 10), Duration.ofMinutes(10));

    assertEquals(
        Duration.ofSeconds(5), time.sleeps().stream().max(Duration::compareTo).orElseThrow());
  }

  @Test
  void noPollingBlock_usesTheResponsiveSchedule() {
    assertEquals(Poller.Schedule.responsive(), Waits.imageSchedule(null));
  }
}
