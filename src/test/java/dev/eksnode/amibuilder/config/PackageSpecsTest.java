package dev.eksnode.amibuilder.config;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Package versions and kernels as {@link VariableValidator} judges them. */
class PackageSpecsTest {
  static final VariableSource FILE = VariableSource.varFile(Path.of("mine.json"));

  private static void validate(String kubernetes, String name, String value) {
    List<Variable> list = new ArrayList<>();
    list.add(new Variable("kubernetes_version", kubernetes, FILE));
    list.add(new Variable(name, value, FILE));
    new VariableValidator()
        .validate(Variables.of(list, List.of()), VariableValidator.Purpose.BUILD);
  }

  private static void validate(String name, String value) {
    validate("1.28.5", name, value);
  }

  private static String rejection(String name, String value) {
    return assertThrows(ConfigException.class, () -> validate(name, value)).getMessage();
  }

  @ParameterizedTest
  @CsvSource({
    // upstream's own values over the years
    "containerd_version,1.6.6-1.amzn2.0.2",
    "containerd_version,1.6.*",
    "containerd_version,1.7.*",
    "containerd_version,1.7.11-*",
    "containerd_version,2.*",
    "runc_version,1.1.4-1.amzn2",
    "runc_version,1.1.*",
    "runc_version,1.*",
    "runc_version,*",
    "docker_version,20.10.*",
    "docker_version,25.0.*",
    "docker_version,none",
    // an epoch, a ? glob and the characters of real releases
    "containerd_version,1:1.7.11-1.amzn2.0.1",
    "runc_version,1.1.1?-1.amzn2",
    "docker_version,20.10.17-1.amzn2.0.1~beta+1_a"
  })
  void yumVersionsAndGlobs_areAccepted(String name, String value) {
    assertDoesNotThrow(() -> validate(name, value));
  }

  static Stream<Arguments> shellSyntax() {
    return Stream.of(
        Arguments.of("containerd_version", "1.7 ;rm -rf /", "whitespace"),
        Arguments.of("containerd_version", "1.7;rm", "';'"),
        Arguments.of("containerd_version", "1.7.$(id)", "'$'"),
        Arguments.of("runc_version", "1.1.`id`", "'`'"),
        Arguments.of("runc_version", "1.1.4'", "'''"),
        Arguments.of("docker_version", "20.10\"", "'\"'"),
        Arguments.of("docker_version", "20.10|cat", "'|'"),
        Arguments.of("containerd_version", "1.7&", "'&'"),
        Arguments.of("containerd_version", "1.7>x", "'>'"),
        Arguments.of("runc_version", "1.1\\4", "'\\'"),
        Arguments.of("runc_version", "1.1\u0007", "a control character (U+0007)"));
  }

  @ParameterizedTest
  @MethodSource("shellSyntax")
  void shellSyntax_isRejectedAndNamed(String name, String value, String named) {
    String message = rejection(name, value);
    assertTrue(message.startsWith(name + " = '"), message);
    assertTrue(message.contains("(from mine.json): contains " + named + ","), message);
  }

  @Test
  void aLineBreak_isRejectedOnOneLine() {
    String message = rejection("containerd_version", "1.7.*\nreboot");
    assertEquals(1, message.lines().count(), message);
    assertTrue(message.contains("contains whitespace"), message);
  }

  @ParameterizedTest
  @ValueSource(strings = {"latest", "v1.7.2", "-1.7", ".7", "none"})
  void textThatIsNoVersion_isRejected(String value) {
    String message = rejection("containerd_version", value);
    assertTrue(message.contains("not a yum package version"), message);
  }

  @Test
  void runcError_suggestsRuncVersions() {
    assertEquals(
        "runc_version = 'latest' (from mine.json): not a yum package version; use a yum"
            + " version-release such as 1.1.4-1.amzn2 or a glob such as 1.1.*",
        rejection("runc_version", "latest"));
  }

  @Test
  void dockerError_mentionsNone() {
    String message = rejection("docker_version", "off");
    assertTrue(message.endsWith("a glob such as 20.10.*, or none"), message);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "4.14",
        "5.4",
        "5.10",
        "5.15",
        "6.1",
        "5.10.239",
        "5.10.239-236.958",
        "5.10.239-236.958.amzn2.x86_64",
        "4.14.355-280.714.amzn2"
      })
  void kernelLinesAndReleases_areAccepted(String kernel) {
    assertDoesNotThrow(() -> validate("1.23.16", "kernel_version", kernel));
  }

  @ParameterizedTest
  @ValueSource(strings = {"abc", "5", "5.", "v5.10", "5.10-", "5.10.*", "5.10;reboot", "5.10 "})
  void kernelTextThatIsNoVersion_isRejected(String kernel) {
    String message = rejection("kernel_version", kernel);
    assertTrue(message.contains("): not a kernel version; "), message);
    assertTrue(message.contains("5.10.239-236.958"), message);
  }

  @Test
  void aFull414Release_isRefusedFromKubernetes124LikeTheLine() {
    String message = rejection("kernel_version", "4.14.355-280.714.amzn2");
    assertTrue(message.contains("kernel 4.14 is not supported for Kubernetes 1.28"), message);
  }

  @Test
  void kernelLine_isTheFirstTwoParts() {
    assertEquals("5.10", PackageSpecs.kernelLine("5.10.239-236.958"));
    assertEquals("6.1", PackageSpecs.kernelLine("6.1"));
    assertEquals("abc", PackageSpecs.kernelLine("abc"));
  }
}
