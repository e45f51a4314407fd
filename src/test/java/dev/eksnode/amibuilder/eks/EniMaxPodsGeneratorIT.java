package dev.eksnode.amibuilder.eks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.eks.InstanceTypeInfo.UnknownInstanceTypeException;
import dev.eksnode.amibuilder.eks.MaxPodsCalculator.Settings;
import dev.eksnode.amibuilder.rig.FaultProxy;
import dev.eksnode.amibuilder.rig.MotoExtension;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;

class EniMaxPodsGeneratorIT {

  private static final Logger LOG = LoggerFactory.getLogger(EniMaxPodsGeneratorIT.class);
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2025-06-01T10:00:00Z"), ZoneOffset.UTC);

  /**
   * Types whose moto 5.1.22 data differs from what AWS returned when the 2023 reference table was
   * made (2023-02-07), with the value moto's data gives. The formula is not at fault: moto lists 8
   * ENIs on the default card of the *in/*idn.32xlarge types (the 2023 table's 345 means 7), and 8
   * ENIs for h1.16xlarge (737 meant 15). The VPC CNI project's 2026-08 table, also generated from
   * EC2, gives 394 for all six, so moto's data is the newer one here. Listed exactly, so any other
   * disagreement, or one of these going away with new moto data, fails the test.
   */
  static final Map<String, Integer> KNOWN_MOTO_DIFFERENCES =
      Map.of(
          "c6in.32xlarge", 394,
          "h1.16xlarge", 394,
          "m6idn.32xlarge", 394,
          "m6in.32xlarge", 394,
          "r6idn.32xlarge", 394,
          "r6in.32xlarge", 394);

  @RegisterExtension static final MotoExtension MOTO = new MotoExtension();

  @TempDir Path dir;

  @Test
  void generate_fromMotoInstanceTypes_agreesWithTheReferenceForEveryCommonType()
      throws IOException {
    SortedMap<String, Integer> reference = EniMaxPodsGenerator.parse(referenceText());
    SortedMap<String, Integer> generated;
    try (Ec2Client east = MOTO.ec2(Region.US_EAST_1);
        Ec2Client west = MOTO.ec2(Region.EU_WEST_1)) {
      generated =
          EniMaxPodsGenerator.parse(
              EniMaxPodsGenerator.generate(
                  List.of(east, west), null, CLOCK, "moto at " + MOTO.endpoint()));
    }

    Map<String, Integer> disagreements = new TreeMap<>();
    int compared = 0;
    for (Map.Entry<String, Integer> entry : reference.entrySet()) {
      Integer ours = generated.get(entry.getKey());
      if (ours == null) {
        continue;
      }
      compared++;
      if (!ours.equals(entry.getValue())) {
        disagreements.put(entry.getKey(), ours);
      }
    }
    LOG.info(
        "eni-max-pods: {} types in reference, {} generated from moto, {} compared, {} agree, "
            + "disagreeing (generated values) {}",
        reference.size(),
        generated.size(),
        compared,
        compared - disagreements.size(),
        disagreements);

    assertTrue(compared > 600, "only " + compared + " types in common");
    assertEquals(new TreeMap<>(KNOWN_MOTO_DIFFERENCES), disagreements);
  }

  @Test
  void generate_fromMotoInstanceTypes_agreesWithTheVpcCni2026TableOnEveryType() throws IOException {
    SortedMap<String, Integer> current =
        EniMaxPodsGenerator.parse(
            ShippedMaxPodsTableTest.resource("eni-max-pods.vpc-cni-2026-08.txt"));
    SortedMap<String, Integer> generated;
    try (Ec2Client east = MOTO.ec2(Region.US_EAST_1);
        Ec2Client west = MOTO.ec2(Region.US_WEST_2)) {
      generated =
          EniMaxPodsGenerator.parse(
              EniMaxPodsGenerator.generate(List.of(east, west), null, CLOCK, "moto"));
    }
    Map<String, String> disagreements = new TreeMap<>();
    Set<String> notInCurrent = new TreeSet<>();
    generated.forEach(
        (type, value) -> {
          Integer theirs = current.get(type);
          if (theirs == null) {
            notInCurrent.add(type);
          } else if (!theirs.equals(value)) {
            disagreements.put(type, value + " vs " + theirs);
          }
        });
    LOG.info(
        "eni-max-pods: {} types from moto, {} in the 2026 table, {} compared, {} disagree",
        generated.size(),
        current.size(),
        generated.size() - notInCurrent.size(),
        disagreements.size());
    // moto's data is a subset of the 2026 table and the generator reproduces every value of it.
    assertEquals(Set.of(), notInCurrent);
    assertEquals(Map.of(), disagreements);
    assertTrue(generated.size() > 1000, "only " + generated.size() + " types from moto");
  }

