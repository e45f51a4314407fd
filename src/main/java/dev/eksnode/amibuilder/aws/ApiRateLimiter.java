package dev.eksnode.amibuilder.aws;

import dev.eksnode.amibuilder.pipeline.TimeSource;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.AwsExecutionAttribute;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.regions.Region;

/**
 * Token buckets in front of the EC2 API, shared by every build in the process so a matrix of builds
 * stays under EC2's request-rate limits instead of finding them through {@code
 * RequestLimitExceeded}. EC2 throttles per account, region and API action (each action has its own
 * bucket; mutating actions get a smaller refill than describe calls), so there is one bucket per
 * region and action, sized by the action's class. A shared bucket per class would make a matrix of
 * builds queue behind each other for calls EC2 would have accepted. Waiting callers queue in
 * arrival order (a reservation may drive a bucket negative).
 *
 * <p>Create one per process and hand it to the {@link AwsClientFactory}; it is not a singleton so
 * tests get their own.
 */
public final class ApiRateLimiter {
  private static final Logger log = LoggerFactory.getLogger(ApiRateLimiter.class);

  /**
   * @param capacity burst size
   * @param perSecond refill rate
   */
  public record Bucket(int capacity, double perSecond) {
    public Bucket {
      if (capacity < 1 || perSecond <= 0) {
        throw new IllegalArgumentException("bucket needs capacity >= 1 and a positive rate");
      }
    }
  }

  private final Bucket mutating;
  private final Bucket readOnly;
  private final TimeSource time;
  private final Map<String, State> buckets = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> calls = new ConcurrentHashMap<>();
  private final ExecutionInterceptor interceptor = new PermitInterceptor();

  public ApiRateLimiter(Bucket mutating, Bucket readOnly, TimeSource time) {
    this.mutating = Objects.requireNonNull(mutating, "mutating");
    this.readOnly = Objects.requireNonNull(readOnly, "readOnly");
    this.time = Objects.requireNonNull(time, "time");
  }

  /**
   * Per-action buckets under EC2's documented defaults, so other tools of the account keep some
   * room: a mutating action 40 burst / 5 per second, a describe action 80 burst / 16 per second.
   */
  public static ApiRateLimiter ec2Defaults() {
    return new ApiRateLimiter(new Bucket(40, 5), new Bucket(80, 16), TimeSource.system());
  }

  /** Waits for a permit for {@code operation} in {@code region}. */
  public void acquire(String region, String operation) throws InterruptedException {
    Duration wait = reserve(region, operation);
    if (!wait.isZero()) {
      log.debug("Rate limit: {} in {} waits {} ms", operation, region, wait.toMillis());
      time.sleep(wait);
    }
  }

  /** Takes a permit and returns how long the caller must wait before using it. */
  Duration reserve(String region, String operation) {
    calls.computeIfAbsent(operation, k -> new LongAdder()).increment();
    boolean readOnlyCall = isReadOnly(operation);
    Bucket bucket = readOnlyCall ? readOnly : mutating;
    State state = buckets.computeIfAbsent(region + "/" + operation, k -> new State(bucket));
    return state.take(bucket, time.nanoTime());
  }

  /** Calls seen per operation name, e.g. for the benchmark's "API calls by action". */
  public Map<String, Long> callCounts() {
    Map<String, Long> result = new TreeMap<>();
    calls.forEach((op, n) -> result.put(op, n.sum()));
    return result;
  }

  /**
   * An interceptor taking a permit before every attempt (retries included) of the client's calls.
   */
  public ExecutionInterceptor interceptor() {
    return interceptor;
  }

  private final class PermitInterceptor implements ExecutionInterceptor {
    @Override
    public void beforeTransmission(
        Context.BeforeTransmission context, ExecutionAttributes attributes) {
      Region region = attributes.getAttribute(AwsExecutionAttribute.AWS_REGION);
      String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
      try {
        acquire(region == null ? "global" : region.id(), operation == null ? "unknown" : operation);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw AbortedException.builder()
            .message("interrupted while waiting for the API rate limiter")
            .cause(e)
            .build();
      }
    }
  }

  static boolean isReadOnly(String operation) {
    return operation.startsWith("Describe")
        || operation.startsWith("Get")
        || operation.startsWith("List");
  }

  private static final class State {
    private double tokens;
    private long lastNanos;
    private boolean started;

    private State(Bucket bucket) {
      this.tokens = bucket.capacity();
    }

    private synchronized Duration take(Bucket bucket, long now) {
      if (started) {
        double refill = (now - lastNanos) / 1e9 * bucket.perSecond();
        tokens = Math.min(bucket.capacity(), tokens + refill);
      }
      started = true;
      lastNanos = now;
      tokens -= 1;
      if (tokens >= 0) {
        return Duration.ZERO;
      }
      return Duration.ofNanos((long) Math.ceil(-tokens / bucket.perSecond() * 1e9));
    }
  }
}
