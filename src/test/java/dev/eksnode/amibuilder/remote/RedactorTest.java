package dev.eksnode.amibuilder.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class RedactorTest {
  @Test
  void redact_masksEverySecretOccurrence() {
    Redactor redactor = Redactor.of(List.of("AKIAEXAMPLE", "s3cr3t/Key+"));
    assertEquals(
        "id=<redacted> key=<redacted> again <redacted>",
        redactor.redact("id=AKIAEXAMPLE key=s3cr3t/Key+ again AKIAEXAMPLE"));
  }

  @Test
  void redact_masksTheLongerSecretWholeWhenOneContainsAnother() {
    Redactor redactor = Redactor.of(List.of("token", "token-extended"));
    assertEquals("<redacted>", redactor.redact("token-extended"));
  }

  @Test
  void redact_ignoresEmptyAndNullSecrets() {
    Redactor redactor = Redactor.of(Arrays.asList("", null));
    assertEquals("unchanged", redactor.redact("unchanged"));
  }

  @Test
  void redact_masksEachLineOfAMultiLineSecret() {
    Redactor redactor =
        Redactor.of(List.of("-----BEGIN KEY-----\nMIIEabcdefgh12345\n-----END KEY-----"));
    assertEquals("line <redacted>", redactor.redact("line MIIEabcdefgh12345"));
    assertFalse(redactor.redact("-----END KEY-----").contains("END KEY"));
  }

  @Test
  void redact_masksASecretWithAQuoteAlsoInItsShellQuotedForm() {
    String secret = "it's-a-secret";
    Redactor redactor = Redactor.of(List.of(secret));
    String vars = ShellQuoting.renderVars(java.util.Map.of("AWS_SECRET_ACCESS_KEY", secret));
    String shown = redactor.redact("exec: env " + vars + "/tmp/script.sh");

    assertFalse(shown.contains("s-a-secret"), shown);
    assertEquals("exec: env AWS_SECRET_ACCESS_KEY='<redacted>' /tmp/script.sh", shown);
  }
}
