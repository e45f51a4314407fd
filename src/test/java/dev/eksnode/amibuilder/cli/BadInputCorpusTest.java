package dev.eksnode.amibuilder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every bad input: exit 2, exactly one line on stderr naming the field (and the fix), and no
 * connection to the AWS endpoint. The endpoint is a local socket that counts connection attempts.
 */
class BadInputCorpusTest {
  @TempDir Path root;
  TestHome home;
  CliTest.CountingSocket endpoint;

  @BeforeEach
  void setUp() throws IOException {
    home = new TestHome(root);
    home.write("broken.json", "{\"aws_region\": \"us-east-1\",, }");
    home.write("array.json", "[\"aws_region\"]");
    home.write("list-value.json", "{\"ami_users\": [\"123456789012\"]}");
    home.write("typo.json", "{\"aws_regoin\": \"us-east-1\"}");
    home.write("bad-name.json", "{\"ami_name\": \"my#ami\"}");
    home.write("template-broken.json", "{\"builders\": [ {\"type\": \"amazon-ebs\" ");
    home.write(
        "template-key.json",
        "{\"builders\": [{\"type\": \"amazon-ebs\", \"region\": \"us-east-1\", "
            + "\"ssh_agent_auth\": true}]}");
    home.write(
        "template-func.json",
        "{\"builders\": [{\"type\": \"amazon-ebs\", \"region\": \"us-east-1\", "
            + "\"ami_name\": \"x-{{ clean_resource_name `y` }}\"}]}");
    home.write("template-builder.json", "{\"builders\": [{\"type\": \"docker\"}]}");
    home.write("bucket.json", "{\"binary_bucket_name\": \"my..bucket\"}");
    home.write("num-version.json", "{\"kubernetes_version\": 1.20}");
    home.write("tpl-ami-name.json", builderTemplate("bad#name{{timestamp}}", ""));
    home.write("tpl-ami-name-long.json", builderTemplate(LONG_BUILDER_AMI_NAME, ""));
    home.write("tpl-ami-name-env.json", builderTemplate("{{env `AMI_TAG`}}", ""));
    home.write("tpl-region.json", builderTemplate("ok-name", "").replace("us-east-1", "moon_1"));
    home.write(
        "tpl-ami-regions.json", builderTemplate("ok-name", ", \"ami_regions\": \"no_where\""));
    home.write(
        "tpl-kms-region.json",
        builderTemplate(
            "ok-name",
            ", \"ami_regions\": [\"eu-west-1\"], \"region_kms_key_ids\": {\"mars_9\": \"not-a-key\"}"));
    home.write(
        "tpl-kms-key.json",
        builderTemplate(
            "ok-name",
            ", \"ami_regions\": [\"eu-west-1\"], \"region_kms_key_ids\": {\"eu-west-1\": \"not-a-key\"}"));
    home.write(
        "tpl-kms-missing.json",
        builderTemplate(
            "ok-name",
            ", \"ami_regions\": [\"eu-west-1\", \"ap-south-1\"], \"region_kms_key_ids\": {\"eu-west-1\": \"alias/ami\"}"));
    home.write(
        "tpl-kms.json",
        builderTemplate("ok-name", ", \"kms_key_id\": \"arn:aws:kms:us-east-1:12:key/x\""));
    home.write(
        "tpl-volume-size.json",
        builderTemplate(
            "ok-name",
            ", \"launch_block_device_mappings\": "
                + "[{\"device_name\": \"/dev/xvda\", \"volume_type\": \"gp2\", \"volume_size\": -5}]"));
    home.write(
        "tpl-volume-type.json",
        builderTemplate(
            "ok-name",
            ", \"ami_block_device_mappings\": "
                + "[{\"device_name\": \"/dev/xvda\", \"volume_type\": \"gp9\", \"volume_size\": 20}]"));
    home.write(
        "tpl-iops.json",
        builderTemplate(
            "ok-name",
            ", \"launch_block_device_mappings\": "
                + "[{\"device_name\": \"/dev/xvda\", \"volume_type\": \"io1\", \"volume_size\": 8, \"iops\": 0}]"));
    home.write(
        "tpl-snapshot-users.json", builderTemplate("ok-name", ", \"snapshot_users\": \"12\""));
    home.write(
        "tpl-ami-users.json",
        builderTemplate("ok-name", ", \"ami_users\": [\"123456789012\", \"everyone\"]"));
    home.write(
        "tpl-poll-delay.json",
        builderTemplate(
            "ok-name", ", \"aws_polling\": {\"delay_seconds\": 0, \"max_attempts\": 10}"));
    home.write(
        "tpl-poll-attempts.json",
        builderTemplate(
            "ok-name", ", \"aws_polling\": {\"delay_seconds\": 5, \"max_attempts\": -1}"));
    home.write("tpl-instance.json", builderTemplate("ok-name", "").replace("m5.large", "large"));
    home.write(
        "tpl-cidr.json",
        builderTemplate("ok-name", ", \"temporary_security_group_source_cidrs\": \"0.0.0.0/40\""));
    home.write("tpl-ssh-port.json", builderTemplate("ok-name", ", \"ssh_port\": 70000"));
    home.write(
        "tpl-source-ami.json",
        builderTemplate("ok-name", "").replace("ami-0123456789abcdef0", "ami-nope"));
    home.write("tpl-subnet.json", builderTemplate("ok-name", ", \"subnet_id\": \"subnet-x\""));
    home.write("tpl-bool.json", builderTemplate("ok-name", ", \"encrypt_boot\": \"yes\""));
    home.write(
        "tpl-hops.json",
        builderTemplate(
            "ok-name",
            ", \"metadata_options\": {\"http_tokens\": \"required\", \"http_put_response_hop_limit\": 0}"));
    home.write(
        "tpl-temp-profile-both.json",
        builderTemplate(
            "ok-name",
            ", \"iam_instance_profile\": \"builder\", "
                + "\"temporary_iam_instance_profile_policy_document\": "
                + "{\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", "
                + "\"Resource\": \"*\"}]}"));
    home.write(
        "tpl-temp-profile-policy.json",
        builderTemplate(
            "ok-name",
            ", \"temporary_iam_instance_profile_policy_document\": {\"Version\": \"2012-10-17\"}"));
    home.write("tpl-env-name.json", provisionerTemplate("1BAD=supersecret-value"));
    home.write("tpl-env-nul.json", provisionerTemplate("OK=a\\u0000b"));
    endpoint = new CliTest.CountingSocket();
  }