  @Test
  void generate_keepsTypesOnlyTheExistingFileLists_andReplacesValuesTheApiReturns()
      throws IOException {
    Path existing = dir.resolve("eni-max-pods.txt");
    Files.writeString(existing, "# old\nm5.large 1\nzz.retired 7\n");

    String text;
    try (Ec2Client ec2 = MOTO.ec2()) {
      text = EniMaxPodsGenerator.generate(List.of(ec2), existing, CLOCK, "moto");
    }

    SortedMap<String, Integer> table = EniMaxPodsGenerator.parse(text);
    assertEquals(29, table.get("m5.large"));
    assertEquals(7, table.get("zz.retired"));
    assertTrue(
        text.contains("# Generated by ami-builder (EniMaxPodsGenerator) at 2025-06-01T10:00:00Z"),
        text);
    assertTrue(text.contains("# 1 types not returned"), text);
  }

  @Test
  void generate_followsNextTokenAcrossPages() {
    try (FaultProxy proxy = FaultProxy.start(MOTO.endpoint());
        Ec2Client ec2 =
            MotoExtension.configure(Ec2Client.builder(), proxy.endpoint(), Region.US_EAST_1)) {
      proxy
          .on("DescribeInstanceTypes")
          .call(1)
          .respond(
              200,
              "text/xml",
              "<DescribeInstanceTypesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
                  + "<requestId>r-1</requestId><instanceTypeSet><item><instanceType>zz.paged</instanceType>"
                  + "<networkInfo><maximumNetworkInterfaces>2</maximumNetworkInterfaces>"
                  + "<ipv4AddressesPerInterface>4</ipv4AddressesPerInterface></networkInfo></item>"
                  + "</instanceTypeSet><nextToken>page-2</nextToken></DescribeInstanceTypesResponse>");

      SortedMap<String, Integer> table =
          EniMaxPodsGenerator.parse(
              EniMaxPodsGenerator.generate(List.of(ec2), null, CLOCK, "proxy"));

      assertEquals(2, proxy.count("DescribeInstanceTypes"), "first page canned, second from moto");
      assertEquals(8, table.get("zz.paged"));
      assertEquals(29, table.get("m5.large"));
    }
  }

  @Test
  void describe_thenCalculate_givesTheReferenceExamples() {
    try (Ec2Client ec2 = MOTO.ec2()) {
      InstanceTypeInfo m5 = InstanceTypeInfo.describe(ec2, "m5.8xlarge");
      InstanceTypeInfo m4 = InstanceTypeInfo.describe(ec2, "m4.xlarge");

      assertEquals(234, MaxPodsCalculator.maxPods(m5, Settings.of("1.10.1")));
      assertEquals(
          250, MaxPodsCalculator.maxPods(m5, Settings.of("1.10.1").withPrefixDelegation()));
      assertEquals(
          3714,
          MaxPodsCalculator.maxPods(
              m5, Settings.of("1.10.1").withPrefixDelegation().withShowMaxAllowed()));
      assertEquals(58, MaxPodsCalculator.maxPods(m4, Settings.of("1.10.1")));
    }
  }

  @Test
  void describe_unknownType_failsNamingIt() {
    try (Ec2Client ec2 = MOTO.ec2()) {
      UnknownInstanceTypeException error =
          assertThrows(
              UnknownInstanceTypeException.class, () -> InstanceTypeInfo.describe(ec2, "m99.huge"));
      assertTrue(error.getMessage().contains("m99.huge"), error.getMessage());
    }
  }

  static String referenceText() throws IOException {
    try (InputStream in =
        EniMaxPodsGeneratorIT.class.getResourceAsStream("/eni-max-pods.reference.txt")) {
      if (in == null) {
        throw new IOException("eni-max-pods.reference.txt missing from test resources");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
