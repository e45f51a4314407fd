package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.template.AmazonEbsSettings;
import java.util.List;
import java.util.Objects;

/**
 * Where the temporary security group admits SSH from, and why: the template's {@code
 * temporary_security_group_source_cidrs} when given; else, when SSH goes to the instance's private
 * address, the CIDR blocks of its VPC (a runner inside the VPC connects from there, never from its
 * NAT's public address); else this machine's public /32 from the check-IP endpoint.
 *
 * @param cidrs the IPv4 ranges the group admits
 * @param reason why these, for the one line the build prints (no trailing punctuation)
 */
public record SshSource(List<String> cidrs, String reason) {
  public SshSource {
    cidrs = List.copyOf(cidrs);
    Objects.requireNonNull(reason, "reason");
  }

  /** Something that can fail the way the preflight lookups fail, or be interrupted. */
  @FunctionalInterface
  interface Lookup<T> {
    T get() throws InterruptedException;
  }

  /**
   * Decides the source. {@code vpcCidrs} is asked only for private SSH, {@code callerIp} (a /32)
   * only for public SSH: a build never calls the check-IP endpoint when its answer is not used.
   * {@code checkIpUrl} only names the endpoint in the reason.
   */
  static SshSource choose(
      AmazonEbsSettings s,
      BuildState.Network network,
      Lookup<List<String>> vpcCidrs,
      Lookup<String> callerIp,
      String checkIpUrl)
      throws InterruptedException {
    return choose(
        s.network().temporarySecurityGroupSourceCidrs(),
        s.ssh().interfaceName(),
        s.network().associatePublicIpAddress(),
        network,
        vpcCidrs,
        callerIp,
        checkIpUrl);
  }

  /**
   * As above, from the three template values that decide: {@code
   * temporary_security_group_source_cidrs} ({@code given}), {@code ssh_interface} and {@code
   * associate_public_ip_address} (null when not set).
   */
  static SshSource choose(
      List<String> given,
      String sshInterface,
      Boolean associatePublicIp,
      BuildState.Network network,
      Lookup<List<String>> vpcCidrs,
      Lookup<String> callerIp,
      String checkIpUrl)
      throws InterruptedException {
    if (!given.isEmpty()) {
      return new SshSource(given, "temporary_security_group_source_cidrs");
    }
    String privately = privateReason(sshInterface, associatePublicIp, network);
    if (privately != null) {
      List<String> blocks = vpcCidrs.get();
      return new SshSource(
          blocks,
          (blocks.size() == 1 ? "the CIDR of " : "the CIDR blocks of ")
              + network.vpcId()
              + "; SSH goes to the private address: "
              + privately);
    }
    String ip = callerIp.get();
    return new SshSource(
        List.of(ip),
        "this machine's public address, from " + checkIpUrl + "; SSH goes to the public address");
  }

  /**
   * Why SSH goes to the instance's private address, or null when it goes to the public one: {@code
   * ssh_interface} private_ip or private_dns; or, without {@code ssh_interface}, an instance that
   * gets no public IP ({@code associate_public_ip_address=false}, or left unset in a subnet that
   * does not map public IPs on launch), so {@code ProvisionStep} falls back to the private IP.
   */
  static String privateReason(String iface, Boolean associate, BuildState.Network network) {
    if ("private_ip".equals(iface) || "private_dns".equals(iface)) {
      return "ssh_interface is " + iface;
    }
    if (iface != null) {
      return null;
    }
    if (Boolean.FALSE.equals(associate)) {
      return "associate_public_ip_address is false";
    }
    if (associate == null && !network.publicIpOnLaunch()) {
      return "subnet "
          + network.subnetId()
          + " does not assign public IP addresses and associate_public_ip_address is not set";
    }
    return null;
  }

  /**
   * The line the build prints, e.g. {@code ssh ingress from 10.0.0.0/16 (the CIDR of vpc-1; …)}.
   */
  public String line() {
    return "ssh ingress from " + String.join(", ", cidrs) + " (" + reason + ")";
  }
}
