package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.pipeline.Step;
import dev.eksnode.amibuilder.pipeline.UndoReport;
import dev.eksnode.amibuilder.report.ManifestWriter;
import dev.eksnode.amibuilder.template.ManifestSpec;
import java.nio.file.Path;
import java.util.Map;

/**
 * Appends this build to each manifest file (Packer's format), relative paths resolved in the output
 * directory.
 */
public final class ManifestStep implements Step<BuildContext> {

  @Override
  public String name() {
    return "manifest";
  }

  @Override
  public void run(BuildContext ctx) {
    for (ManifestSpec manifest : ctx.spec().manifests()) {
      Path file = ctx.outputDir().resolve(manifest.output()).normalize();
      Map<String, String> customData = ctx.render(manifest.customData(), "manifest.custom_data");
      ManifestWriter.append(
          file,
          new ManifestWriter.BuildRecord(
              ctx.spec().buildName(),
              "amazon-ebs",
              ctx.clock().instant(),
              ctx.state().amiIds(),
              ctx.spec().runUuid(),
              customData,
              ctx.state().reused().keySet()));
      ctx.state().manifestWritten(file);
    }
  }

  @Override
  public void undo(BuildContext ctx, UndoReport report) {
    // A manifest names AMIs that a failed build removes; the build record is history and stays.
  }
}
