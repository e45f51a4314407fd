package dev.eksnode.amibuilder.eks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * Writes the eni-max-pods.txt table (one {@code <instance-type> <max-pods>} line per type) from EC2
 * DescribeInstanceTypes, using the default network card's ENI count.
 */
public final class EniMaxPodsGenerator {

  private static final Logger LOG = LoggerFactory.getLogger(EniMaxPodsGenerator.class);

  private EniMaxPodsGenerator() {}

  /**
   * The table and where its lines came from.
   *
   * @param maxPods max pods by instance type, sorted by type
   * @param kept types taken over from the existing file because no region returned them
   * @param regions the regions queried, in the order given
   */
  public record Table(SortedMap<String, Integer> maxPods, List<String> kept, List<String> regions) {
    public Table {
      maxPods = Collections.unmodifiableSortedMap(new TreeMap<>(maxPods));
      kept = List.copyOf(kept);
      regions = List.copyOf(regions);
    }
  }

  /** The pods an instance type can run with one address per pod: the table's formula. */
  public static int maxPods(InstanceTypeInfo type) {
    return type.defaultCardNetworkInterfaces() * (type.ipv4AddressesPerInterface() - 1) + 2;
  }

  /**
   * As {@link #generate(List, Path, Clock, String)}, querying {@code regions} through {@code aws}.
   */
  public static String generate(
      dev.eksnode.amibuilder.aws.AwsClientFactory aws,
      List<String> regions,
      Path existing,
      Clock clock,
      String sourceDescription) {
    return generate(regions.stream().map(aws::ec2).toList(), existing, clock, sourceDescription);
  }

  /**
   * Queries every client's region and returns the text of the new eni-max-pods.txt.
   *
   * @param clients one EC2 client per region to query (any endpoint)
   * @param existing the current table, whose types no region returns any more are kept; may be null
   *     or a missing file
   * @param clock gives the generation time written in the header
   * @param sourceDescription where the data came from, e.g. "EC2 API at https://ec2.amazonaws.com"
   */
  public static String generate(
      List<Ec2Client> clients, Path existing, Clock clock, String sourceDescription) {
    return render(collect(clients, existing), clock.instant(), sourceDescription);
  }

  /** Queries the regions and merges with the existing table, without rendering. */
  public static Table collect(List<Ec2Client> clients, Path existing) {
    if (clients.isEmpty()) {
      throw new IllegalArgumentException("at least one region must be queried");
    }
    SortedMap<String, Integer> fromApi = new TreeMap<>();
    List<String> regions = new ArrayList<>();
    for (Ec2Client ec2 : clients) {
      String region = ec2.serviceClientConfiguration().region().id();
      regions.add(region);
      int before = fromApi.size();
      ec2
          .describeInstanceTypesPaginator(request -> request.maxResults(100))
          .instanceTypes()
          .stream()
          .map(InstanceTypeInfo::from)
          .forEach(type -> merge(fromApi, type, region));
      LOG.info(
          "DescribeInstanceTypes in {}: {} types not seen in earlier regions",
          region,
          fromApi.size() - before);
    }
    SortedMap<String, Integer> table = new TreeMap<>(fromApi);
    List<String> kept = new ArrayList<>();
    if (existing != null && Files.isRegularFile(existing)) {
      parse(read(existing))
          .forEach(
              (type, value) -> {
                if (!table.containsKey(type)) {
                  table.put(type, value);
                  kept.add(type);
                }
              });
    }
    return new Table(table, kept, regions);
  }

  private static void merge(
      SortedMap<String, Integer> table, InstanceTypeInfo type, String region) {
    int value = maxPods(type);
    Integer earlier = table.putIfAbsent(type.instanceType(), value);
    if (earlier != null && earlier != value) {
      // Regions should agree; if one does not, the first region queried wins so output is stable.
      LOG.warn(
          "{} gives {} in {} but {} in an earlier region; keeping {}",
          type.instanceType(),
          value,
          region,
          earlier,
          earlier);
    }
  }

  /** Renders a table as eni-max-pods.txt text: a {@code #} header, then sorted lines. */
  public static String render(Table table, Instant generatedAt, String sourceDescription) {
    StringBuilder text = new StringBuilder();
    text.append(
            "# Maximum pods per EC2 instance type when each pod gets its own VPC IPv4 address.\n")
        .append("#\n")
        .append("# Generated by ami-builder (EniMaxPodsGenerator) at ")
        .append(generatedAt.truncatedTo(ChronoUnit.SECONDS))
        .append('\n')
        .append("# Source: ")
        .append(sourceDescription.replace('\n', ' '))
        .append('\n')
        .append("#\n# The regions queried were:\n");
    table.regions().forEach(region -> text.append("# - ").append(region).append('\n'));
    text.append("#\n")
        .append("# Formula, with the ENIs of the instance type's default network card:\n")
        .append("# * the first IPv4 address of each ENI is not used by pods\n")
        .append("# * +2 for the host-network pods (aws-node and kube-proxy)\n")
        .append("#\n")
        .append("#   # of ENI * (# of IPv4 per ENI - 1) + 2\n")
        .append("#\n");
    if (!table.kept().isEmpty()) {
      text.append("# ")
          .append(table.kept().size())
          .append(
              " types not returned by these regions keep their value from the previous file.\n#\n");
    }
    table
        .maxPods()
        .forEach((type, value) -> text.append(type).append(' ').append(value).append('\n'));
    return text.toString();
  }

  /** Reads the data lines of an eni-max-pods.txt text; comments and blank lines are skipped. */
  public static SortedMap<String, Integer> parse(String text) {
    SortedMap<String, Integer> table = new TreeMap<>();
    int number = 0;
    for (String line : text.split("\n", -1)) {
      number++;
      String trimmed = line.strip();
      if (trimmed.isEmpty() || trimmed.startsWith("#")) {
        continue;
      }
      String[] fields = trimmed.split("\\s+");
      if (fields.length != 2 || !fields[1].matches("\\d+")) {
        throw new IllegalArgumentException(
            "eni-max-pods line " + number + " is not '<instance-type> <max-pods>': " + line);
      }
      table.put(fields[0], Integer.parseInt(fields[1]));
    }
    return table;
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }
}
