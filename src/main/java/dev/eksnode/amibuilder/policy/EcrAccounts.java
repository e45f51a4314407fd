package dev.eksnode.amibuilder.policy;

import java.util.Map;

/**
 * The AWS account that serves the EKS images (pause, kube-proxy, vpc-cni) from ECR in each region,
 * as the node's {@code get-ecr-uri.sh} chooses it: a table of regions with their own account, and
 * one account for every other region.
 */
public final class EcrAccounts {
  private EcrAccounts() {}

  /** The account of every region the table does not name. */
  public static final String DEFAULT = "602401143452";

  private static final Map<String, String> BY_REGION =
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

  /** The ECR account holding the EKS images in {@code region}. */
  public static String of(String region) {
    return BY_REGION.getOrDefault(region, DEFAULT);
  }
}
