package dev.eksnode.amibuilder.cli;

import dev.eksnode.amibuilder.config.Shortcut;
import dev.eksnode.amibuilder.policy.IamPolicy;
import dev.eksnode.amibuilder.policy.PolicyGenerator;
import dev.eksnode.amibuilder.policy.PolicyInputs;
import dev.eksnode.amibuilder.template.BuildSpec;
import dev.eksnode.amibuilder.template.Template;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** Prints the least-privilege IAM policy for a build with the given options. */
@Command(
    name = "iam-policy",
    mixinStandardHelpOptions = true,
    abbreviateSynopsis = true,
    description = {
      "Print the least-privilege IAM policy (JSON) a build with these options needs.",
      "Takes the same template, variable files and words as 'k8s' and 'validate', and makes no AWS"
          + " call. The policy covers the build's regions (the build region and ami_regions), the"
          + " binary bucket (listing only when the version or build date is looked up), customer"
          + " KMS keys when encrypting, sharing, iam:PassRole for iam_instance_profile, the"
          + " temporary instance profile's IAM calls, and EKS/ECR only with"
          + " cache_container_images=true. Undo on failure is included. '--for cleanup' prints"
          + " the policy of 'ami-builder cleanup' for the same regions instead. See"
          + " docs/iam-policy.md."
    })
final class IamPolicyCommand implements Callable<Integer> {
  @ParentCommand AmiBuilderCommand parent;
  @Mixin BuildOptions build;
  @Mixin AwsOptions aws;

  /** Which command the policy is for. */
  enum Purpose {
    build,
    cleanup
  }

  @Option(
      names = "--for",
      paramLabel = "COMMAND",
      defaultValue = "build",
      description = "build (default: 'k8s', undo included) or cleanup.")
  Purpose purpose;

  @Option(
      names = "--pass-role",
      paramLabel = "ROLE",
      description =
          "The role inside iam_instance_profile (name or ARN): iam:PassRole is granted on it"
              + " alone. Default: any role of the account, passed to EC2 only.")
  String passRole;

  @Parameters(
      paramLabel = "WORDS",
      arity = "0..*",
      description = "Optional shortcut (1.21 .. 1.25) first, then NAME=VALUE assignments.")
  List<String> words = new ArrayList<>();

  @Override
  public Integer call() {
    CliContext ctx = parent.context();
    Positionals pos = Positionals.parse(words, false);
    Shortcut shortcut = pos.shortcuts().isEmpty() ? null : pos.shortcuts().get(0);
    SpecLoader loader = new SpecLoader(ctx, build, aws, pos.assignments());
    Template template = loader.template();
    BuildSpec spec = loader.spec(template, loader.variables(template, shortcut));
    Console console = new Console(ctx, false, false);
    spec.variables().warnings().forEach(console::warn);
    PolicyInputs inputs = PolicyInputs.of(spec).withPassRole(passRole);
    IamPolicy policy =
        purpose == Purpose.cleanup
            ? PolicyGenerator.cleanup(inputs)
            : PolicyGenerator.build(inputs);
    ctx.out().println(policy.toJson());
    ctx.out().flush();
    return ExitCodes.OK;
  }
}
