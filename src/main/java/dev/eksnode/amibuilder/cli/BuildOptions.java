package dev.eksnode.amibuilder.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Options shared by every command that reads the template and variables. */
public final class BuildOptions {
  @Option(
      names = {"--var-file", "-var-file"},
      paramLabel = "FILE",
      description =
          "A JSON variable file (Packer format). Repeatable; later files win. Read after"
              + " PACKER_VARIABLE_FILE (environment or word), as the Makefile did. Naming the"
              + " template's own default or per-minor file keeps it in that lower layer."
              + " Packer's -var-file spelling works too.")
  List<String> varFiles = new ArrayList<>();

  @Option(
      names = {"--var", "-var"},
      paramLabel = "NAME=VALUE",
      description =
          "Set one variable. Repeatable; wins over files and environment. Packer's -var"
              + " spelling works too.")
  List<String> vars = new ArrayList<>();

  @Option(
      names = "--template",
      paramLabel = "FILE",
      description =
          "Packer JSON template (default: templates/eks-worker-al2.json of the installation). Its default "
              + "variable file is <name>-variables.json beside it (variables-default.json beside a "
              + "template.json), read first; variables-<minor>.json beside it is read next when it "
              + "exists.")
  String template;

  @Option(
      names = "--template-dir",
      paramLabel = "DIR",
      description =
          "An amazon-eks-ami checkout: build DIR/templates/<os>/template.json, where <os> is"
              + " --os-distro (default al2), with its variables-default.json and"
              + " variables-<minor>.json, as 'make k8s' there would. Not with --template.")
  String templateDir;

  @Option(
      names = "--os-distro",
      paramLabel = "al2|al2023",
      description =
          "Which template under --template-dir to build (the Makefile's os_distro; the word"
              + " os_distro=al2023 works too). Default al2. The installation's own templates are AL2.")
  String osDistro;

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
      description =
          "Same as --var aws_region=REGION. Without either: aws_region from your files or"
              + " environment, else AWS_REGION, AWS_DEFAULT_REGION, the profile's region, the"
              + " template's default.")
  String region;

  @Option(
      names = "--strict",
      description = "Treat unknown variable names as errors instead of warnings.")
  boolean strict;
}
