package dev.eksnode.amibuilder.aws;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The deferred trust manager reads nothing until asked, and then judges as the JDK does: it must
 * never become a trust-all shortcut.
 */
class DeferredTrustManagerTest {
  @Test
  void readsTheTrustStoreOnFirstUse_andTrustsWhatTheJdkTrusts() {
    DeferredTrustManager trust = new DeferredTrustManager();
    assertFalse(trust.loaded());
    X509Certificate[] issuers = trust.getAcceptedIssuers();
    assertTrue(trust.loaded());
    assertTrue(issuers.length > 20, "JDK trust anchors: " + issuers.length);
    assertTrue(
        Arrays.stream(issuers)
            .anyMatch(c -> c.getSubjectX500Principal().getName().contains("Amazon Root CA 1")),
        "the root AWS endpoints chain to");
  }

  @Test
  void aSelfSignedServerCertificate_isRejected() throws Exception {
    X509Certificate untrusted;
    try (InputStream in = getClass().getResourceAsStream("/tls/untrusted-self-signed.pem")) {
      untrusted = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
    DeferredTrustManager trust = new DeferredTrustManager();
    assertThrows(
        CertificateException.class,
        () -> trust.checkServerTrusted(new X509Certificate[] {untrusted}, "RSA"));
  }

  @Test
  void theHttpClientIsMadeWithoutReadingTheTrustStore() {
    DeferredTrustManager trust = new DeferredTrustManager();
    SharedHttpClient.build(trust).close();
    assertFalse(trust.loaded());
  }
}