  @AfterEach
  void tearDown() throws IOException {
    endpoint.close();
  }

  /**
   * A one-builder template with valid required fields; {@code amiName} and {@code extra} fields
   * vary per row.
   */
  static String builderTemplate(String amiName, String extra) {
    return "{\"variables\": {\"kubernetes_version\": null, \"aws_region\": null},\n"
        + " \"builders\": [{\"type\": \"amazon-ebs\", \"region\": \"us-east-1\", \"instance_type\": \"m5.large\",\n"
        + "  \"source_ami\": \"ami-0123456789abcdef0\", \"ami_name\": \""
        + amiName
        + "\""
        + extra
        + "}]}";
  }

  /** A valid one-builder template with one inline shell provisioner carrying {@code envEntry}. */
  static String provisionerTemplate(String envEntry) {
    String builder = builderTemplate("ok-name", "");
    return builder.substring(0, builder.length() - 1)
        + ",\n \"provisioners\": [{\"type\": \"shell\", "
        + "\"inline\": [\"true\"], \"environment_vars\": [\""
        + envEntry
        + "\"]}]}";
  }

  static final String LONG_AMI_NAME = "team-eks-" + "x".repeat(121);
  static final String LONG_BUILDER_AMI_NAME = "builder-" + "y".repeat(125);

  /**
   * A row: the title, what the line must name first (the field), the arguments, then further
   * fragments.
   */
  static Arguments row(String title, String field, List<String> args, String... alsoNamed) {
    return Arguments.of(title, field, args, List.of(alsoNamed), Map.of());
  }

  /** A row whose bad value comes from the (lower-case) environment. */
  static Arguments envRow(
      String title, String field, Map<String, String> env, List<String> args, String... alsoNamed) {
    return Arguments.of(title, field, args, List.of(alsoNamed), env);
  }

