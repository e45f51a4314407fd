package dev.eksnode.amibuilder.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InterpolatorTest {
  private static final Instant NOW = Instant.parse("2023-01-30T08:09:10Z");

  private static Interpolator interpolator(Map<String, String> build, Map<String, String> dots) {
    Map<String, String> vars = Map.of("aws_region", "eu-west-1", "arch", "arm64");
    RenderContext ctx =
        new RenderContext(
            name -> {
              if (!vars.containsKey(name)) {
                throw new TemplateException("undeclared " + name);
              }
              return vars.get(name);
            },
            Map.of("HOME", "/home/me")::get,
            NOW,
            Path.of("/opt/tpl"),
            "run-uuid-1",
            build,
            dots);
    return new Interpolator(ctx);
  }

  @Test
  void render_userFunction_acceptsBackticksQuotesAndSpaces() {
    Interpolator in = interpolator(Map.of(), Map.of());
    assertEquals("eu-west-1/arm64", in.render("{{user `aws_region`}}/{{ user \"arch\" }}", "t"));
  }

  @Test
  void render_envTimestampTemplateDirUuid_useTheContext() {
    Interpolator in = interpolator(Map.of(), Map.of());
    assertEquals("/home/me", in.render("{{env `HOME`}}", "t"));
    assertEquals("", in.render("{{env `MISSING`}}", "t"));
    assertEquals(Long.toString(NOW.getEpochSecond()), in.render("{{timestamp}}", "t"));
    assertEquals("/opt/tpl/scripts/x.sh", in.render("{{template_dir}}/scripts/x.sh", "t"));
    assertEquals("run-uuid-1", in.render("{{uuid}}", "t"));
  }

  @Test
  void render_isotime_withAndWithoutGoLayout() {
    Interpolator in = interpolator(Map.of(), Map.of());
    assertEquals("2023-01-30T08:09:10Z", in.render("{{isotime}}", "t"));
    assertEquals("20230130", in.render("{{isotime `20060102`}}", "t"));
    assertEquals("2023-01-30 08:09", in.render("{{isotime \"2006-01-02 15:04\"}}", "t"));
  }

  @Test
  void render_buildTimeFields_leftAsWrittenUntilKnown() {
    Interpolator early = interpolator(Map.of(), Map.of());
    assertEquals("{{ .SourceAMI }}", early.render("{{ .SourceAMI }}", "t"));
    assertEquals("{{ build `SourceAMIName` }}", early.render("{{ build `SourceAMIName` }}", "t"));
    Interpolator late =
        interpolator(
            Map.of("SourceAMIName", "amzn2-x"),
            Map.of(
                "SourceAMI",
                "ami-1",
                "BuildRegion",
                "us-east-1",
                "Path",
                "/tmp/s.sh",
                "Vars",
                "A='1'"));
    assertEquals(
        "ami-1 amzn2-x us-east-1",
        late.render("{{ .SourceAMI }} {{ build `SourceAMIName` }} {{.BuildRegion}}", "t"));
    assertEquals(
        "chmod +x /tmp/s.sh; A='1' /tmp/s.sh",
        late.render("chmod +x {{.Path}}; {{.Vars}} {{.Path}}", "t"));
  }

  @Test
  void render_unsupportedFunction_isAnErrorNamingIt() {
    Interpolator in = interpolator(Map.of(), Map.of());
    TemplateException e =
        assertThrows(
            TemplateException.class, () -> in.render("{{ clean_resource_name `x` }}", "ami_name"));
    assertTrue(e.getMessage().contains("clean_resource_name"), e.getMessage());
    assertTrue(e.getMessage().startsWith("ami_name"), e.getMessage());
    TemplateException f =
        assertThrows(TemplateException.class, () -> in.render("{{ .Foo }}", "tags.x"));
    assertTrue(f.getMessage().contains(".Foo"), f.getMessage());
  }

  @Test
  void render_malformedExpressions_areErrors() {
    Interpolator in = interpolator(Map.of(), Map.of());
    assertThrows(TemplateException.class, () -> in.render("{{user}}", "t"));
    assertThrows(TemplateException.class, () -> in.render("{{timestamp `x`}}", "t"));
    assertThrows(TemplateException.class, () -> in.render("abc {{user `aws_region`", "t"));
    assertThrows(TemplateException.class, () -> in.render("{{user `nope`}}", "t"));
  }

  @Test
  void goDuration_parsesPackerDurations() {
    assertEquals(java.time.Duration.ofSeconds(90), GoDuration.parseOrNull("90s"));
    assertEquals(java.time.Duration.ofMinutes(90), GoDuration.parseOrNull("1h30m"));
    assertEquals(java.time.Duration.ofMillis(250), GoDuration.parseOrNull("250ms"));
    assertEquals(java.time.Duration.ofSeconds(7), GoDuration.parseOrNull("7"));
    assertEquals(null, GoDuration.parseOrNull("ninety"));
    assertEquals(null, GoDuration.parseOrNull("5x"));
  }
}
