package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.template.AmazonEbsSettings;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Image;

/**
 * The look-ups the builds of one matrix share, so that N entries do not send N copies of the same
 * DescribeImages:
 *
 * <ul>
 *   <li>the source AMI: entries with the same EC2 client (endpoint and region) and the same source
 *       settings ask once, and the others wait for that answer;
 *   <li>the network (the subnet, or the default VPC) and the instance type's offering and
 *       architectures, likewise per EC2 client and setting;
 *   <li>{@code --reuse}'s earlier bakes: one DescribeImages per EC2 client lists every finished
 *       bake of this account there ({@link ReuseLookup#listAll}), and each entry picks its
 *       fingerprint from that list, where a build on its own asks for its fingerprint alone.
 * </ul>
 *
 * A failed look-up is handed to the builds that waited for it and then forgotten, so a later build
 * asks afresh.
 */
final class SharedLookups {
  private final Map<List<Object>, CompletableFuture<Object>> found;

  private SharedLookups(boolean shared) {
    this.found = shared ? new ConcurrentHashMap<>() : null;
  }

  /** Look-ups shared by every build given this instance (the entries of a matrix). */
  static SharedLookups shared() {
    return new SharedLookups(true);
  }

  /** Every look-up asks EC2 for just what its build needs (a build on its own). */
  static SharedLookups unshared() {
    return new SharedLookups(false);
  }

  BuildState.SourceImage resolve(Ec2Client ec2, AmazonEbsSettings s) throws InterruptedException {
    return lookUp(
        List.of("source", ec2, s.region(), s.source()), () -> PreflightStep.resolveSource(ec2, s));
  }

  /** The build's network: the given subnet, or the default VPC. */
  BuildState.Network network(Ec2Client ec2, AmazonEbsSettings s) throws InterruptedException {
    String subnet = Objects.toString(s.network().subnetId(), "");
    return lookUp(List.of("network", ec2, s.region(), subnet), () -> PreflightStep.network(ec2, s));
  }

  /** Fails unless EC2 offers {@code type} in {@code region}. */
  void checkInstanceType(Ec2Client ec2, String region, String type) throws InterruptedException {
    lookUp(
        List.of("offered", ec2, region, type),
        () -> {
          PreflightStep.checkInstanceType(ec2, region, type);
          return Boolean.TRUE;
        });
  }

  /** The architectures {@code type} runs. */
  List<String> architectures(Ec2Client ec2, String type) throws InterruptedException {
    return lookUp(
        List.of("architectures", ec2, type), () -> PreflightStep.architectures(ec2, type));
  }

  /**
   * This account's available, finished AMIs that {@code ec2}'s region holds with the inputs
   * fingerprint {@code fingerprint}. Unlike the other look-ups, sharing changes the question: one
   * listing of every fingerprint instead of one DescribeImages for this one.
   */
  List<Image> reusable(Ec2Client ec2, String fingerprint) throws InterruptedException {
    if (found == null) {
      return ReuseLookup.find(ec2, fingerprint);
    }
    Map<String, List<Image>> byFingerprint =
        once(
            List.of("reuse", ec2),
            () ->
                ReuseLookup.listAll(ec2).stream()
                    .filter(i -> ReuseLookup.fingerprintOf(i) != null)
                    .collect(Collectors.groupingBy(ReuseLookup::fingerprintOf)));
    return byFingerprint.getOrDefault(fingerprint, List.of());
  }

  private interface LookUp<T> {
    T get() throws InterruptedException;
  }

  /** {@code work}'s answer: asked once per key when shared, every time when not. */
  private <T> T lookUp(List<Object> key, LookUp<T> work) throws InterruptedException {
    return found == null ? work.get() : once(key, work);
  }

  @SuppressWarnings("unchecked")
  private <T> T once(List<Object> key, LookUp<T> work) throws InterruptedException {
    CompletableFuture<Object> mine = new CompletableFuture<>();
    CompletableFuture<Object> earlier = found.putIfAbsent(key, mine);
    if (earlier == null) {
      try {
        T value = work.get();
        mine.complete(value);
        return value;
      } catch (RuntimeException | InterruptedException e) {
        found.remove(key, mine);
        mine.completeExceptionally(e);
        throw e;
      }
    }
    try {
      return (T) earlier.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(e.getCause());
    }
  }
}
