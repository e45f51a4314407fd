package dev.eksnode.amibuilder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code max-pods} without AWS: the shipped eni-max-pods.txt answers when no CNI option asks for
 * the calculation. The environment has no AWS credentials and the endpoint answers nothing, so any
 * AWS call would fail the command.
 */
class MaxPodsCommandTest {
  private static final String NOWHERE = "http://127.0.0.1:9";
  @TempDir Path root;
  TestHome home;

  @BeforeEach
  void setUp() throws Exception {
    home = new TestHome(root);
    Files.copy(
        TestHome.projectDir().resolve("eni-max-pods.txt"),
        home.home.resolve("eni-max-pods.txt"),
        StandardCopyOption.REPLACE_EXISTING);
  }

  @Test
  void aTypeNewInThe2026Table_isAnsweredFromTheShippedTable_withoutCredentials() {
    TestHome.Result r =
        home.run("max-pods", "--endpoint-url", NOWHERE, "--instance-type", "m8in.large");
    assertEquals(0, r.code(), r.err());
    assertEquals("78\n", r.out());
    assertEquals("", r.err());

    TestHome.Result changed =
        home.run("max-pods", "--endpoint-url", NOWHERE, "--instance-type", "h1.16xlarge");
    assertEquals("394\n", changed.out(), changed.err());
  }

  @Test
  void json_namesTheTableAsTheSource() throws Exception {
    TestHome.Result r =
        home.run("max-pods", "--endpoint-url", NOWHERE, "--instance-type", "c9g.large", "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode event = new ObjectMapper().readTree(r.out());
    assertEquals("max-pods", event.get("event").asText());
    assertEquals("c9g.large", event.get("instance_type").asText());
    assertEquals(59, event.get("max_pods").asInt());
    assertEquals("eni-max-pods.txt", event.get("source").asText());
  }

  @Test
  void aTypeTheTableLacks_isExitTwoPointingAtCniVersion() {
    TestHome.Result r =
        home.run("max-pods", "--endpoint-url", NOWHERE, "--instance-type", "g2.2xlarge");
    assertEquals(2, r.code(), r.err());
    assertEquals(1, r.errLines().size(), r.err());
    assertTrue(
        r.err().startsWith("error: --instance-type g2.2xlarge is not in ")
            && r.err().contains("(1391 types)")
            && r.err().contains("--cni-version"),
        r.err());
  }

  @Test
  void cniOptionsWithoutCniVersion_areExitTwo() {
    for (List<String> options :
        List.of(
            List.of("--show-max-allowed"),
            List.of("--cni-prefix-delegation-enabled"),
            List.of("--cni-custom-networking-enabled"),
            List.of("--cni-max-eni", "2"))) {
      List<String> args =
          new java.util.ArrayList<>(
              List.of("max-pods", "--endpoint-url", NOWHERE, "--instance-type", "m5.large"));
      args.addAll(options);
      TestHome.Result r = home.run(args.toArray(String[]::new));
      assertEquals(2, r.code(), options + ": " + r.err());
      assertEquals(1, r.errLines().size(), r.err());
      assertTrue(r.err().contains("--cni-version"), r.err());
    }
  }

  @Test
  void missingTable_isExitTwoNamingIt() throws Exception {
    Files.delete(home.home.resolve("eni-max-pods.txt"));
    TestHome.Result r =
        home.run("max-pods", "--endpoint-url", NOWHERE, "--instance-type", "m5.large");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("eni-max-pods.txt does not exist"), r.err());
  }
}
