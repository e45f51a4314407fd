package dev.eksnode.amibuilder.cli;

import java.net.URI;
import java.net.URISyntaxException;
import picocli.CommandLine.Option;

/** Options that choose how to reach AWS. */
public final class AwsOptions {
  @Option(
      names = "--profile",
      paramLabel = "NAME",
      description =
          "AWS shared-config profile (default: AWS_PROFILE, else the default chain). Credentials"
              + " are found in the AWS CLI's order: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (not"
              + " with --profile), role_arn with source_profile or credential_source, web identity,"
              + " SSO (after 'aws sso login --profile NAME'), the profile's keys,"
              + " credential_process, the container endpoint, the instance role. Its region is used when no --region, aws_region, AWS_REGION or"
              + " AWS_DEFAULT_REGION is set.")
  String profile;

  @Option(
      names = "--endpoint-url",
      paramLabel = "URL",
      description =
          "Send every AWS call to this AWS-compatible endpoint (e.g. a local emulator). Region"
              + " names are then not checked against AWS's list: any well-formed name is accepted.")
  String endpointUrl;

  /**
   * The AWS clients of one command: this region, the profile or the command's environment
   * credentials (checked now, so a missing credential is one line before any call), and {@code
   * --endpoint-url}.
   */
  dev.eksnode.amibuilder.aws.AwsClientFactory clients(CliContext ctx, String region) {
    return clients(ctx, region, endpoint());
  }

  /** As {@link #clients(CliContext, String)} with an explicit endpoint (null for AWS's own). */
  dev.eksnode.amibuilder.aws.AwsClientFactory clients(CliContext ctx, String region, URI endpoint) {
    // STS and the SSO portal behind a profile go where the rest of the command goes: --endpoint-url
    // (not a build's custom EC2 endpoint), else AWS's regional endpoint.
    var credentials =
        AwsCredentials.checked(
            ctx.env(), profile, new AwsCredentials.Target(region, endpoint(), ctx.clock()));
    var settings =
        dev.eksnode.amibuilder.aws.AwsSettings.of(region)
            .withProfile(profile)
            .withEndpointOverride(endpoint);
    return new dev.eksnode.amibuilder.aws.AwsClientFactory(
        settings, dev.eksnode.amibuilder.aws.ApiRateLimiter.ec2Defaults(), credentials);
  }

  /**
   * These options as they would be typed again, each after a space ("" when none is set), for a
   * printed command such as the cleanup of a build: it must reach the same account and endpoint.
   */
  String asArguments() {
    StringBuilder args = new StringBuilder();
    if (profile != null && !profile.isBlank()) {
      args.append(" --profile ").append(shellWord(profile));
    }
    if (endpointUrl != null && !endpointUrl.isBlank()) {
      args.append(" --endpoint-url ").append(shellWord(endpointUrl.strip()));
    }
    return args.toString();
  }

  /** {@code value} as is when the shell would read it back unchanged, else single-quoted. */
  private static String shellWord(String value) {
    return value.matches("[A-Za-z0-9._:/@%+=,-]+")
        ? value
        : dev.eksnode.amibuilder.remote.ShellQuoting.quote(value);
  }

  /** The endpoint as a URI, or null. */
  URI endpoint() {
    if (endpointUrl == null || endpointUrl.isBlank()) {
      return null;
    }
    try {
      URI uri = new URI(endpointUrl);
      if (uri.getScheme() == null
          || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
          || uri.getHost() == null) {
        throw new URISyntaxException(endpointUrl, "needs http:// or https:// and a host");
      }
      return uri;
    } catch (URISyntaxException e) {
      throw new dev.eksnode.amibuilder.config.ConfigException(
          "--endpoint-url '" + endpointUrl + "' is not a URL; write e.g. http://127.0.0.1:5000");
    }
  }
}
