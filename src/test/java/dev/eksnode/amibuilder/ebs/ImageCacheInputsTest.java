package dev.eksnode.amibuilder.ebs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.eksnode.amibuilder.aws.ApiRateLimiter;
import dev.eksnode.amibuilder.aws.AwsClientFactory;
import dev.eksnode.amibuilder.aws.AwsSettings;
import dev.eksnode.amibuilder.cli.ExitCodes;
import dev.eksnode.amibuilder.config.Assignment;
import dev.eksnode.amibuilder.config.Variable;
import dev.eksnode.amibuilder.config.VariableSource;
import dev.eksnode.amibuilder.config.VariableValidator;
import dev.eksnode.amibuilder.config.Variables;
import dev.eksnode.amibuilder.template.BuildSpec;
import dev.eksnode.amibuilder.template.Template;
import dev.eksnode.amibuilder.template.TemplateLoader;
import dev.eksnode.amibuilder.template.TemplateRenderer;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * When the image-cache inputs are resolved and when not: caching off, an iso bucket region, a
 * template that does not declare them and values the user set all skip EKS; the registry needs no
 * AWS call; an unreachable EKS is a network failure (exit 1).
 */
class ImageCacheInputsTest {
  /** A loopback port nothing listens on: any AWS call is refused at once. */
  private static final URI CLOSED = URI.create("http://127.0.0.1:1");

  private static final List<String> ALL =
      List.of("ecr_uri", "kube_proxy_versions", "vpc_cni_versions");

  @TempDir Path dir;
  final AtomicInteger opened = new AtomicInteger();

  private final BuildRequest.ClientSource clients =
      (region, endpoint) -> {
        opened.incrementAndGet();
        return new AwsClientFactory(
            AwsSettings.of(region)
                .withEndpointOverride(endpoint)
                .withMaxAttempts(1)
                .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(5)),
            ApiRateLimiter.ec2Defaults(),
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "secret")));
      };

  private BuildSpec spec(List<String> declared, Map<String, String> values) throws IOException {
    Path file = dir.resolve("t" + System.nanoTime() + ".json");
    StringBuilder vars =
        new StringBuilder(
            "\"kubernetes_version\": null, \"cache_container_images\": null,"
                + " \"binary_bucket_region\": null");
    declared.forEach(d -> vars.append(", \"").append(d).append("\": null"));
    Files.writeString(
        file,
        "{\"variables\": {"
            + vars
            + "},\n"
            + " \"builders\": [{\"type\": \"amazon-ebs\", \"region\": \"us-west-2\","
            + " \"instance_type\": \"m5.large\", \"source_ami\": \"ami-0123456789abcdef0\","
            + " \"ssh_username\": \"ec2-user\", \"ami_name\": \"cache-test\"}]}");
    Template template = new TemplateLoader().load(file);
    VariableSource cli = VariableSource.commandLine("--var");
    List<Variable> list = new ArrayList<>();
    Map<String, String> all = new LinkedHashMap<>();
    all.put("kubernetes_version", "1.23.16");
    all.put("binary_bucket_region", "us-west-2");
    all.put("cache_container_images", "true");
    all.putAll(values);
    all.forEach((k, v) -> list.add(new Variable(k, v, cli)));
    return new TemplateRenderer(Map.of(), Instant.parse("2026-11-25T10:15:30Z"), "uuid-1", dir)
        .render(template, Variables.of(list, List.of()), VariableValidator.Purpose.BUILD);
  }

  private List<Assignment> resolve(BuildSpec spec) {
    return ImageCacheInputs.resolve(spec, clients, CLOSED);
  }

  @Test
  void cachingOff_isoBucketRegion_orUndeclaredVariables_resolveNothing() throws IOException {
    assertEquals(List.of(), resolve(spec(ALL, Map.of("cache_container_images", "false"))));
    assertEquals(List.of(), resolve(spec(ALL, Map.of("binary_bucket_region", "us-iso-east-1"))));
    assertEquals(List.of(), resolve(spec(ALL, Map.of("binary_bucket_region", "us-isob-east-1"))));
    assertEquals(List.of(), resolve(spec(List.of(), Map.of())));
    assertEquals(0, opened.get(), "no AWS client may be opened");
  }

  @Test
  void valuesTheUserSet_areKept_andNeedNoLookup() throws IOException {
    BuildSpec spec =
        spec(
            ALL,
            Map.of(
                "ecr_uri", "example.com",
                "kube_proxy_versions", "none",
                "vpc_cni_versions", "v1.12.2-eksbuild.1"));
    assertEquals(List.of(), resolve(spec));
    assertEquals(0, opened.get());
  }

  @Test
  void theRegistry_comesFromTheBucketRegion_withoutAnAwsCall() throws IOException {
    List<Assignment> out =
        resolve(spec(List.of("ecr_uri"), Map.of("binary_bucket_region", "cn-north-1")));
    assertEquals(1, out.size());
    assertEquals("ecr_uri", out.get(0).name());
    assertEquals("918309763551.dkr.ecr.cn-north-1.amazonaws.com.cn", out.get(0).value());
    assertEquals(0, opened.get());
  }

  @Test
  void unreachableEks_isANetworkFailure_exit1() throws IOException {
    BuildSpec spec = spec(ALL, Map.of("ecr_uri", "example.com"));
    SdkClientException e = assertThrows(SdkClientException.class, () -> resolve(spec));
    assertEquals(1, ExitCodes.forFailure(e));
    assertEquals(1, opened.get());
  }
}
