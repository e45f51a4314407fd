package dev.eksnode.amibuilder.cli;

import java.net.URI;
import java.net.URISyntaxException;
import picocli.CommandLine.Option;

/** Options that choose how to reach AWS. */
public final class AwsOptions {
  @Option(names = "--profile", paramLabel = "NAME", description = "AWS shared-config profile (default: AWS_PROFILE or the default chain).")
  String profile;

  @Option(names = "--endpoint-url", paramLabel = "URL",
      description = "Send every AWS call to this AWS-compatible endpoint (e.g. a local emulator).")
  String endpointUrl;

  /** The endpoint as a URI, or null. */
  URI endpoint() {
    if (endpointUrl == null || endpointUrl.isBlank()) {
      return null;
    }
    try {
      URI uri = new URI(endpointUrl);
      if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
          || uri.getHost() == null) {
        throw new URISyntaxException(endpointUrl, "needs http:// or https:// and a host");
      }
      return uri;
    } catch (URISyntaxException e) {
      throw new dev.eksnode.amibuilder.config.ConfigException("--endpoint-url '" + endpointUrl
          + "' is not a URL; write e.g. http://127.0.0.1:5000");
    }
  }
}
