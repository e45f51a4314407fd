package dev.eksnode.amibuilder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.eks.EniMaxPodsGenerator;
import dev.eksnode.amibuilder.rig.MotoExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code max-pods} and {@code max-pods generate} against moto's EC2 instance-type data. */
class MaxPodsCommandIT {
  @RegisterExtension static final MotoExtension MOTO = new MotoExtension();
  @TempDir Path root;
  TestHome home;

  @BeforeEach
  void setUp() {
    home = new TestHome(root);
    // Credentials come from the command's environment, as for a build; moto accepts any key.
    home.env.put("AWS_ACCESS_KEY_ID", "testing");
    home.env.put("AWS_SECRET_ACCESS_KEY", "testing");
  }

  private TestHome.Result maxPods(String... args) {
    String[] full = new String[args.length + 5];
    full[0] = "max-pods";
    full[1] = "--endpoint-url";
    full[2] = MOTO.endpoint().toString();
    full[3] = "--region";
    full[4] = "us-east-1";
    System.arraycopy(args, 0, full, 5, args.length);
    return home.run(full);
  }

  @Test
  void maxPods_matchesTheCalculatorScript() {
    assertEquals(
        "234", maxPods("--instance-type", "m5.8xlarge", "--cni-version", "1.11.2").out().strip());
    assertEquals(
        "250",
        maxPods(
                "--instance-type",
                "m5.8xlarge",
                "--cni-version",
                "1.11.2",
                "--cni-prefix-delegation-enabled")
            .out()
            .strip());
    assertEquals(
        "3714",
        maxPods(
                "--instance-type",
                "m5.8xlarge",
                "--cni-version",
                "1.11.2",
                "--cni-prefix-delegation-enabled",
                "--show-max-allowed")
            .out()
            .strip());
    assertEquals(
        "58", maxPods("--instance-type", "m4.xlarge", "--cni-version", "1.7.5").out().strip());
    assertEquals(
        "29", maxPods("--instance-type", "m5.large", "--cni-version", "1.10.0").out().strip());
  }

  @Test
  void maxPods_badInput_isExitTwoWithOneLine() {
    TestHome.Result unknown = maxPods("--instance-type", "m9.huge", "--cni-version", "1.10.0");
    assertEquals(2, unknown.code());
    assertEquals(1, unknown.errLines().size(), unknown.err());
    assertTrue(unknown.err().contains("m9.huge"), unknown.err());
    // Without --cni-version the installation's table answers; this home's table lists m5.large
    // only.
    assertEquals("29", maxPods("--instance-type", "m5.large").out().strip());
    TestHome.Result notInTable = maxPods("--instance-type", "m5.xlarge");
    assertEquals(2, notInTable.code());
    assertTrue(notInTable.err().contains("--cni-version"), notInTable.err());
  }

  @Test
  void generate_writesASortedTableWithHeader_keepingTypesTheApiLacks() throws Exception {
    Path out = home.write("eni-max-pods.txt", "# old\nzz.retired 42\nm5.large 1\n");
    TestHome.Result r = maxPods("generate", "--output", out.toString(), "--region", "us-east-1");
    assertEquals(0, r.code(), r.err());
    String text = Files.readString(out);
    var table = EniMaxPodsGenerator.parse(text);
    assertEquals(29, table.get("m5.large"), "API value replaces the old one");
    assertEquals(42, table.get("zz.retired"), "types the API no longer returns are kept");
    assertTrue(table.size() > 500, "expected moto's full instance-type list, got " + table.size());
    assertTrue(text.startsWith("#"), "header first");
    assertTrue(text.contains(MOTO.endpoint().toString()), "header names the source");
    var names = new java.util.ArrayList<>(table.keySet());
    var sorted = new java.util.ArrayList<>(names);
    java.util.Collections.sort(sorted);
    assertEquals(sorted, names);
  }
}
