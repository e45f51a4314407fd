package dev.eksnode.amibuilder.cli;

import dev.eksnode.amibuilder.config.Assignment;
import dev.eksnode.amibuilder.config.ConfigException;
import dev.eksnode.amibuilder.config.ValueRules;
import java.net.URI;
import java.util.Map;
import java.util.Optional;

/**
 * The one region rule of every command, highest first: {@code --region}; {@code aws_region} set by
 * the user (a variable file, {@code PACKER_VARIABLE_FILE}, the environment variable {@code
 * aws_region}, {@code --var}, an {@code aws_region=} word); {@code AWS_REGION}; {@code
 * AWS_DEFAULT_REGION}; the {@code region} of the profile in use; the template's default.
 *
 * <p>Commands that read variables get the user's layers and the template's default from {@link
 * dev.eksnode.amibuilder.config.VariableLayers}, which puts {@link #fromAwsSettings} between them.
 * Commands that read no variables ({@code cleanup}, {@code max-pods}) call {@link #choose}, where
 * only the environment variable {@code aws_region} stands for the user's layers and the command
 * names its own last resort.
 */
final class RegionRule {
  /** The variable a template reads its region from. */
  static final String VARIABLE = "aws_region";

  /** A region and the setting it came from, e.g. {@code AWS_REGION} or {@code --region}. */
  record Choice(String region, String source) {}

  private RegionRule() {}

  /**
   * The region of the AWS settings: {@code AWS_REGION}, else {@code AWS_DEFAULT_REGION}, else the
   * {@code region} of the profile ({@code profile}, else {@code AWS_PROFILE}, else {@code default})
   * in the shared config files that {@code env} points at. Empty when none is set.
   */
  static Optional<Choice> fromAwsSettings(Map<String, String> env, String profile) {
    for (String name : new String[] {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
      String value = env.get(name);
      if (value != null && !value.isBlank()) {
        return Optional.of(new Choice(value.strip(), name));
      }
    }
    String name = AwsCredentials.profileName(env, profile);
    String region;
    try {
      region = AwsCredentials.profileRegion(env, profile);
    } catch (RuntimeException e) {
      throw new dev.eksnode.amibuilder.config.ConfigException(
          "the AWS config files cannot be read for the region of profile '"
              + name
              + "': "
              + Main.oneLine(e.getMessage())
              + "; fix the file, or pass --region");
    }
    return Optional.ofNullable(region).map(r -> new Choice(r, "profile '" + name + "' region"));
  }

  /** {@link #fromAwsSettings} as the {@code aws_region} assignment the variable layers take. */
  static Assignment awsSettingsAssignment(Map<String, String> env, String profile) {
    return fromAwsSettings(env, profile)
        .map(c -> new Assignment(VARIABLE, c.region(), c.source()))
        .orElse(null);
  }

  /**
   * The rule for a command that reads no variables: {@code option} ({@code --region}), else the
   * environment variable {@code aws_region}, else the AWS settings. Empty when none is set: the
   * command decides what then. The choice is checked ({@link #check}).
   */
  static Optional<Choice> choose(CliContext ctx, String option, String profile, URI endpoint) {
    Optional<Choice> choice;
    if (option != null && !option.isBlank()) {
      choice = Optional.of(new Choice(option.strip(), "--region"));
    } else {
      String word = ctx.env().get(VARIABLE);
      choice =
          word != null && !word.isBlank()
              ? Optional.of(new Choice(word.strip(), "environment variable " + VARIABLE))
              : fromAwsSettings(ctx.env(), profile);
    }
    choice.ifPresent(c -> check(c, endpoint));
    return choice;
  }

  /**
   * Fails with one line unless {@code choice} is a region AWS has, or with {@code --endpoint-url} a
   * well-formed name; a misspelt region gets the closest real one as the fix.
   */
  static void check(Choice choice, URI endpoint) {
    ValueRules.Problem p = ValueRules.Regions.forEndpoint(endpoint).check(choice.region());
    if (p != null) {
      throw new ConfigException(
          (choice.source().equals("--region")
                  ? "--region '" + ConfigException.oneLine(choice.region()) + "'"
                  : "region '"
                      + ConfigException.oneLine(choice.region())
                      + "' (from "
                      + choice.source()
                      + ")")
              + ": "
              + p.problem()
              + "; "
              + p.fix());
    }
  }

  /** Checks a region given with {@code --region}. */
  static void checkOption(String region, URI endpoint) {
    check(new Choice(region, "--region"), endpoint);
  }
}
