package dev.eksnode.amibuilder.eks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eksnode.amibuilder.cli.TestHome;
import java.nio.file.Files;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The ECR registry of the EKS images per region and partition, agreeing with get-ecr-uri.sh. */
class EcrRegistryTest {
  @Test
  void host_perPartition() {
    assertEquals("602401143452.dkr.ecr.us-west-2.amazonaws.com", EcrRegistry.host("us-west-2"));
    assertEquals("602401143452.dkr.ecr.eu-west-1.amazonaws.com", EcrRegistry.host("eu-west-1"));
    assertEquals("800184023465.dkr.ecr.ap-east-1.amazonaws.com", EcrRegistry.host("ap-east-1"));
    assertEquals(
        "961992271922.dkr.ecr.cn-northwest-1.amazonaws.com.cn", EcrRegistry.host("cn-northwest-1"));
    assertEquals(
        "013241004608.dkr.ecr.us-gov-west-1.amazonaws.com", EcrRegistry.host("us-gov-west-1"));
    assertEquals(
        "725322719131.dkr.ecr.us-iso-east-1.c2s.ic.gov", EcrRegistry.host("us-iso-east-1"));
    // a region the SDK does not know counts as commercial
    assertEquals("602401143452.dkr.ecr.xx-test-1.amazonaws.com", EcrRegistry.host("xx-test-1"));
  }

  @Test
  void accounts_matchTheTableOfGetEcrUri() throws Exception {
    String script = Files.readString(TestHome.projectDir().resolve("files/get-ecr-uri.sh"));
    Matcher row = Pattern.compile("(?m)^\\s+([a-z0-9-]+)\\) echo (\\d{12}) ;;$").matcher(script);
    int rows = 0;
    while (row.find()) {
      assertEquals(row.group(2), EcrRegistry.account(row.group(1)), row.group(1));
      rows++;
    }
    assertEquals(15, rows);
    Matcher fallback = Pattern.compile("\\*\\) echo (\\d{12}) ;;").matcher(script);
    fallback.find();
    assertEquals(fallback.group(1), EcrRegistry.DEFAULT_ACCOUNT);
    assertEquals(EcrRegistry.DEFAULT_ACCOUNT, EcrRegistry.account("us-east-1"));
  }
}
