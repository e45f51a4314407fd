package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.aws.Tags;
import dev.eksnode.amibuilder.pipeline.BuildId;
import dev.eksnode.amibuilder.template.BuildSpec;
import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What a build is asked to do, fixed before its first step: the spec, its id and tags, where
 * results go.
 *
 * @param s3Endpoint where S3 URLs for the binary bucket point: {@code --endpoint-url} when given,
 *     null for S3's own endpoint ({@code custom_endpoint_ec2} is for EC2 alone)
 */
public record BuildInputs(
    BuildSpec spec, BuildId buildId, Tags tags, Path outputDir, URI s3Endpoint) {
  public BuildInputs {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(buildId, "buildId");
    Objects.requireNonNull(tags, "tags");
    Objects.requireNonNull(outputDir, "outputDir");
  }

  /** With S3's own endpoint. */
  public BuildInputs(BuildSpec spec, BuildId buildId, Tags tags, Path outputDir) {
    this(spec, buildId, tags, outputDir, null);
  }

  /** The build region. */
  public String region() {
    return spec.settings().region();
  }
}