  static Stream<Arguments> corpus() {
    List<Arguments> c = new ArrayList<>();
    c.add(
        row(
            "malformed var file",
            "broken.json",
            List.of("--var-file", "broken.json"),
            "malformed JSON",
            "line 1"));
    c.add(
        row(
            "var file not an object",
            "array.json",
            List.of("--var-file", "array.json"),
            "JSON object"));
    c.add(
        row(
            "list where a string belongs",
            "ami_users",
            List.of("--var-file", "list-value.json"),
            "list-value.json"));
    c.add(
        row("missing var file", "nope.json", List.of("--var-file", "nope.json"), "does not exist"));
    c.add(
        row(
            "unknown variable with --strict",
            "aws_regoin",
            List.of("--strict", "--var-file", "typo.json"),
            "typo.json:aws_regoin",
            "did you mean 'aws_region'?"));
    c.add(
        row(
            "unknown --var with --strict",
            "kubernetes_verison",
            List.of("--strict", "--var", "kubernetes_verison=1.23.1"),
            "--var",
            "did you mean 'kubernetes_version'?"));
    c.add(
        row(
            "version syntax",
            "kubernetes_version",
            List.of("--kubernetes-version", "1.x"),
            "'1.x'",
            "(from --kubernetes-version)"));
    c.add(
        row(
            "version missing",
            "kubernetes_version",
            List.of("--var", "aws_region=us-east-1"),
            "--kubernetes-version"));
    c.add(
        row(
            "impossible date",
            "kubernetes_build_date",
            List.of("kubernetes_build_date=2023-13-01"),
            "'2023-13-01'",
            "(from argument)"));
    c.add(
        row(
            "date syntax",
            "kubernetes_build_date",
            List.of("--kubernetes-build-date", "20230130"),
            "'20230130'",
            "(from --kubernetes-build-date)"));
    c.add(row("arch", "arch", List.of("arch=amd64"), "'amd64'", "(from argument)"));
    c.add(
        row(
            "kernel",
            "kernel_version",
            List.of("kernel_version=abc"),
            "'abc'",
            "(from argument)",
            "not a kernel version"));
    c.add(
        row(
            "kernel release with shell syntax",
            "kernel_version",
            List.of("--var", "kernel_version=5.10.239-236.958;reboot"),
            "(from --var)"));
    c.add(
        row(
            "kernel too old for 1.24",
            "kernel_version",
            List.of("--kubernetes-version=1.24.10", "kernel_version=4.14"),
            "'4.14'",
            "(from argument)"));
    c.add(
        row(
            "boolean encrypted",
            "encrypted",
            List.of("encrypted=yes"),
            "'yes'",
            "(from argument)"));
    c.add(
        envRow(
            "image caching without instance credentials",
            "forward_aws_credentials=true",
            Map.of(
                "AWS_ACCESS_KEY_ID",
                "AKIDCORPUSEXAMPLE",
                "AWS_SECRET_ACCESS_KEY",
                "corpus-secret",
                "AMI_BUILDER_STATE_DIR",
                "state"),
            List.of("--kubernetes-build-date=2023-01-30", "cache_container_images=true"),
            "image caching is on (CACHE_CONTAINER_IMAGES=true for provisioners[6]",
            "iam_instance_profile",
            "temporary_iam_instance_profile_policy_document"));
    c.add(
        row(
            "boolean cache",
            "cache_container_images",
            List.of("cache_container_images=maybe"),
            "'maybe'"));
    c.add(row("registry host", "ecr_uri", List.of("ecr_uri=https://ecr/x"), "'https://ecr/x'"));
    c.add(
        row(
            "addon version without platform",
            "kube_proxy_versions",
            List.of("kube_proxy_versions=v1.23.7-eksbuild.1,v1.23.8"),
            "'v1.23.8' is not an addon version"));
    c.add(
        row(
            "addon versions none and more",
            "vpc_cni_versions",
            List.of("vpc_cni_versions=none,v1.12.2-eksbuild.1"),
            "'none' is not an addon version"));
    c.add(
        row(
            "kubernetes_version as a JSON number",
            "kubernetes_version",
            List.of("--var-file", "num-version.json"),
            "num-version.json is the number 1.2",
            "write it as a string, \"1.20\""));
    c.add(
        row("region", "aws_region", List.of("--region", "mars_1"), "'mars_1'", "(from --region)"));
    c.add(
        row(
            "bucket region case",
            "binary_bucket_region",
            List.of("binary_bucket_region=US-WEST-2"),
            "'US-WEST-2'"));
    c.add(
        row(
            "copy region list",
            "ami_regions",
            List.of("ami_regions=us-east-1,,eu-west-1"),
            "'us-east-1,,eu-west-1'",
            "empty entry"));
    c.add(
        row(
            "CIDR mask",
            "temporary_security_group_source_cidrs",
            List.of("temporary_security_group_source_cidrs=10.0.0.0/33"),
            "'10.0.0.0/33'",
            "(from argument)"));
    c.add(
        row(
            "CIDR without mask",
            "temporary_security_group_source_cidrs",
            List.of("temporary_security_group_source_cidrs=203.0.113.7"),
            "'203.0.113.7'"));
    c.add(
        row(
            "volume size zero",
            "launch_block_device_mappings_volume_size",
            List.of("launch_block_device_mappings_volume_size=0"),
            "'0'",
            "1 to 16384"));
    c.add(
        row(
            "volume size text",
            "launch_block_device_mappings_volume_size",
            List.of("launch_block_device_mappings_volume_size=four"),
            "'four'"));
    c.add(
        row("volume type", "volume_type", List.of("volume_type=gp9"), "'gp9'", "(from argument)"));
    c.add(row("instance type", "instance_type", List.of("instance_type=m5large"), "'m5large'"));
    c.add(row("AMI name too short", "ami_name", List.of("ami_name=ab"), "'ab'", "3 to 128"));
    c.add(
        row(
            "AMI name longer than 128 characters",
            "ami_name",
            List.of("--var", "ami_name=" + LONG_AMI_NAME),
            "'" + LONG_AMI_NAME + "'",
            "(from --var)",
            "3 to 128",
            "has 130"));
    c.add(
        row(
            "AMI name charset from a file",
            "bad-name.json:ami_name",
            List.of("--var-file", "bad-name.json"),
            "'my#ami'"));
    c.add(row("account id", "ami_users", List.of("ami_users=12345"), "'12345'", "12-digit"));
    c.add(row("owner", "source_ami_owners", List.of("source_ami_owners=amzn"), "'amzn'"));
    c.add(
        row(
            "KMS key",
            "kms_key_id",
            List.of("kms_key_id=not-a-key"),
            "'not-a-key'",
            "(from argument)"));
    c.add(row("source AMI id", "source_ami_id", List.of("source_ami_id=ami-xyz"), "'ami-xyz'"));
    c.add(row("subnet id", "subnet_id", List.of("subnet_id=subnet-zz"), "'subnet-zz'"));
    c.add(
        row("security group id", "security_group_id", List.of("security_group_id=sg-1"), "'sg-1'"));
    c.add(
        row(
            "ssh interface",
            "ssh_interface",
            List.of("ssh_interface=session_manager"),
            "'session_manager'"));
    c.add(
        row(
            "ssh port out of range",
            "ssh_port",
            List.of("--var", "ssh_port=70000"),
            "'70000'",
            "(from --var)",
            "1 to 65535"));
    c.add(row("ssh port zero", "ssh_port", List.of("ssh_port=0"), "'0'", "(from argument)"));
    c.add(
        row(
            "remote folder relative",
            "remote_folder",
            List.of("--var", "remote_folder=tmp/build"),
            "'tmp/build'",
            "(from --var)",
            "absolute"));
    c.add(
        row(
            "binary bucket name",
            "binary_bucket_name",
            List.of("--var", "binary_bucket_name=Amazon_EKS"),
            "'Amazon_EKS'",
            "(from --var)"));
    c.add(
        row(
            "binary bucket name from a file",
            "bucket.json:binary_bucket_name",
            List.of("--var-file", "bucket.json"),
            "'my..bucket'"));
    c.add(row("CNI version", "cni_plugin_version", List.of("cni_plugin_version=0.8.6"), "'0.8.6'"));
    c.add(
        row(
            "containerd version with a command",
            "containerd_version",
            List.of("containerd_version=1.7;rm"),
            "'1.7;rm'",
            "(from argument)",
            "contains ';'",
            "1.7.*"));
    c.add(
        row(
            "runc version with a substitution",
            "runc_version",
            List.of("--var", "runc_version=1.*$(id)"),
            "(from --var)",
            "contains '$'",
            "1.1.4-1.amzn2"));
    c.add(
        row(
            "runc version that is no version",
            "runc_version",
            List.of("runc_version=latest"),
            "not a yum package version",
            "1.1.*"));
    c.add(
        row(
            "docker version with a backtick",
            "docker_version",
            List.of("docker_version=20.10.`id`"),
            "contains '`'",
            "or none"));
    c.add(row("yum repos", "additional_yum_repos", List.of("additional_yum_repos=foo"), "'foo'"));
    c.add(
        envRow(
            "architecture from the environment",
            "arch",
            Map.of("arch", "amd64"),
            List.of(),
            "'amd64'",
            "(from environment variable arch)"));
    c.add(
        envRow(
            "region from the environment",
            "aws_region",
            Map.of("aws_region", "mars_2"),
            List.of(),
            "'mars_2'",
            "(from environment variable aws_region)"));
    c.add(
        row(
            "--var without =",
            "--var",
            List.of("--var", "aws_region"),
            "'aws_region'",
            "name=value"));
    c.add(
        row(
            "shortcut vs --kubernetes-version",
            "conflicts",
            List.of("1.23", "--kubernetes-version", "1.24.10"),
            "1.24.10",
            "1.23.16"));
    c.add(
        row(
            "--kubernetes-version vs --var",
            "kubernetes_version",
            List.of("--kubernetes-version", "1.22.1", "--var", "kubernetes_version=1.23.9"),
            "--kubernetes-version '1.22.1'",
            "--var kubernetes_version='1.23.9'",
            "keep only one"));
    c.add(
        row(
            "--kubernetes-version vs bare word",
            "kubernetes_version",
            List.of("--kubernetes-version", "1.22.1", "kubernetes_version=1.23.9"),
            "'1.22.1'",
            "argument kubernetes_version='1.23.9'"));
    // No row for --region against an aws_region word or --var: the region rule puts --region first
    // (RegionRuleTest.everyUserLayer_beatsTheAwsSettings).
    c.add(
        row(
            "--kubernetes-build-date vs --var",
            "kubernetes_build_date",
            List.of(
                "--kubernetes-build-date",
                "2023-01-30",
                "--var",
                "kubernetes_build_date=2023-02-01"),
            "--kubernetes-build-date '2023-01-30'",
            "--var kubernetes_build_date='2023-02-01'"));
    c.add(row("unknown shortcut", "1.19", List.of("1.19"), "--kubernetes-version"));
    c.add(row("--on-error", "--on-error", List.of("--on-error", "explode"), "'explode'"));
    c.add(
        row(
            "--on-error ask without a terminal",
            "--on-error ask",
            List.of("--on-error", "ask"),
            "terminal",
            "--on-error abort"));
    c.add(
        row(
            "--debug-keep-key with --on-error cleanup",
            "--debug-keep-key",
            List.of("--debug-keep-key"),
            "--on-error abort"));
    c.add(row("--parallel without all", "--parallel", List.of("--parallel", "3")));
    c.add(
        row(
            "--endpoint-url",
            "--endpoint-url",
            List.of("--endpoint-url", "not a url"),
            "'not a url'"));
    c.add(row("unknown option", "--bogus", List.of("--bogus")));
    c.add(row("missing template", "--template", List.of("--template", "none.json"), "none.json"));
    c.add(
        row(
            "malformed template",
            "malformed JSON",
            List.of("--template", "template-broken.json"),
            "template-broken.json"));
    c.add(
        row(
            "unsupported template key",
            "ssh_agent_auth",
            List.of("--template", "template-key.json"),
            "template-key.json"));
    c.add(
        row(
            "unsupported template function",
            "clean_resource_name",
            List.of("--template", "template-func.json"),
            "template-func.json"));
    c.add(
        row(
            "unsupported builder",
            "docker",
            List.of("--template", "template-builder.json"),
            "template-builder.json"));
    // Builder fields written in the template itself: the same rules as the variables, naming file
    // and field path.
    c.add(
        row(
            "builder AMI name charset",
            "builders[0].ami_name",
            List.of("--template", "tpl-ami-name.json"),
            "tpl-ami-name.json",
            "'bad#name" + TestHome.NOW.getEpochSecond() + "'",
            "rendered from 'bad#name{{timestamp}}'",
            "choose another ami_name"));
    c.add(
        row(
            "builder AMI name longer than 128 characters",
            "builders[0].ami_name",
            List.of("--template", "tpl-ami-name-long.json"),
            "tpl-ami-name-long.json",
            "'" + LONG_BUILDER_AMI_NAME + "'",
            "3 to 128"));
    c.add(
        envRow(
            "builder AMI name from the environment",
            "builders[0].ami_name",
            Map.of("AMI_TAG", "ab"),
            List.of("--template", "tpl-ami-name-env.json"),
            "tpl-ami-name-env.json",
            "'ab'",
            "rendered from '{{env `AMI_TAG`}}'"));
    c.add(
        row(
            "builder region",
            "builders[0].region",
            List.of("--template", "tpl-region.json"),
            "tpl-region.json",
            "'moon_1'"));
    c.add(
        row(
            "builder ami_regions",
            "builders[0].ami_regions",
            List.of("--template", "tpl-ami-regions.json"),
            "tpl-ami-regions.json",
            "'no_where'",
            "us-west-2"));
    c.add(
        row(
            "builder region_kms_key_ids region",
            "builders[0].region_kms_key_ids",
            List.of("--template", "tpl-kms-region.json"),
            "tpl-kms-region.json",
            "'mars_9'"));
    c.add(
        row(
            "builder region_kms_key_ids key",
            "builders[0].region_kms_key_ids.eu-west-1",
            List.of("--template", "tpl-kms-key.json"),
            "tpl-kms-key.json",
            "'not-a-key'",
            "alias/name"));
    c.add(
        row(
            "builder region_kms_key_ids missing a copy region",
            "builders[0].region_kms_key_ids",
            List.of("--template", "tpl-kms-missing.json"),
            "tpl-kms-missing.json",
            "'ap-south-1'",
            "ami_regions"));
    c.add(
        row(
            "builder kms_key_id",
            "builders[0].kms_key_id",
            List.of("--template", "tpl-kms.json"),
            "tpl-kms.json",
            "'arn:aws:kms:us-east-1:12:key/x'"));
    c.add(
        row(
            "builder volume size negative",
            "builders[0].launch_block_device_mappings[0].volume_size",
            List.of("--template", "tpl-volume-size.json"),
            "tpl-volume-size.json",
            "'-5'",
            "1 to 16384"));
    c.add(
        row(
            "builder volume type",
            "builders[0].ami_block_device_mappings[0].volume_type",
            List.of("--template", "tpl-volume-type.json"),
            "tpl-volume-type.json",
            "'gp9'",
            "gp3"));
    c.add(
        row(
            "builder iops",
            "builders[0].launch_block_device_mappings[0].iops",
            List.of("--template", "tpl-iops.json"),
            "tpl-iops.json",
            "'0'"));
    c.add(
        row(
            "builder snapshot_users",
            "builders[0].snapshot_users",
            List.of("--template", "tpl-snapshot-users.json"),
            "tpl-snapshot-users.json",
            "'12'",
            "12-digit"));
    c.add(
        row(
            "builder ami_users",
            "builders[0].ami_users",
            List.of("--template", "tpl-ami-users.json"),
            "tpl-ami-users.json",
            "'123456789012,everyone'",
            "'everyone'"));
    c.add(
        row(
            "builder polling delay zero",
            "builders[0].aws_polling.delay_seconds",
            List.of("--template", "tpl-poll-delay.json"),
            "tpl-poll-delay.json",
            "'0'",
            "at least 1"));
    c.add(
        row(
            "builder polling attempts negative",
            "builders[0].aws_polling.max_attempts",
            List.of("--template", "tpl-poll-attempts.json"),
            "tpl-poll-attempts.json",
            "'-1'",
            "at least 1"));
    c.add(
        row(
            "builder instance type",
            "builders[0].instance_type",
            List.of("--template", "tpl-instance.json"),
            "tpl-instance.json",
            "'large'",
            "m5.large"));
    c.add(
        row(
            "builder CIDR",
            "builders[0].temporary_security_group_source_cidrs",
            List.of("--template", "tpl-cidr.json"),
            "tpl-cidr.json",
            "'0.0.0.0/40'"));
    c.add(
        row(
            "builder ssh_port",
            "builders[0].ssh_port",
            List.of("--template", "tpl-ssh-port.json"),
            "tpl-ssh-port.json",
            "'70000'",
            "1 to 65535"));
    c.add(
        row(
            "builder source_ami",
            "builders[0].source_ami",
            List.of("--template", "tpl-source-ami.json"),
            "tpl-source-ami.json",
            "'ami-nope'"));
    c.add(
        row(
            "builder subnet_id",
            "builders[0].subnet_id",
            List.of("--template", "tpl-subnet.json"),
            "tpl-subnet.json",
            "'subnet-x'"));
    c.add(
        row(
            "builder boolean",
            "builders[0].encrypt_boot",
            List.of("--template", "tpl-bool.json"),
            "tpl-bool.json",
            "'yes'",
            "true or false"));
    c.add(
        row(
            "builder metadata hop limit",
            "builders[0].metadata_options.http_put_response_hop_limit",
            List.of("--template", "tpl-hops.json"),
            "tpl-hops.json",
            "'0'",
            "1 to 64"));
    c.add(
        row(
            "builder temporary profile with iam_instance_profile",
            "iam_instance_profile and temporary_iam_instance_profile_policy_document",
            List.of("--template", "tpl-temp-profile-both.json"),
            "tpl-temp-profile-both.json",
            "keep one"));
    c.add(
        row(
            "builder temporary profile policy without Statement",
            "builders[0].temporary_iam_instance_profile_policy_document",
            List.of("--template", "tpl-temp-profile-policy.json"),
            "has no Statement"));
    c.add(
        row(
            "environment_vars value with NUL",
            "provisioners[0].environment_vars",
            List.of("--template", "tpl-env-nul.json"),
            "'OK'",
            "NUL"));
    return c.stream();
  }

