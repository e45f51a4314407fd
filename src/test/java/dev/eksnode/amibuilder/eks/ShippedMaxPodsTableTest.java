package dev.eksnode.amibuilder.eks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The eni-max-pods.txt the project ships (installed as /etc/eks/eni-max-pods.txt) against tables
 * generated from the real EC2 API, both kept in src/test/resources:
 *
 * <ul>
 *   <li>{@code eni-max-pods.vpc-cni-2026-08.txt}: aws/amazon-vpc-cni-k8s misc/eni-max-pods.txt at
 *       commit b52188387f2e (2026-08-20), 1391 types, a byte-for-byte copy of the project's
 *       shared/data file of that name (its first lines say so);
 *   <li>{@code eni-max-pods.reference.txt}: the table amazon-eks-ami shipped, generated 2023-02-07.
 * </ul>
 */
class ShippedMaxPodsTableTest {

  /** Types whose value changed between the 2023 table and the 2026 one, with the 2026 value. */
  static final Map<String, Integer> CHANGED_SINCE_2023 =
      Map.of(
          "c6in.32xlarge", 394,
          "h1.16xlarge", 394,
          "m6idn.32xlarge", 394,
          "m6in.32xlarge", 394,
          "r6idn.32xlarge", 394,
          "r6in.32xlarge", 394);

  /** Types of the 2023 table that the 2026 table and moto's data no longer list: not shipped. */
  static final Set<String> DROPPED_SINCE_2023 =
      Set.of(
          "cc2.8xlarge",
          "g2.2xlarge",
          "g2.8xlarge",
          "g3.16xlarge",
          "g3.4xlarge",
          "g3.8xlarge",
          "g3s.xlarge",
          "i3.metal",
          "p2.16xlarge",
          "p2.8xlarge",
          "p2.xlarge",
          "u-12tb1.112xlarge",
          "u-18tb1.112xlarge",
          "u-24tb1.112xlarge",
          "u-9tb1.112xlarge",
          "x2ezn.12xlarge",
          "x2ezn.2xlarge",
          "x2ezn.4xlarge",
          "x2ezn.6xlarge",
          "x2ezn.8xlarge",
          "x2ezn.metal");

  static String shippedText() throws IOException {
    Path root =
        Path.of(System.getProperty("amibuilder.projectDir", System.getProperty("user.dir")));
    return Files.readString(root.resolve("eni-max-pods.txt"), StandardCharsets.UTF_8);
  }

  static String resource(String name) throws IOException {
    try (InputStream in = ShippedMaxPodsTableTest.class.getResourceAsStream("/" + name)) {
      if (in == null) {
        throw new IOException(name + " missing from test resources");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void shippedTable_agreesWithTheVpcCni2026Table_onEveryType_andListsAllOfThem()
      throws IOException {
    SortedMap<String, Integer> ours = EniMaxPodsGenerator.parse(shippedText());
    SortedMap<String, Integer> theirs =
        EniMaxPodsGenerator.parse(resource("eni-max-pods.vpc-cni-2026-08.txt"));

    Set<String> both = new TreeSet<>(ours.keySet());
    both.retainAll(theirs.keySet());
    SortedMap<String, String> unequal = new TreeMap<>();
    both.stream()
        .filter(t -> !ours.get(t).equals(theirs.get(t)))
        .forEach(t -> unequal.put(t, ours.get(t) + " vs " + theirs.get(t)));
    Set<String> onlyOurs = new TreeSet<>(ours.keySet());
    onlyOurs.removeAll(theirs.keySet());
    Set<String> onlyTheirs = new TreeSet<>(theirs.keySet());
    onlyTheirs.removeAll(ours.keySet());

    assertEquals(1391, theirs.size(), "the reference copy is the 1391-type table");
    assertEquals(Map.of(), unequal, "values differing from the 2026 table");
    assertEquals(Set.of(), onlyTheirs, "types of the 2026 table we lack");
    assertEquals(Set.of(), onlyOurs, "types we ship that the 2026 table does not confirm");
    assertEquals(1391, both.size());
  }

  @Test
  void shippedTable_keepsThe2023Values_exceptTheSixThatChanged_andDropsTheUnconfirmedTypes()
      throws IOException {
    SortedMap<String, Integer> ours = EniMaxPodsGenerator.parse(shippedText());
    SortedMap<String, Integer> old2023 =
        EniMaxPodsGenerator.parse(resource("eni-max-pods.reference.txt"));

    Map<String, Integer> differing = new TreeMap<>();
    Set<String> missing = new TreeSet<>();
    old2023.forEach(
        (type, value) -> {
          Integer now = ours.get(type);
          if (now == null) {
            missing.add(type);
          } else if (!now.equals(value)) {
            differing.put(type, now);
          }
        });

    assertEquals(new TreeMap<>(CHANGED_SINCE_2023), differing);
    assertEquals(new TreeSet<>(DROPPED_SINCE_2023), missing);
  }

  @Test
  void shippedTable_headerSaysWhereTheDataCameFromAndWhen() throws IOException {
    String header =
        shippedText().lines().takeWhile(l -> l.startsWith("#")).reduce("", (a, b) -> a + b + "\n");
    for (String fact :
        new String[] {
          "aws/amazon-vpc-cni-k8s",
          "misc/eni-max-pods.txt",
          "commit b52188387f2e (2026-08-20)",
          "EC2",
          "DescribeInstanceTypes",
          "1391",
          "src/test/resources/eni-max-pods.vpc-cni-2026-08.txt"
        }) {
      assertTrue(header.contains(fact), fact + " missing from the header:\n" + header);
    }
  }

  @Test
  void shippedTable_readAsTheCommandReadsIt_answersKnownTypes() throws IOException {
    Path root =
        Path.of(System.getProperty("amibuilder.projectDir", System.getProperty("user.dir")));
    EniMaxPodsTable table = EniMaxPodsTable.read(root.resolve("eni-max-pods.txt"));
    assertEquals(1391, table.size());
    assertEquals(OptionalInt.of(29), table.maxPods("m5.large"));
    assertEquals(OptionalInt.of(394), table.maxPods("h1.16xlarge"));
    assertEquals(OptionalInt.of(394), table.maxPods("c6in.32xlarge"));
    assertEquals(OptionalInt.of(78), table.maxPods("m8in.large"));
    assertEquals(OptionalInt.of(758), table.maxPods("g7.48xlarge"));
    assertEquals(OptionalInt.empty(), table.maxPods("g2.2xlarge"));
  }
}
