package dev.eksnode.amibuilder.eks;

import dev.eksnode.amibuilder.failure.Categorized;
import dev.eksnode.amibuilder.failure.FailureCategory;
import java.util.Objects;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.NetworkCardInfo;
import software.amazon.awssdk.services.ec2.model.NetworkInfo;

/**
 * The facts about an EC2 instance type that decide how many pods it can run.
 *
 * @param instanceType e.g. {@code m5.large}
 * @param hypervisor {@code nitro}, {@code xen}, or empty for bare metal
 * @param maximumNetworkInterfaces ENIs of the whole instance (what the calculator uses)
 * @param defaultCardNetworkInterfaces ENIs of the default network card (what eni-max-pods.txt uses)
 * @param ipv4AddressesPerInterface private IPv4 addresses per ENI
 * @param defaultVCpus vCPUs with the default core and thread counts
 */
public record InstanceTypeInfo(
    String instanceType,
    String hypervisor,
    int maximumNetworkInterfaces,
    int defaultCardNetworkInterfaces,
    int ipv4AddressesPerInterface,
    int defaultVCpus) {

  public InstanceTypeInfo {
    Objects.requireNonNull(instanceType, "instanceType");
    hypervisor = hypervisor == null ? "" : hypervisor;
    if (maximumNetworkInterfaces < 0
        || defaultCardNetworkInterfaces < 0
        || ipv4AddressesPerInterface < 0) {
      throw new IllegalArgumentException("negative network limits for " + instanceType);
    }
  }

  public boolean nitro() {
    return "nitro".equals(hypervisor);
  }

  /** Converts the EC2 API's description. */
  public static InstanceTypeInfo from(
      software.amazon.awssdk.services.ec2.model.InstanceTypeInfo api) {
    NetworkInfo network = api.networkInfo();
    int total = network == null ? 0 : nullToZero(network.maximumNetworkInterfaces());
    return new InstanceTypeInfo(
        api.instanceTypeAsString(),
        api.hypervisorAsString(),
        total,
        defaultCardInterfaces(network, total),
        network == null ? 0 : nullToZero(network.ipv4AddressesPerInterface()),
        api.vCpuInfo() == null ? 0 : nullToZero(api.vCpuInfo().defaultVCpus()));
  }

  /**
   * As {@link #describe(Ec2Client, String)}, with the EC2 client of {@code region} from {@code
   * aws}.
   */
  public static InstanceTypeInfo describe(
      dev.eksnode.amibuilder.aws.AwsClientFactory aws, String region, String instanceType) {
    return describe(aws.ec2(region), instanceType);
  }

  /** Asks EC2 DescribeInstanceTypes about one type. */
  public static InstanceTypeInfo describe(Ec2Client ec2, String instanceType) {
    try {
      return ec2
          .describeInstanceTypes(request -> request.instanceTypesWithStrings(instanceType))
          .instanceTypes()
          .stream()
          .findFirst()
          .map(InstanceTypeInfo::from)
          .orElseThrow(() -> new UnknownInstanceTypeException(instanceType, null));
    } catch (Ec2Exception e) {
      if (e.awsErrorDetails() != null
          && "InvalidInstanceType".equals(e.awsErrorDetails().errorCode())) {
        throw new UnknownInstanceTypeException(instanceType, e);
      }
      throw e;
    }
  }

  // Multi-card types (p4d, trn1…) list more ENIs in total than one card carries; pods on the
  // primary card's ENIs are what the reference table counts.
  private static int defaultCardInterfaces(NetworkInfo network, int total) {
    if (network == null || !network.hasNetworkCards() || network.networkCards().isEmpty()) {
      return total;
    }
    int defaultIndex = nullToZero(network.defaultNetworkCardIndex());
    return network.networkCards().stream()
        .filter(card -> card.networkCardIndex() != null && card.networkCardIndex() == defaultIndex)
        .map(NetworkCardInfo::maximumNetworkInterfaces)
        .filter(Objects::nonNull)
        .findFirst()
        .orElse(total);
  }

  private static int nullToZero(Integer value) {
    return value == null ? 0 : value;
  }

  /** EC2 does not know the instance type: the user named one that is not offered in the region. */
  public static final class UnknownInstanceTypeException extends RuntimeException
      implements Categorized {
    private static final long serialVersionUID = 1L;

    public UnknownInstanceTypeException(String instanceType, Throwable cause) {
      super("EC2 does not know instance type '" + instanceType + "'", cause);
    }

    @Override
    public FailureCategory category() {
      return FailureCategory.USAGE;
    }
  }
}
