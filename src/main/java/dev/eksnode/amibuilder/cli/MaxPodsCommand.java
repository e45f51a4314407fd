package dev.eksnode.amibuilder.cli;

import dev.eksnode.amibuilder.aws.AwsClientFactory;
import dev.eksnode.amibuilder.config.ConfigException;
import dev.eksnode.amibuilder.eks.EniMaxPodsGenerator;
import dev.eksnode.amibuilder.eks.EniMaxPodsTable;
import dev.eksnode.amibuilder.eks.InstanceTypeInfo;
import dev.eksnode.amibuilder.eks.MaxPodsCalculator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import software.amazon.awssdk.core.exception.SdkClientException;

/** The max-pods calculator of bootstrap.sh, and the generator of eni-max-pods.txt. */
@Command(
    name = "max-pods",
    mixinStandardHelpOptions = true,
    description = {
      "Print the maximum number of pods for an instance type.",
      "Without --cni-version or any other CNI option: the value of the installation's eni-max-pods.txt,"
          + " the table bootstrap.sh uses; no AWS call, no credentials.",
      "With --cni-version: computed as max-pods-calculator.sh does from EC2 DescribeInstanceTypes: ENIs x"
          + " (IPv4 per ENI - 1) + 2, or with /28 prefixes when prefix delegation is on, capped at 110 (or"
          + " 250 above 30 vCPUs) unless --show-max-allowed.",
      "  ami-builder max-pods --instance-type m7i.large",
      "  ami-builder max-pods --instance-type m5.large --cni-version 1.10.0"
    },
    subcommands = MaxPodsCommand.Generate.class)
final class MaxPodsCommand implements Callable<Integer> {
  @ParentCommand AmiBuilderCommand parent;
  @Mixin AwsOptions aws;
  @Mixin OutputOptions output;

  @Option(
      names = "--instance-type",
      paramLabel = "TYPE",
      description = "EC2 instance type, e.g. m5.large.")
  String instanceType;

  @Option(
      names = "--cni-version",
      paramLabel = "VERSION",
      description =
          "VPC CNI version, e.g. 1.10.0: compute from EC2 instead of reading eni-max-pods.txt"
              + " (required by the other --cni-* options and --show-max-allowed).")
  String cniVersion;

  @Option(
      names = "--cni-custom-networking-enabled",
      description = "Custom networking: the primary ENI hosts no pods.")
  boolean customNetworking;

  @Option(
      names = "--cni-prefix-delegation-enabled",
      description = "Prefix delegation (CNI 1.9+ on Nitro instances).")
  boolean prefixDelegation;

  @Option(names = "--cni-max-eni", paramLabel = "N", description = "Use at most N ENIs.")
  Integer maxEni;

  @Option(names = "--show-max-allowed", description = "Print the uncapped value.")
  boolean showMaxAllowed;

  @Option(
      names = "--region",
      paramLabel = "REGION",
      description =
          "Region to ask with --cni-version (default: aws_region, AWS_REGION, AWS_DEFAULT_REGION,"
              + " the profile's region, else "
              + DEFAULT_REGION
              + ").")
  String region;

  /** The last resort of the region rule here: the shipped template's default region. */
  static final String DEFAULT_REGION = "us-west-2";

  @Override
  public Integer call() {
    CliContext ctx = parent.context();
    if (instanceType == null || instanceType.isBlank()) {
      throw new ConfigException("--instance-type is required; e.g. --instance-type m5.large");
    }
    if (region != null) {
      // The table needs no region, but a misspelt one is still an error, as in every command.
      RegionRule.checkOption(region, aws.endpoint());
    }
    if (cniVersion == null && !customNetworking && !prefixDelegation && maxEni == null) {
      if (showMaxAllowed) {
        throw new ConfigException(
            "--show-max-allowed needs --cni-version (the shipped table is uncapped already); pass the"
                + " VPC CNI version, e.g. --cni-version 1.10.0");
      }
      return fromTable(ctx);
    }
    if (cniVersion == null || !cniVersion.matches("v?\\d+\\.\\d+(\\.\\d+)?([-+].*)?")) {
      throw new ConfigException(
          "--cni-version "
              + (cniVersion == null
                  ? "is required with --cni-custom-networking-enabled,"
                      + " --cni-prefix-delegation-enabled and --cni-max-eni"
                  : "'" + cniVersion + "' is not a version")
              + "; pass the VPC CNI version, e.g. --cni-version 1.10.0");
    }
    if (maxEni != null && maxEni < 1) {
      throw new ConfigException("--cni-max-eni " + maxEni + " must be at least 1");
    }
    MaxPodsCalculator.Settings settings = MaxPodsCalculator.Settings.of(cniVersion);
    if (prefixDelegation) {
      settings = settings.withPrefixDelegation();
    }
    if (customNetworking) {
      settings = settings.withCustomNetworking();
    }
    if (maxEni != null) {
      settings = settings.withMaxEni(maxEni);
    }
    if (showMaxAllowed) {
      settings = settings.withShowMaxAllowed();
    }
    String r =
        RegionRule.choose(ctx, region, aws.profile, aws.endpoint())
            .map(RegionRule.Choice::region)
            .orElse(DEFAULT_REGION);
    try (AwsClientFactory clients = aws.clients(ctx, r)) {
      InstanceTypeInfo info;
      try {
        info = InstanceTypeInfo.describe(clients, r, instanceType);
      } catch (InstanceTypeInfo.UnknownInstanceTypeException e) {
        throw new ConfigException(
            "--instance-type "
                + instanceType
                + " is not offered in "
                + r
                + "; check the name or try another --region");
      }
      int pods = MaxPodsCalculator.maxPods(info, settings);
      Console console = new Console(ctx, output.json, output.quiet);
      console.result(Integer.toString(pods));
      Map<String, Object> event = new LinkedHashMap<>();
      event.put("instance_type", instanceType);
      event.put("max_pods", pods);
      event.put("source", "ec2");
      console.event("max-pods", event);
      return ExitCodes.OK;
    } catch (SdkClientException e) {
      throw new CommandFailedException(
          ExitCodes.BUILD_FAILED,
          unreachable(e, "EC2 in " + r) + "; check credentials, --region and --endpoint-url");
    }
  }

