package dev.eksnode.amibuilder.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Options shared by every command that reads the template and variables. */
public final class BuildOptions {
  @Option(
      names = "--var-file",
      paramLabel = "FILE",
      description = "A JSON variable file (Packer format). Repeatable; later files win.")
  List<String> varFiles = new ArrayList<>();

  @Option(
      names = "--var",
      paramLabel = "NAME=VALUE",
      description = "Set one variable. Repeatable; wins over files and environment.")
  List<String> vars = new ArrayList<>();

  @Option(
      names = "--template",
      paramLabel = "FILE",
      description =
          "Packer JSON template (default: templates/eks-worker-al2.json of the installation). Its default "
              + "variable file is <name>-variables.json beside it.")
  String template;

  @Option(
      names = "--kubernetes-version",
      paramLabel = "VERSION",
      description =
          "Same as --var kubernetes_version=VERSION, e.g. 1.23.16 (or 1.23 for the newest patch).")
  String kubernetesVersion;

  @Option(
      names = "--kubernetes-build-date",
      paramLabel = "YYYY-MM-DD",
      description =
          "Same as --var kubernetes_build_date=DATE; omit it to use the newest date in the bucket.")
  String kubernetesBuildDate;

  @Option(
      names = "--region",
      paramLabel = "REGION",
      description = "Same as --var aws_region=REGION.")
  String region;

  @Option(
      names = "--strict",
      description = "Treat unknown variable names as errors instead of warnings.")
  boolean strict;
}
