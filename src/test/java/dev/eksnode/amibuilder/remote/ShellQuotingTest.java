package dev.eksnode.amibuilder.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ShellQuotingTest {
  @Test
  void quote_wrapsInSingleQuotesAndEscapesQuotesPackerStyle() {
    assertEquals("'it'\"'\"'s'", ShellQuoting.quote("it's"));
    assertEquals("'$HOME \\n `x`'", ShellQuoting.quote("$HOME \\n `x`"));
    assertEquals("''", ShellQuoting.quote(""));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "plain",
        "with space",
        "it's",
        "'''",
        "$HOME $(id) `id`",
        "back\\slash\\",
        "multi\nline\n",
        "tab\tand \"double\"",
        "ünïcødé ✓",
        "*glob?[x]",
        "semi;colon && ||"
      })
  void quote_roundTripsThroughARealShell(String value) throws Exception {
    Process sh = new ProcessBuilder("sh", "-c", "printf '%s' " + ShellQuoting.quote(value)).start();
    String out = new String(sh.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(sh.waitFor(10, TimeUnit.SECONDS));
    assertEquals(value, out);
  }

  @Test
  void quote_refusesNul() {
    assertThrows(IllegalArgumentException.class, () -> ShellQuoting.quote("a\0b"));
  }

  @Test
  void renderVars_sortsByNameWithTrailingSpaces() {
    Map<String, String> vars = new LinkedHashMap<>();
    vars.put("ZED", "last");
    vars.put("ALPHA", "it's");
    assertEquals("ALPHA='it'\"'\"'s' ZED='last' ", ShellQuoting.renderVars(vars));
  }

  @Test
  void renderVars_rejectsInvalidNames() {
    IllegalArgumentException error =
        assertThrows(
            IllegalArgumentException.class, () -> ShellQuoting.renderVars(Map.of("BAD-NAME", "x")));
    assertTrue(error.getMessage().contains("BAD-NAME"));
  }

  @Test
  void renderExecuteCommand_substitutesPathAndVarsWithOptionalSpaces() {
    assertEquals(
        "chmod +x /tmp/s.sh; A='1'  /tmp/s.sh",
        ShellQuoting.renderExecuteCommand(
            "chmod +x {{.Path}}; {{.Vars}} {{ .Path }}", "/tmp/s.sh", "A='1' "));
  }

  @Test
  void renderExecuteCommand_keepsDollarsAndBackslashesInValues() {
    assertEquals(
        "X='$1\\2' run", ShellQuoting.renderExecuteCommand("{{.Vars}}run", "p", "X='$1\\2' "));
  }

  @Test
  void renderExecuteCommand_rejectsUnknownFields() {
    IllegalArgumentException error =
        assertThrows(
            IllegalArgumentException.class,
            () -> ShellQuoting.renderExecuteCommand("{{.Path}} {{.Password}}", "p", ""));
    assertTrue(error.getMessage().contains("{{.Password}}"), error.getMessage());
  }
}
