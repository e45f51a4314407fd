package dev.eksnode.amibuilder.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.junit.jupiter.api.Test;

/**
 * The console watch with a scripted console (no AWS): what it pins, and when it fails the policy.
 */
class ConsoleHostKeyWatchTest {
  private static final SocketAddress HOST = new InetSocketAddress("192.0.2.10", 22);
  private static final Duration LONG = Duration.ofMinutes(5);

  private static String resource(String name) throws IOException {
    try (InputStream in = ConsoleHostKeyWatchTest.class.getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static PublicKey consoleEd25519Key() throws Exception {
    return PublicKeyEntry.parsePublicKeyEntry(resource("al2-console-host-ed25519.pub").strip())
        .resolvePublicKey(null, null, PublicKeyEntryResolver.FAILING);
  }

  /** Answers the given texts in order, then the last one forever. */
  private static Supplier<String> console(String... texts) {
    Deque<String> queue = new ArrayDeque<>(List.of(texts));
    return () -> queue.size() > 1 ? queue.poll() : queue.peek();
  }

  @Test
  void keysPrintedAfterAFewReads_pinTheKey_beforeAnyConnection() throws Exception {
    String full = resource("al2-console-output.txt");
    HostKeyPolicy policy = HostKeyPolicy.trustOnFirstUse();
    ConsoleHostKeyWatch watch =
        new ConsoleHostKeyWatch(
            console(
                    "",
                    full.substring(0, full.indexOf("-----BEGIN SSH HOST KEY FINGERPRINTS-----")),
                    full),
                policy,
            Duration.ofSeconds(2), LONG);

    assertFalse(watch.pollOnce(), "nothing printed yet");
    assertFalse(watch.pollOnce(), "boot messages, no key block yet");
    assertFalse(policy.isPinned());
    assertTrue(watch.pollOnce());

    assertTrue(policy.isPinned());
    assertFalse(
        policy.verifyServerKey(null, HOST, Ed25519Keys.generate().keyPair().getPublic()),
        "a key the console did not print must be refused");
    assertTrue(policy.verifyServerKey(null, HOST, consoleEd25519Key()));
  }

  @Test
  void keyTrustedOnFirstUse_thenContradictedByTheConsole_failsThePolicyAndCutsTheConnection()
      throws Exception {
    HostKeyPolicy policy = HostKeyPolicy.trustOnFirstUse();
    PublicKey intercepted = Ed25519Keys.generate().keyPair().getPublic();
    AtomicInteger cuts = new AtomicInteger();
    ConsoleHostKeyWatch watch =
        new ConsoleHostKeyWatch(
            console("", resource("al2-console-output.txt")), policy, Duration.ofSeconds(2), LONG);
    watch.onMismatch(cuts::incrementAndGet);

    assertFalse(watch.pollOnce());
    assertTrue(
        policy.verifyServerKey(null, HOST, intercepted),
        "SSH answered first: trusted on first use");
    policy.checkNotFailed();
    assertTrue(watch.pollOnce());

    assertEquals(1, cuts.get());
    assertTrue(policy.failure().isPresent());
    HostKeyMismatchException error =
        assertThrows(HostKeyMismatchException.class, policy::checkNotFailed);
    assertTrue(
        error.getMessage().contains(Ed25519Keys.sha256Fingerprint(intercepted)),
        error.getMessage());
    assertTrue(error.getMessage().contains("console"), error.getMessage());
    assertFalse(
        policy.verifyServerKey(null, HOST, intercepted), "no reconnect to the contradicted key");
  }

  @Test
  void keyTrustedOnFirstUse_andConfirmedByTheConsole_staysAccepted() throws Exception {
    HostKeyPolicy policy = HostKeyPolicy.trustOnFirstUse();
    AtomicInteger cuts = new AtomicInteger();
    ConsoleHostKeyWatch watch =
        new ConsoleHostKeyWatch(
            console(resource("al2-console-output.txt")), policy, Duration.ofSeconds(2), LONG);
    watch.onMismatch(cuts::incrementAndGet);
    assertTrue(policy.verifyServerKey(null, HOST, consoleEd25519Key()));

    assertTrue(watch.pollOnce());

    assertEquals(0, cuts.get());
    assertTrue(policy.failure().isEmpty());
    assertTrue(policy.isPinned());
    assertTrue(policy.verifyServerKey(null, HOST, consoleEd25519Key()));
  }

  @Test
  void noKeysBeforeTheLimit_endsTheWatch_andTheKeyStaysTrustedOnFirstUse() throws Exception {
    HostKeyPolicy policy = HostKeyPolicy.trustOnFirstUse();
    AtomicInteger reads = new AtomicInteger();
    ConsoleHostKeyWatch watch =
        new ConsoleHostKeyWatch(
            () -> {
              reads.incrementAndGet();
              throw new IllegalStateException("console not available yet");
            },
            policy,
            Duration.ofSeconds(2),
            Duration.ZERO);

    assertTrue(watch.pollOnce(), "the limit has passed");
    assertTrue(watch.pollOnce());

    assertEquals(1, reads.get(), "no read after the watch ended");
    assertFalse(policy.isPinned());
    assertTrue(policy.verifyServerKey(null, HOST, Ed25519Keys.generate().keyPair().getPublic()));
  }

  @Test
  void started_pollsInTheBackgroundUntilTheKeysAppear() throws Exception {
    HostKeyPolicy policy = HostKeyPolicy.trustOnFirstUse();
    String full = resource("al2-console-output.txt");
    AtomicInteger reads = new AtomicInteger();
    Supplier<String> console = () -> reads.incrementAndGet() < 3 ? "" : full;
    try (ConsoleHostKeyWatch watch =
        new ConsoleHostKeyWatch(console, policy, Duration.ofMillis(10), LONG)
            .start("test-console-watch")) {
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (!policy.isPinned() && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
    }
    assertTrue(policy.isPinned());
    assertEquals(3, reads.get(), "polling stops once the keys are pinned");
  }
}
