package dev.eksnode.amibuilder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every bad input: exit 2, exactly one line on stderr naming the field (and the fix), and no connection to the AWS
 * endpoint. The endpoint is a local socket that counts connection attempts.
 */
class BadInputCorpusTest {
  @TempDir Path root;
  TestHome home;
  ServerSocket endpoint;
  final AtomicInteger connections = new AtomicInteger();

  @BeforeEach
  void setUp() throws IOException {
    home = new TestHome(root);
    home.write("broken.json", "{\"aws_region\": \"us-east-1\",, }");
    home.write("array.json", "[\"aws_region\"]");
    home.write("list-value.json", "{\"ami_users\": [\"123456789012\"]}");
    home.write("typo.json", "{\"aws_regoin\": \"us-east-1\"}");
    home.write("bad-name.json", "{\"ami_name\": \"my#ami\"}");
    home.write("template-broken.json", "{\"builders\": [ {\"type\": \"amazon-ebs\" ");
    home.write("template-key.json", "{\"builders\": [{\"type\": \"amazon-ebs\", \"region\": \"us-east-1\", "
        + "\"ssh_agent_auth\": true}]}");
    home.write("template-func.json", "{\"builders\": [{\"type\": \"amazon-ebs\", \"region\": \"us-east-1\", "
        + "\"ami_name\": \"x-{{ clean_resource_name `y` }}\"}]}");
    home.write("template-builder.json", "{\"builders\": [{\"type\": \"docker\"}]}");
    endpoint = new ServerSocket(0);
    Thread t = new Thread(() -> {
      while (!endpoint.isClosed()) {
        try (Socket s = endpoint.accept()) {
          connections.incrementAndGet();
        } catch (IOException e) {
          return;
        }
      }
    });
    t.setDaemon(true);
    t.start();
  }

  @AfterEach
  void tearDown() throws IOException {
    endpoint.close();
  }

