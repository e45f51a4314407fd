package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.aws.Tags;
import dev.eksnode.amibuilder.pipeline.BuildId;
import dev.eksnode.amibuilder.template.BuildSpec;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What a build is asked to do, fixed before its first step: the spec, its id and tags, where
 * results go.
 */
public record BuildInputs(BuildSpec spec, BuildId buildId, Tags tags, Path outputDir) {
  public BuildInputs {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(buildId, "buildId");
    Objects.requireNonNull(tags, "tags");
    Objects.requireNonNull(outputDir, "outputDir");
  }

  /** The build region. */
  public String region() {
    return spec.settings().region();
  }
}
