package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.aws.AwsErrors;
import dev.eksnode.amibuilder.aws.ShieldedCall;
import dev.eksnode.amibuilder.pipeline.Resource;
import dev.eksnode.amibuilder.pipeline.ResourceKind;
import dev.eksnode.amibuilder.pipeline.Retry;
import dev.eksnode.amibuilder.pipeline.TimeSource;
import dev.eksnode.amibuilder.pipeline.UndoReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One create call (RunInstances, ImportKeyPair, CreateImage, ...) and the answer to "what did it
 * create?" that its step's undo asks. The call runs shielded from interrupts ({@link ShieldedCall})
 * and every id it answers is journaled at once. When the call was sent but no answer came back (an
 * SDK timeout, a connection lost after AWS acted, a 5xx), the undo looks the resource up by its
 * idempotency token or build-id tag; when AWS refused it outright (a 4xx), nothing was created and
 * nothing is looked up.
 */
final class CreateAttempt {
  private static final Logger log = LoggerFactory.getLogger(CreateAttempt.class);

  /**
   * Lookups while the answer is empty: tag filters can miss a resource for a few seconds after its
   * creation.
   */
  static final int LOOKUPS = 3;

  /**
   * An idempotency token for the {@code run}-th run of a step ({@code --on-error ask} may retry
   * one): the first run's is {@code base} itself, a retry's differs, because the retry comes after
   * the step's undo removed what the earlier token made, and EC2 would answer the same token with
   * that removed resource again.
   */
  static String clientToken(String base, int run) {
    return run <= 1 ? base : base + "-retry" + (run - 1);
  }

  /** Finds the ids the call may have created. */
  @FunctionalInterface
  interface Lookup {
    List<String> find() throws Exception;
  }

  private enum State {
    NOT_SENT,
    SENT,
    REFUSED,
    ANSWERED
  }

  private final String action;
  private final ResourceKind kind;
  private final String region;
  private final String label;
  private final Lookup lookup;
  private final Consumer<Resource> journal;
  private final Retry retry;
  private final TimeSource time;
  private final Duration backoff;
  private final Set<String> ids = new LinkedHashSet<>();
  private State state = State.NOT_SENT;

  /**
   * @param action the AWS action, for logs and reports
   * @param label what the resource is called before it has an id (its name, "instance of ab-..."),
   *     for reports
   * @param journal records a created resource durably
   * @param retry retries a failing lookup (throttling, 5xx)
   * @param backoff pause before the second lookup, doubled before the third
   */
  CreateAttempt(
      String action,
      ResourceKind kind,
      String region,
      String label,
      Lookup lookup,
      Consumer<Resource> journal,
      Retry retry,
      TimeSource time,
      Duration backoff) {
    this.action = Objects.requireNonNull(action, "action");
    this.kind = Objects.requireNonNull(kind, "kind");
    this.region = Objects.requireNonNull(region, "region");
    this.label = Objects.requireNonNull(label, "label");
    this.lookup = Objects.requireNonNull(lookup, "lookup");
    this.journal = Objects.requireNonNull(journal, "journal");
    this.retry = Objects.requireNonNull(retry, "retry");
    this.time = Objects.requireNonNull(time, "time");
    this.backoff = Objects.requireNonNull(backoff, "backoff");
  }

  /**
   * Sends the call; {@code call} reports each id through {@link #answered} as soon as AWS returns
   * it. An interrupt during the call lets it finish first (see {@link ShieldedCall}).
   */
  <T> T run(Supplier<T> call) throws InterruptedException {
    return ShieldedCall.run(
        action,
        () -> {
          synchronized (this) {
            // A refused call sent again (RunInstances while a new instance profile propagates) may
            // create what the first one did not.
            if (state == State.NOT_SENT || state == State.REFUSED) {
              state = State.SENT;
            }
          }
          try {
            return call.get();
          } catch (RuntimeException e) {
            synchronized (this) {
              if (ids.isEmpty() && AwsErrors.isDefiniteRefusal(e)) {
                state = State.REFUSED;
              }
            }
            throw e;
          }
        });
  }

  /** AWS answered with {@code id}: journal it before anything else happens. */
  void answered(String id) {
    boolean added;
    synchronized (this) {
      state = State.ANSWERED;
      added = ids.add(id);
    }
    if (added) {
      journal.accept(new Resource(kind, id, region));
    }
  }

  /** As {@link #created}, as resources of this call's kind and region, for the undo's removers. */
  List<Resource> createdResources(UndoReport report) {
    return created(report).stream().map(id -> new Resource(kind, id, region)).toList();
  }

  /**
   * The ids the call created. For a call without an answer, looks them up (journaling what it
   * finds); when it cannot tell (the lookup failed or was interrupted) it reports a leftover under
   * the resource's label.
   */
  List<String> created(UndoReport report) {
    synchronized (this) {
      if (state != State.SENT) {
        return List.copyOf(ids);
      }
    }
    Resource unknown = new Resource(kind, label, region);
    try {
      for (int n = 1; ; n++) {
        List<String> found = retry.call("look up " + label + " after " + action, lookup::find);
        if (!found.isEmpty()) {
          log.info("{} got no answer, but it created {}; removing it", action, found);
          found.forEach(this::answered);
          synchronized (this) {
            return new ArrayList<>(ids);
          }
        }
        if (n >= LOOKUPS) {
          log.debug("{} got no answer and {} lookups found nothing [region={}]", action, n, region);
          return List.of();
        }
        time.sleep(backoff.multipliedBy(1L << (n - 1)));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      report.leftover(unknown, "interrupted while checking whether " + action + " created it");
      return List.of();
    } catch (Exception e) {
      report.leftover(unknown, action + " got no answer and the lookup failed: " + e.getMessage());
      return List.of();
    }
  }
}