  @Test
  void k8s_badEnvironmentVarName_namesTheEntryButNeverShowsItsValue() {
    TestHome.Result r =
        home.run(
            "k8s",
            "--kubernetes-version=1.23.16",
            "--endpoint-url",
            endpoint.url(),
            "--template",
            "tpl-env-name.json");
    assertEquals(2, r.code(), r.err());
    assertEquals(1, r.errLines().size(), r.err());
    assertTrue(r.err().contains("environment_vars") && r.err().contains("'1BAD'"), r.err());
    assertFalse(r.err().contains("supersecret-value"), r.err());
    assertEquals(0, endpoint.connections.get(), "the AWS endpoint was contacted");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corpus")
  void k8s_badInput_exitsTwoWithOneLineNamingTheField_andContactsNothing(
      String title,
      String field,
      List<String> args,
      List<String> alsoNamed,
      Map<String, String> env) {
    home.env.putAll(env);
    List<String> full = new ArrayList<>(List.of("k8s"));
    if (!args.contains("--endpoint-url")) {
      full.addAll(List.of("--endpoint-url", endpoint.url()));
    }
    boolean hasVersion =
        args.stream()
                .anyMatch(a -> a.startsWith("--kubernetes-version") || a.matches("\\d+\\.\\d+"))
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
    for (String fragment : alsoNamed) {
      assertTrue(line.contains(fragment), title + ": '" + fragment + "' missing from: " + line);
    }
    assertEquals(0, endpoint.connections.get(), title + ": the AWS endpoint was contacted");
  }
}
