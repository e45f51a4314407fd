package dev.eksnode.amibuilder.ebs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SshSourceTest {
  private static final BuildState.Network DEFAULT_VPC =
      new BuildState.Network("vpc-default", null, true);
  private static final BuildState.Network PRIVATE_SUBNET =
      new BuildState.Network("vpc-inner", "subnet-inner", false);
  private static final String CHECKIP = "https://checkip.example";

  private final List<String> asked = new ArrayList<>();

  private SshSource choose(
      List<String> given, String iface, Boolean associate, BuildState.Network network)
      throws InterruptedException {
    return SshSource.choose(
        given,
        iface,
        associate,
        network,
        () -> {
          asked.add("vpc " + network.vpcId());
          return List.of("10.1.0.0/16", "10.2.0.0/16");
        },
        () -> {
          asked.add("checkip");
          return "203.0.113.9/32";
        },
        CHECKIP);
  }

  @Test
  void privateIpInterface_isTheVpcCidrs_andCheckIpIsNotAsked() throws InterruptedException {
    SshSource source = choose(List.of(), "private_ip", null, DEFAULT_VPC);

    assertEquals(List.of("10.1.0.0/16", "10.2.0.0/16"), source.cidrs());
    assertEquals(List.of("vpc vpc-default"), asked);
    assertEquals(
        "ssh ingress from 10.1.0.0/16, 10.2.0.0/16 (the CIDR blocks of vpc-default; SSH goes to"
            + " the private address: ssh_interface is private_ip)",
        source.line());
  }

  @Test
  void privateDnsInterface_isTheVpcCidrsEvenWhereAPublicIpIsAssigned() throws InterruptedException {
    SshSource source = choose(List.of(), "private_dns", true, DEFAULT_VPC);

    assertEquals(List.of("vpc vpc-default"), asked);
    assertEquals("ssh_interface is private_dns", source.reason().replaceAll(".*: ", ""));
  }

  @Test
  void noPublicIpRequested_isTheVpcCidrs() throws InterruptedException {
    SshSource source = choose(List.of(), null, false, DEFAULT_VPC);

    assertEquals(List.of("vpc vpc-default"), asked);
    assertEquals(
        "the CIDR blocks of vpc-default; SSH goes to the private address:"
            + " associate_public_ip_address is false",
        source.reason());
  }

  @Test
  void subnetWithoutPublicIps_andNothingSaid_isTheVpcCidrs() throws InterruptedException {
    SshSource source = choose(List.of(), null, null, PRIVATE_SUBNET);

    assertEquals(List.of("vpc vpc-inner"), asked);
    assertEquals(
        "the CIDR blocks of vpc-inner; SSH goes to the private address: subnet subnet-inner does"
            + " not assign public IP addresses and associate_public_ip_address is not set",
        source.reason());
  }

  @Test
  void subnetWithoutPublicIps_butOneRequested_isTheCallersAddress() throws InterruptedException {
    SshSource source = choose(List.of(), null, true, PRIVATE_SUBNET);

    assertEquals(List.of("checkip"), asked);
    assertEquals(List.of("203.0.113.9/32"), source.cidrs());
  }

  @Test
  void publicSsh_isTheCallersAddress_andTheVpcIsNotAsked() throws InterruptedException {
    SshSource source = choose(List.of(), null, null, DEFAULT_VPC);

    assertEquals(List.of("checkip"), asked);
    assertEquals(
        "ssh ingress from 203.0.113.9/32 (this machine's public address, from"
            + " https://checkip.example; SSH goes to the public address)",
        source.line());
  }

  @Test
  void publicInterfaceOnAPrivateSubnet_isStillTheCallersAddress() throws InterruptedException {
    choose(List.of(), "public_dns", null, PRIVATE_SUBNET);

    assertEquals(List.of("checkip"), asked);
  }

  @Test
  void explicitCidrs_winOverEverything_andNothingIsAsked() throws InterruptedException {
    SshSource source = choose(List.of("192.0.2.0/24"), "private_ip", false, PRIVATE_SUBNET);

    assertEquals(List.of(), asked);
    assertEquals(
        "ssh ingress from 192.0.2.0/24 (temporary_security_group_source_cidrs)", source.line());
  }

  @Test
  void privateReason_isNullForPublicSsh() {
    assertNull(SshSource.privateReason("public_ip", false, PRIVATE_SUBNET));
    assertNull(SshSource.privateReason(null, true, PRIVATE_SUBNET));
    assertNull(SshSource.privateReason(null, null, DEFAULT_VPC));
  }
}
