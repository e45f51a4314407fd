package dev.eksnode.amibuilder.template;

import java.util.Map;

/**
 * A {@code manifest} post-processor: output file, strip_path, and custom_data still holding
 * build-time functions.
 */
public record ManifestSpec(String output, boolean stripPath, Map<String, String> customData) {
  public ManifestSpec {
    customData = Map.copyOf(customData);
  }
}
