package dev.eksnode.amibuilder.aws;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The JDK's default trust manager (its trust store, and the same checks), read on the first TLS
 * handshake instead of when the HTTP client is made. Reading the trust store parses some 150
 * certificates, 100-200 ms of a cold JVM, which an HTTP client pays in its constructor whether it
 * ever speaks TLS or not; against a plain-HTTP endpoint (an emulator) it never does.
 */
final class DeferredTrustManager extends X509ExtendedTrustManager {
  private volatile X509ExtendedTrustManager delegate;

  /** Whether the trust store has been read. */
  boolean loaded() {
    return delegate != null;
  }

  /** The JDK's default trust manager, made on first use. */
  X509ExtendedTrustManager delegate() {
    X509ExtendedTrustManager d = delegate;
    if (d == null) {
      synchronized (this) {
        d = delegate;
        if (d == null) {
          d = systemDefault();
          delegate = d;
        }
      }
    }
    return d;
  }

  private static X509ExtendedTrustManager systemDefault() {
    try {
      TrustManagerFactory factory =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init((KeyStore) null);
      for (TrustManager tm : factory.getTrustManagers()) {
        if (tm instanceof X509ExtendedTrustManager x509) {
          return x509;
        }
      }
      throw new IllegalStateException("the JDK's default trust managers include no X.509 one");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot read the JDK's trust store: " + e.getMessage(), e);
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    delegate().checkClientTrusted(chain, authType, socket);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    delegate().checkServerTrusted(chain, authType, socket);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    delegate().checkClientTrusted(chain, authType, engine);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    delegate().checkServerTrusted(chain, authType, engine);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    delegate().checkClientTrusted(chain, authType);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    delegate().checkServerTrusted(chain, authType);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return delegate().getAcceptedIssuers();
  }
}
