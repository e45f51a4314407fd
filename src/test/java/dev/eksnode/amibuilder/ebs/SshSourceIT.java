package dev.eksnode.amibuilder.ebs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.cli.TestHome;
import dev.eksnode.amibuilder.rig.CheckIpServer;
import dev.eksnode.amibuilder.rig.FaultProxy;
import dev.eksnode.amibuilder.rig.MotoExtension;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ec2.model.Filter;

/**
 * Where the temporary security group admits SSH from, decided against moto with a stand-in check-IP
 * endpoint that counts its requests: the VPC's CIDR when SSH goes to the private address (and no
 * check-IP request at all), the caller's /32 for public SSH, the template's CIDRs over both.
 */
class SshSourceIT {
  @RegisterExtension static final MotoExtension MOTO = new MotoExtension();
  @TempDir Path tmp;

  private BuildRig rig;
  private CheckIpServer checkIp;

  @BeforeEach
  void start() {
    rig = new BuildRig(MOTO, tmp);
    rig.loopbackCidr = false;
    checkIp = CheckIpServer.answering("203.0.113.7");
    rig.home.env.put(BuildTuning.CHECKIP_ENV, checkIp.url().toString());
  }

  @AfterEach
  void stop() {
    checkIp.close();
    rig.close();
  }

  /** The CIDRs of the one ingress rule the build authorised. */
  private List<String> ingress() {
    List<FaultProxy.Request> calls = rig.proxy.requests("AuthorizeSecurityGroupIngress");
    assertEquals(1, calls.size(), calls.toString());
    Map<String, String> ranges =
        new TreeMap<>(calls.get(0).paramsStartingWith("IpPermissions.1.IpRanges."));
    return ranges.entrySet().stream()
        .filter(e -> e.getKey().endsWith(".CidrIp"))
        .map(Map.Entry::getValue)
        .toList();
  }

  private String defaultVpcCidr() {
    return rig.ec2()
        .describeVpcs(r -> r.filters(Filter.builder().name("isDefault").values("true").build()))
        .vpcs()
        .get(0)
        .cidrBlock();
  }

  private static String ingressLine(TestHome.Result r) {
    List<String> lines = r.out().lines().filter(l -> l.contains("ssh ingress from")).toList();
    assertEquals(1, lines.size(), r.out());
    return lines.get(0).strip();
  }

  @Test
  void privateIpInterface_admitsTheVpcCidr_withoutAskingCheckIp() {
    TestHome.Result r = rig.build("ssh_interface=private_ip");

    assertEquals(0, r.code(), r.err() + r.out());
    String cidr = defaultVpcCidr();
    assertEquals(List.of(cidr), ingress());
    assertEquals(0, checkIp.requests(), "check-IP must not be asked for private SSH");
    String vpc = rig.proxy.requests("CreateSecurityGroup").get(0).param("VpcId");
    assertEquals(
        "ssh ingress from "
            + cidr
            + " (the CIDR of "
            + vpc
            + "; SSH goes to the private address: ssh_interface is private_ip)",
        ingressLine(r));
  }

  @Test
  void noPublicIp_admitsTheVpcCidr_withoutAskingCheckIp() {
    TestHome.Result r = rig.build("associate_public_ip_address=false");

    assertEquals(0, r.code(), r.err() + r.out());
    assertEquals(List.of(defaultVpcCidr()), ingress());
    assertEquals(0, checkIp.requests());
    assertTrue(ingressLine(r).endsWith("associate_public_ip_address is false)"), r.out());
  }

  @Test
  void subnetWithoutPublicIps_admitsEveryCidrBlockOfItsVpc() {
    String vpc = rig.ec2().createVpc(r -> r.cidrBlock("10.20.0.0/16")).vpc().vpcId();
    rig.ec2().associateVpcCidrBlock(r -> r.vpcId(vpc).cidrBlock("10.21.0.0/16"));
    String subnet =
        rig.ec2().createSubnet(r -> r.vpcId(vpc).cidrBlock("10.20.1.0/24")).subnet().subnetId();

    TestHome.Result r = rig.build("subnet_id=" + subnet);

    assertEquals(0, r.code(), r.err() + r.out());
    assertEquals(List.of("10.20.0.0/16", "10.21.0.0/16"), ingress());
    assertEquals(0, checkIp.requests());
    assertTrue(
        ingressLine(r)
            .contains(
                "the CIDR blocks of "
                    + vpc
                    + "; SSH goes to the private address: subnet "
                    + subnet
                    + " does not assign public IP addresses"),
        r.out());
  }

  @Test
  void publicSsh_admitsTheCallersAddressFromCheckIp() {
    TestHome.Result r = rig.build();

    assertEquals(0, r.code(), r.err() + r.out());
    assertEquals(List.of("203.0.113.7/32"), ingress());
    assertEquals(1, checkIp.requests());
    assertEquals(
        "ssh ingress from 203.0.113.7/32 (this machine's public address, from "
            + checkIp.url()
            + "; SSH goes to the public address)",
        ingressLine(r));
    assertEquals(1, rig.proxy.count("DescribeVpcs"), "only the default-VPC lookup");
  }

  @Test
  void explicitCidrs_winOverThePrivateAddress() {
    TestHome.Result r =
        rig.build("ssh_interface=private_ip", "temporary_security_group_source_cidrs=192.0.2.0/24");

    assertEquals(0, r.code(), r.err() + r.out());
    assertEquals(List.of("192.0.2.0/24"), ingress());
    assertEquals(0, checkIp.requests());
    assertEquals(
        "ssh ingress from 192.0.2.0/24 (temporary_security_group_source_cidrs)", ingressLine(r));
  }
}
