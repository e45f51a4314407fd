package dev.eksnode.amibuilder.rig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.ImportKeyPairResponse;
import software.amazon.awssdk.services.ec2.model.KeyPairInfo;

class MotoRigIT {

  @RegisterExtension static final MotoExtension MOTO = new MotoExtension();

  @Test
  void importKeyPair_withEd25519OpenSshKey_isListedWithItsName() {
    try (Ec2Client ec2 = MOTO.ec2()) {
      assertEquals(List.of(), ec2.describeKeyPairs().keyPairs(), "moto starts each test empty");

      ImportKeyPairResponse imported =
          ec2.importKeyPair(
              request ->
                  request
                      .keyName("rig-key")
                      .publicKeyMaterial(SdkBytes.fromUtf8String(ed25519OpenSshPublicKey())));

      List<KeyPairInfo> listed = ec2.describeKeyPairs().keyPairs();
      assertEquals(1, listed.size());
      assertEquals("rig-key", listed.get(0).keyName());
      assertEquals(imported.keyPairId(), listed.get(0).keyPairId());
      assertTrue(imported.keyPairId().startsWith("key-"), imported.keyPairId());
    }
  }

  @Test
  void eachTest_startsFromAResetServer() {
    try (Ec2Client ec2 = MOTO.ec2(Region.EU_WEST_1)) {
      assertEquals(List.of(), ec2.describeKeyPairs().keyPairs());
      ec2.importKeyPair(
          request ->
              request
                  .keyName("left-for-the-next-test")
                  .publicKeyMaterial(SdkBytes.fromUtf8String(ed25519OpenSshPublicKey())));
      assertEquals(1, ec2.describeKeyPairs().keyPairs().size());
    }
  }

  @Test
  void endpoint_isOnLoopback() {
    assertEquals("127.0.0.1", MOTO.endpoint().getHost());
    assertTrue(MOTO.endpoint().getPort() > 0);
  }

  /** A fresh ed25519 key in the one-line OpenSSH {@code ssh-ed25519 AAAA…} form. */
  static String ed25519OpenSshPublicKey() {
    try {
      return encodeOpenSsh(KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic());
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot generate an ed25519 key", e);
    }
  }

  private static String encodeOpenSsh(PublicKey key) throws IOException {
    byte[] x509 = key.getEncoded();
    // The X.509 SubjectPublicKeyInfo of an Ed25519 key ends with the 32 raw key bytes.
    byte[] raw = Arrays.copyOfRange(x509, x509.length - 32, x509.length);
    ByteArrayOutputStream blob = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(blob)) {
      byte[] type = "ssh-ed25519".getBytes(StandardCharsets.US_ASCII);
      out.writeInt(type.length);
      out.write(type);
      out.writeInt(raw.length);
      out.write(raw);
    }
    return "ssh-ed25519 " + Base64.getEncoder().encodeToString(blob.toByteArray()) + " rig@test";
  }
}
