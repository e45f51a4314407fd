package dev.eksnode.amibuilder.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.List;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.junit.jupiter.api.Test;

class ConsoleHostKeysTest {
  private static String resource(String name) throws IOException {
    try (InputStream in = ConsoleHostKeysTest.class.getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static PublicKey key(String resourceName) throws Exception {
    return PublicKeyEntry.parsePublicKeyEntry(resource(resourceName).strip())
        .resolvePublicKey(null, null, PublicKeyEntryResolver.FAILING);
  }

  @Test
  void parse_amazonLinux2Console_readsFingerprintsAndKeys() throws Exception {
    ConsoleHostKeys keys = ConsoleHostKeys.parse(resource("al2-console-output.txt"));

    assertEquals(
        List.of("ECDSA", "ED25519", "RSA"),
        keys.fingerprints().stream().map(ConsoleHostKeys.Fingerprint::type).toList());
    assertEquals(
        List.of(256, 256, 3072),
        keys.fingerprints().stream().map(ConsoleHostKeys.Fingerprint::bits).toList());
    assertEquals(
        "SHA256:fJyzEtbjUAqqX4RG3gPFf62HzGXpD+Jsf4lyfz80Roc", keys.fingerprints().get(1).value());
    assertEquals(3, keys.keys().size());
  }

  @Test
  void matches_eachPrintedHostKey_andNotAnUnrelatedKey() throws Exception {
    ConsoleHostKeys keys = ConsoleHostKeys.parse(resource("al2-console-output.txt"));

    for (String type : List.of("ecdsa", "ed25519", "rsa")) {
      assertTrue(keys.matches(key("al2-console-host-" + type + ".pub")), type);
    }
    assertFalse(keys.matches(Ed25519Keys.generate().keyPair().getPublic()));
  }

  @Test
  void matches_byFingerprintAloneWhenTheKeysBlockIsMissing() throws Exception {
    String console = resource("al2-console-output.txt");
    String fingerprintsOnly =
        console.substring(0, console.indexOf("-----BEGIN SSH HOST KEY KEYS-----"));

    ConsoleHostKeys keys = ConsoleHostKeys.parse(fingerprintsOnly);

    assertTrue(keys.keys().isEmpty());
    assertTrue(keys.matches(key("al2-console-host-ed25519.pub")));
  }

  @Test
  void parse_withoutBlocksOrWithAnUnfinishedBlock_isEmpty() throws Exception {
    assertTrue(ConsoleHostKeys.parse("").isEmpty());
    assertTrue(ConsoleHostKeys.parse(null).isEmpty());
    String console = resource("al2-console-output.txt");
    String truncated =
        console.substring(0, console.indexOf("-----END SSH HOST KEY FINGERPRINTS-----"));
    assertTrue(ConsoleHostKeys.parse(truncated).isEmpty());
  }

  @Test
  void parse_ignoresGarbledKeyLines() {
    String console =
        "-----BEGIN SSH HOST KEY KEYS-----\nssh-ed25519 AAAAnotbase64key\n"
            + "-----END SSH HOST KEY KEYS-----\n";
    assertTrue(ConsoleHostKeys.parse(console).isEmpty());
  }
}
