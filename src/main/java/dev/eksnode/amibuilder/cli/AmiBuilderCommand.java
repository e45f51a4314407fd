package dev.eksnode.amibuilder.cli;

import java.util.List;
import picocli.AutoComplete.GenerateCompletion;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The top-level command: only dispatches to its subcommands ({@link #SUBCOMMANDS}, which {@link
 * Main} adds). Its help footer, the exit codes, is {@link ExitCode}.
 */
@Command(
    name = "ami-builder",
    mixinStandardHelpOptions = true,
    versionProvider = AmiBuilderCommand.Version.class,
    description = "Builds Amazon EKS worker node AMIs (Amazon Linux 2) end to end.",
    footerHeading = "%nExit codes:%n")
final class AmiBuilderCommand implements Runnable {
  /**
   * The subcommands, in the order the help lists them. Not in the {@code @Command} annotation:
   * picocli would build every one's options on each start, while {@link Main} builds only the one
   * being run.
   */
  static final List<Class<?>> SUBCOMMANDS =
      List.of(
          K8sCommand.class,
          CleanupCommand.class,
          ValidateCommand.class,
          VarsCommand.class,
          VersionsCommand.class,
          IamPolicyCommand.class,
          MaxPodsCommand.class,
          MatrixCommand.class,
          GenerateCompletion.class);

  @Spec CommandSpec spec;
  private final CliContext context;

  AmiBuilderCommand(CliContext context) {
    this.context = context;
  }

  CliContext context() {
    return context;
  }

  @Override
  public void run() {
    spec.commandLine().usage(context.out());
  }

  /** The version from the jar manifest, or "development" when run from classes. */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = AmiBuilderCommand.class.getPackage().getImplementationVersion();
      return new String[] {
        "ami-builder " + (v == null ? "development" : v),
        "Java "
            + System.getProperty("java.version")
            + " ("
            + System.getProperty("java.vendor")
            + ")"
      };
    }
  }
}
