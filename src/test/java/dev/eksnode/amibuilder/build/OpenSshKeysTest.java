package dev.eksnode.amibuilder.build;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.Signature;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class OpenSshKeysTest {

  @Test
  void publicLine_holdsTheKeyInOpenSshWireFormat() throws Exception {
    KeyPair pair = OpenSshKeys.generateEd25519();
    String line = OpenSshKeys.publicLine(pair.getPublic(), "ami-builder-test");
    String[] parts = line.split(" ");
    assertEquals(3, parts.length, line);
    assertEquals("ssh-ed25519", parts[0]);
    assertEquals("ami-builder-test", parts[2]);
    ByteBuffer blob = ByteBuffer.wrap(Base64.getDecoder().decode(parts[1]));
    byte[] type = new byte[blob.getInt()];
    blob.get(type);
    assertEquals("ssh-ed25519", new String(type, StandardCharsets.US_ASCII));
    byte[] raw = new byte[blob.getInt()];
    blob.get(raw);
    assertEquals(0, blob.remaining());
    byte[] spki = pair.getPublic().getEncoded();
    assertArrayEquals(Arrays.copyOfRange(spki, spki.length - 32, spki.length), raw);
  }

  @Test
  void generatedKey_signsAndVerifies() throws Exception {
    KeyPair pair = OpenSshKeys.generateEd25519();
    Signature signer = Signature.getInstance("Ed25519");
    signer.initSign(pair.getPrivate());
    byte[] data = "build".getBytes(StandardCharsets.US_ASCII);
    signer.update(data);
    byte[] sig = signer.sign();
    Signature verifier = Signature.getInstance("Ed25519");
    verifier.initVerify(KeyFactory.getInstance("Ed25519").generatePublic(
        new java.security.spec.X509EncodedKeySpec(pair.getPublic().getEncoded())));
    verifier.update(data);
    assertTrue(verifier.verify(sig));
  }
}
