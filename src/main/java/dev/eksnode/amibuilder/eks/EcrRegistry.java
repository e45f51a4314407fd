package dev.eksnode.amibuilder.eks;

import java.util.Map;
import software.amazon.awssdk.regions.PartitionMetadata;
import software.amazon.awssdk.regions.Region;

/**
 * The ECR registry that serves the EKS images (pause, kube-proxy, the VPC CNI) in a region: the
 * same account table as {@code files/get-ecr-uri.sh} (opt-in, China, GovCloud and isolated regions
 * have their own account; every other region uses 602401143452), and the DNS suffix of the region's
 * partition.
 */
public final class EcrRegistry {
  /** The account of every region the table does not list. */
  public static final String DEFAULT_ACCOUNT = "602401143452";

  private static final Map<String, String> ACCOUNTS =
      Map.ofEntries(
          Map.entry("ap-east-1", "800184023465"),
          Map.entry("me-south-1", "558608220178"),
          Map.entry("cn-north-1", "918309763551"),
          Map.entry("cn-northwest-1", "961992271922"),
          Map.entry("us-gov-west-1", "013241004608"),
          Map.entry("us-gov-east-1", "151742754352"),
          Map.entry("us-iso-east-1", "725322719131"),
          Map.entry("us-isob-east-1", "187977181151"),
          Map.entry("af-south-1", "877085696533"),
          Map.entry("eu-south-1", "590381155156"),
          Map.entry("ap-southeast-3", "296578399912"),
          Map.entry("me-central-1", "759879836304"),
          Map.entry("eu-south-2", "455263428931"),
          Map.entry("eu-central-2", "900612956339"),
          Map.entry("ap-south-2", "900889452093"));

  private EcrRegistry() {}

  /** The account that publishes the EKS images in {@code region}. */
  public static String account(String region) {
    return ACCOUNTS.getOrDefault(region, DEFAULT_ACCOUNT);
  }

  /**
   * The DNS suffix of {@code region}'s partition ({@code amazonaws.com}, {@code amazonaws.com.cn},
   * {@code c2s.ic.gov}...); a region the SDK does not know (an emulator's) counts as commercial.
   */
  public static String dnsSuffix(String region) {
    try {
      PartitionMetadata partition = PartitionMetadata.of(Region.of(region));
      String suffix = partition == null ? null : partition.dnsSuffix();
      return suffix == null || suffix.isBlank() ? "amazonaws.com" : suffix;
    } catch (RuntimeException e) {
      return "amazonaws.com";
    }
  }

  /** The registry host, e.g. {@code 602401143452.dkr.ecr.us-west-2.amazonaws.com}. */
  public static String host(String region) {
    return account(region) + ".dkr.ecr." + region + "." + dnsSuffix(region);
  }
}