  /**
   * The line for a call that got no answer: the endpoint and the cause when the SDK's failure names
   * them ({@link dev.eksnode.amibuilder.aws.UnreachableEndpoint}), else {@code what} and the
   * message with its root cause.
   */
  static String unreachable(SdkClientException e, String what) {
    String text = Main.oneLine(e.getMessage());
    return text.startsWith(dev.eksnode.amibuilder.aws.UnreachableEndpoint.PREFIX)
        ? text + " (" + what + ")"
        : "cannot reach " + what + ": " + Main.oneLine(Main.withRootCause(e.getMessage(), e));
  }

  /** The answer bootstrap.sh gives from the shipped table: no AWS call. */
  private int fromTable(CliContext ctx) {
    EniMaxPodsTable table = EniMaxPodsTable.read(ctx.home().resolve("eni-max-pods.txt"));
    int pods =
        table
            .maxPods(instanceType)
            .orElseThrow(
                () ->
                    new ConfigException(
                        "--instance-type "
                            + instanceType
                            + " is not in "
                            + table.file()
                            + " ("
                            + table.size()
                            + " types); check the name, or pass --cni-version to compute it from EC2"
                            + " DescribeInstanceTypes as bootstrap.sh does for a type its table lacks"));
    Console console = new Console(ctx, output.json, output.quiet);
    console.result(Integer.toString(pods));
    Map<String, Object> event = new LinkedHashMap<>();
    event.put("instance_type", instanceType);
    event.put("max_pods", pods);
    event.put("source", "eni-max-pods.txt");
    console.event("max-pods", event);
    return ExitCodes.OK;
  }

  /** Rewrites eni-max-pods.txt from DescribeInstanceTypes. */
  @Command(
      name = "generate",
      mixinStandardHelpOptions = true,
      description = {
        "Rewrite eni-max-pods.txt from EC2 DescribeInstanceTypes.",
        "Queries one or more regions and uses the default network card's ENIs x (IPv4 per ENI - 1) + 2. Types "
            + "listed in the existing file that the API no longer returns are kept. The header records when and "
            + "from what the file was generated."
      })
  static final class Generate implements Callable<Integer> {
    @ParentCommand MaxPodsCommand maxPods;
    @Mixin AwsOptions aws;

    @Option(
        names = "--region",
        paramLabel = "REGION",
        description = "Region to query; repeatable (default: us-east-1, us-west-2).")
    List<String> regions = new ArrayList<>();

    @Option(
        names = "--output",
        paramLabel = "FILE",
        description =
            "File to write (default: eni-max-pods.txt of the installation); '-' prints to stdout.")
    String outputFile;

    @Override
    public Integer call() throws IOException {
      CliContext ctx = maxPods.parent.context();
      // Options written before the subcommand word belong to the parent command; honour them here
      // too.
      AwsOptions aws =
          this.aws.endpointUrl == null && this.aws.profile == null ? maxPods.aws : this.aws;
      List<String> rs =
          !regions.isEmpty()
              ? regions
              : maxPods.region != null
                  ? List.of(maxPods.region)
                  : List.of("us-east-1", "us-west-2");
      for (String r : rs) {
        RegionRule.checkOption(r, aws.endpoint());
      }
      Path target =
          outputFile == null
              ? ctx.home().resolve("eni-max-pods.txt")
              : outputFile.equals("-") ? null : ctx.resolve(outputFile);
      Path existing =
          outputFile == null || !outputFile.equals("-")
              ? target
              : ctx.home().resolve("eni-max-pods.txt");
      try (AwsClientFactory clients = aws.clients(ctx, rs.get(0))) {
        String source =
            "EC2 DescribeInstanceTypes" + (aws.endpoint() == null ? "" : " at " + aws.endpoint());
        String text =
            EniMaxPodsGenerator.generate(
                clients,
                rs,
                existing != null && Files.exists(existing) ? existing : null,
                ctx.clock(),
                source);
        if (target == null) {
          ctx.out().print(text);
          ctx.out().flush();
        } else {
          Files.writeString(target, text);
          ctx.err()
              .println(
                  "wrote "
                      + target
                      + " ("
                      + EniMaxPodsGenerator.parse(text).size()
                      + " instance types)");
          ctx.err().flush();
        }
        return ExitCodes.OK;
      } catch (SdkClientException e) {
        throw new CommandFailedException(
            ExitCodes.BUILD_FAILED,
            unreachable(e, "EC2") + "; check credentials, --region and --endpoint-url");
      }
    }
  }
}
