package dev.eksnode.amibuilder.template;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * What the template functions can see. A value the phase does not know yet (for example {@code
 * .SourceAMI} while the configuration is still being checked) is left in the text as written, so a
 * later phase can fill it in.
 *
 * @param user resolves {@code user `name`}; throws {@link TemplateException} for an undeclared
 *     variable
 * @param env the process environment, for {@code env `NAME`}
 * @param now the single instant of this build: every {@code timestamp} and {@code isotime} agrees
 * @param templateDir the directory holding the template file
 * @param runUuid the value of {@code uuid} for this run
 * @param buildValues {@code build `Name`} values known so far (ID, SourceAMIName, ...)
 * @param dotValues {@code .Name} values known so far (BuildRegion, SourceAMI, SourceAMIName, Path,
 *     Vars)
 */
public record RenderContext(
    UnaryOperator<String> user,
    Function<String, String> env,
    Instant now,
    Path templateDir,
    String runUuid,
    Map<String, String> buildValues,
    Map<String, String> dotValues) {

  public RenderContext {
    buildValues = Map.copyOf(buildValues);
    dotValues = Map.copyOf(dotValues);
  }

  /** The same context with more build-time values known. */
  public RenderContext withBuildValues(Map<String, String> build, Map<String, String> dots) {
    var mergedBuild = new java.util.HashMap<>(buildValues);
    mergedBuild.putAll(build);
    var mergedDots = new java.util.HashMap<>(dotValues);
    mergedDots.putAll(dots);
    return new RenderContext(user, env, now, templateDir, runUuid, mergedBuild, mergedDots);
  }
}
