package dev.eksnode.amibuilder.ebs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.remote.RemoteOperationException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which address the provisioning connects to, per ssh_interface and ssh_host. */
class ProvisionStepTest {
  private static final BuildState.LaunchedInstance ALL =
      new BuildState.LaunchedInstance(
          "i-0123",
          List.of(),
          "203.0.113.7",
          "10.0.1.7",
          "ec2-203-0-113-7.us-west-2.compute.amazonaws.com",
          "ip-10-0-1-7.us-west-2.compute.internal");
  private static final BuildState.LaunchedInstance PRIVATE_ONLY =
      new BuildState.LaunchedInstance(
          "i-0456", List.of(), null, "10.0.1.8", "", "ip-10-0-1-8.us-west-2.compute.internal");

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "public_ip, 203.0.113.7",
    "private_ip, 10.0.1.7",
    "public_dns, ec2-203-0-113-7.us-west-2.compute.amazonaws.com",
    "private_dns, ip-10-0-1-7.us-west-2.compute.internal"
  })
  void sshInterface_choosesThatAddress(String sshInterface, String expected) {
    assertEquals(expected, ProvisionStep.host(null, sshInterface, ALL));
  }

  @Test
  void sshHost_overridesEveryInterface() {
    for (String iface : List.of("", "public_ip", "private_ip", "public_dns", "private_dns")) {
      assertEquals("127.0.0.1", ProvisionStep.host("127.0.0.1", iface, PRIVATE_ONLY), iface);
    }
  }

  @Test
  void noInterface_prefersThePublicIp_elseThePrivateIp() {
    assertEquals("203.0.113.7", ProvisionStep.host("", null, ALL));
    assertEquals("10.0.1.8", ProvisionStep.host(null, "", PRIVATE_ONLY));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "public_ip, public IP address, associate_public_ip_address",
    "public_dns, public DNS name, associate_public_ip_address"
  })
  void chosenAddressMissing_failsNamingTheFieldAndTheFix(
      String sshInterface, String missing, String fix) {
    RemoteOperationException error =
        assertThrows(
            RemoteOperationException.class,
            () -> ProvisionStep.host(null, sshInterface, PRIVATE_ONLY));

    assertTrue(error.getMessage().contains("i-0456 has no " + missing), error.getMessage());
    assertTrue(
        error.getMessage().contains("ssh_interface '" + sshInterface + "'"), error.getMessage());
    assertTrue(error.getMessage().contains(fix), error.getMessage());
    assertTrue(error.getMessage().contains("ssh_host"), error.getMessage());
  }

  @Test
  void privateAddressMissing_failsToo() {
    BuildState.LaunchedInstance noPrivateDns =
        new BuildState.LaunchedInstance("i-0789", List.of(), "203.0.113.9", "10.0.1.9", null, null);

    RemoteOperationException error =
        assertThrows(
            RemoteOperationException.class,
            () -> ProvisionStep.host(null, "private_dns", noPrivateDns));

    assertEquals(
        "instance i-0789 has no private DNS name, which ssh_interface 'private_dns' connects to; "
            + "choose another ssh_interface or set ssh_host",
        error.getMessage());
  }
}