  static Stream<Arguments> corpus() {
    List<Arguments> c = new ArrayList<>();
    c.add(Arguments.of("malformed var file", "broken.json", List.of("--var-file", "broken.json")));
    c.add(Arguments.of("var file not an object", "array.json", List.of("--var-file", "array.json")));
    c.add(Arguments.of("list where a string belongs", "ami_users", List.of("--var-file", "list-value.json")));
    c.add(Arguments.of("missing var file", "nope.json", List.of("--var-file", "nope.json")));
    c.add(Arguments.of("unknown variable with --strict", "aws_regoin", List.of("--strict", "--var-file", "typo.json")));
    c.add(Arguments.of("unknown --var with --strict", "kubernetes_verison",
        List.of("--strict", "--var", "kubernetes_verison=1.23.1")));
    c.add(Arguments.of("version syntax", "kubernetes_version", List.of("--kubernetes-version", "1.x")));
    c.add(Arguments.of("version missing", "kubernetes_version", List.of("--var", "aws_region=us-east-1")));
    c.add(Arguments.of("impossible date", "kubernetes_build_date", List.of("kubernetes_build_date=2023-13-01")));
    c.add(Arguments.of("date syntax", "kubernetes_build_date", List.of("--kubernetes-build-date", "20230130")));
    c.add(Arguments.of("arch", "arch", List.of("arch=amd64")));
    c.add(Arguments.of("kernel", "kernel_version", List.of("kernel_version=6.1")));
    c.add(Arguments.of("kernel too old for 1.24", "kernel_version",
        List.of("--kubernetes-version=1.24.10", "kernel_version=4.14")));
    c.add(Arguments.of("boolean encrypted", "encrypted", List.of("encrypted=yes")));
    c.add(Arguments.of("boolean cache", "cache_container_images", List.of("cache_container_images=maybe")));
    c.add(Arguments.of("region", "aws_region", List.of("--region", "mars-1")));
    c.add(Arguments.of("bucket region case", "binary_bucket_region", List.of("binary_bucket_region=US-WEST-2")));
    c.add(Arguments.of("copy region list", "ami_regions", List.of("ami_regions=us-east-1,,eu-west-1")));
    c.add(Arguments.of("CIDR mask", "temporary_security_group_source_cidrs",
        List.of("temporary_security_group_source_cidrs=10.0.0.0/33")));
    c.add(Arguments.of("CIDR without mask", "temporary_security_group_source_cidrs",
        List.of("temporary_security_group_source_cidrs=203.0.113.7")));
    c.add(Arguments.of("volume size zero", "launch_block_device_mappings_volume_size",
        List.of("launch_block_device_mappings_volume_size=0")));
    c.add(Arguments.of("volume size text", "launch_block_device_mappings_volume_size",
        List.of("launch_block_device_mappings_volume_size=four")));
    c.add(Arguments.of("volume type", "volume_type", List.of("volume_type=gp9")));
    c.add(Arguments.of("instance type", "instance_type", List.of("instance_type=m5large")));
    c.add(Arguments.of("AMI name too short", "ami_name", List.of("ami_name=ab")));
    c.add(Arguments.of("AMI name charset from a file", "bad-name.json:ami_name", List.of("--var-file", "bad-name.json")));
    c.add(Arguments.of("account id", "ami_users", List.of("ami_users=12345")));
    c.add(Arguments.of("owner", "source_ami_owners", List.of("source_ami_owners=amzn")));
    c.add(Arguments.of("KMS key", "kms_key_id", List.of("kms_key_id=not-a-key")));
    c.add(Arguments.of("source AMI id", "source_ami_id", List.of("source_ami_id=ami-xyz")));
    c.add(Arguments.of("subnet id", "subnet_id", List.of("subnet_id=subnet-zz")));
    c.add(Arguments.of("security group id", "security_group_id", List.of("security_group_id=sg-1")));
    c.add(Arguments.of("ssh interface", "ssh_interface", List.of("ssh_interface=session_manager")));
    c.add(Arguments.of("CNI version", "cni_plugin_version", List.of("cni_plugin_version=0.8.6")));
    c.add(Arguments.of("yum repos", "additional_yum_repos", List.of("additional_yum_repos=foo")));
    c.add(Arguments.of("--var without =", "--var", List.of("--var", "aws_region")));
    c.add(Arguments.of("shortcut vs --kubernetes-version", "conflicts",
        List.of("1.23", "--kubernetes-version", "1.24.10")));
    c.add(Arguments.of("unknown shortcut", "1.19", List.of("1.19")));
    c.add(Arguments.of("--on-error", "--on-error", List.of("--on-error", "explode")));
    c.add(Arguments.of("--parallel without all", "--parallel", List.of("--parallel", "3")));
    c.add(Arguments.of("--endpoint-url", "--endpoint-url", List.of("--endpoint-url", "not a url")));
    c.add(Arguments.of("unknown option", "--bogus", List.of("--bogus")));
    c.add(Arguments.of("missing template", "--template", List.of("--template", "none.json")));
    c.add(Arguments.of("malformed template", "malformed JSON", List.of("--template", "template-broken.json")));
    c.add(Arguments.of("unsupported template key", "ssh_agent_auth", List.of("--template", "template-key.json")));
    c.add(Arguments.of("unsupported template function", "clean_resource_name",
        List.of("--template", "template-func.json")));
    c.add(Arguments.of("unsupported builder", "docker", List.of("--template", "template-builder.json")));
    return c.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corpus")
  void k8s_badInput_exitsTwoWithOneLineNamingTheField_andContactsNothing(String title, String field, List<String> args) {
    List<String> full = new ArrayList<>(List.of("k8s", "--endpoint-url", "http://127.0.0.1:" + endpoint.getLocalPort()));
    boolean hasVersion = args.stream().anyMatch(a -> a.startsWith("--kubernetes-version") || a.matches("\\d+\\.\\d+"))
        || title.equals("version missing");
    if (!hasVersion) {
      full.add("--kubernetes-version=1.23.16");
    }
    full.addAll(args);
    TestHome.Result r = home.run(full.toArray(String[]::new));
    assertEquals(2, r.code(), title + ": " + r.err());
    assertEquals(1, r.errLines().size(), title + ": expected one line, got:\n" + r.err());
    String line = r.errLines().get(0);
    assertTrue(line.startsWith("error: "), line);
    assertTrue(line.contains(field), title + ": '" + field + "' not named in: " + line);
    assertEquals(0, connections.get(), title + ": the AWS endpoint was contacted");
  }
}
