package dev.eksnode.amibuilder.ebs;

import java.security.KeyPair;
import java.util.Objects;

/**
 * Where and how provisioning reaches the build instance.
 *
 * @param instanceId the instance being provisioned
 * @param host address chosen by {@code ssh_host} / {@code ssh_interface}
 * @param port SSH port
 * @param username login user
 * @param key the temporary key pair whose public half was imported into EC2
 */
public record InstanceEndpoint(
    String instanceId, String host, int port, String username, KeyPair key) {
  public InstanceEndpoint {
    Objects.requireNonNull(instanceId, "instanceId");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(key, "key");
  }

  @Override
  public String toString() {
    // The private key never appears in logs.
    return username + "@" + host + ":" + port + " (" + instanceId + ")";
  }
}
