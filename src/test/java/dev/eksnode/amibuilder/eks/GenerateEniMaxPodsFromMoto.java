package dev.eksnode.amibuilder.eks;

import dev.eksnode.amibuilder.rig.MotoExtension;
import dev.eksnode.amibuilder.rig.MotoServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * Regenerates eni-max-pods.txt from moto's instance-type data, for a machine without AWS access.
 * With AWS access use {@code ami-builder max-pods generate}, which queries the real EC2 API.
 *
 * <p>Arguments: {@code OUTPUT [EXISTING [REFERENCE]]}; types missing from moto keep their value
 * from EXISTING (default: OUTPUT itself if it exists). Types listed in REFERENCE (a table generated
 * from the real EC2 API) take its value: real data beats the emulator's where both know the type.
 */
public final class GenerateEniMaxPodsFromMoto {

  private GenerateEniMaxPodsFromMoto() {}

  public static void main(String[] args) throws IOException {
    if (args.length < 1 || args.length > 3) {
      System.err.println("usage: GenerateEniMaxPodsFromMoto OUTPUT [EXISTING [REFERENCE]]");
      System.exit(2);
    }
    Path output = Path.of(args[0]);
    Path existing = Path.of(args.length >= 2 ? args[1] : args[0]);
    Path reference = args.length == 3 ? Path.of(args[2]) : null;
    List<Region> regions = List.of(Region.US_EAST_1, Region.US_WEST_2);
    try (MotoServer moto = MotoExtension.startServer()) {
      List<Ec2Client> clients = new ArrayList<>();
      try {
        for (Region region : regions) {
          clients.add(MotoExtension.configure(Ec2Client.builder(), moto.endpoint(), region));
        }
        EniMaxPodsGenerator.Table table =
            EniMaxPodsGenerator.collect(clients, Files.exists(existing) ? existing : null);
        String source =
            "moto "
                + motoVersion()
                + " DescribeInstanceTypes data (stand-in for the EC2 API; "
                + "generated without AWS access); types moto lacks keep their value from "
                + existing.getFileName();
        if (reference != null) {
          java.util.SortedMap<String, Integer> merged = new java.util.TreeMap<>(table.maxPods());
          merged.putAll(
              EniMaxPodsGenerator.parse(Files.readString(reference, StandardCharsets.UTF_8)));
          table = new EniMaxPodsGenerator.Table(merged, table.kept(), table.regions());
          source +=
              "; values of the types in "
                  + reference.getFileName()
                  + " (real EC2 data) are taken from it";
        }
        String text = EniMaxPodsGenerator.render(table, Clock.systemUTC().instant(), source);
        Files.writeString(output, text, StandardCharsets.UTF_8);
      } finally {
        clients.forEach(Ec2Client::close);
      }
    }
  }

  private static String motoVersion() throws IOException {
    Path pom = Path.of(System.getProperty("amibuilder.projectDir", "."), "pom.xml");
    String text = Files.readString(pom, StandardCharsets.UTF_8);
    int start = text.indexOf("<moto.version>");
    int end = text.indexOf("</moto.version>");
    return start < 0 || end < 0
        ? "(unknown version)"
        : text.substring(start + "<moto.version>".length(), end);
  }
}
