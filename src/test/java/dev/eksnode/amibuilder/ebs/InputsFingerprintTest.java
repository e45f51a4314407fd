package dev.eksnode.amibuilder.ebs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import dev.eksnode.amibuilder.config.Variable;
import dev.eksnode.amibuilder.config.VariableSource;
import dev.eksnode.amibuilder.config.VariableValidator;
import dev.eksnode.amibuilder.config.Variables;
import dev.eksnode.amibuilder.template.AmazonEbsSettings;
import dev.eksnode.amibuilder.template.BuildSpec;
import dev.eksnode.amibuilder.template.Template;
import dev.eksnode.amibuilder.template.TemplateLoader;
import dev.eksnode.amibuilder.template.TemplateRenderer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bake key: the same inputs give the same fingerprint whatever the time, the AMI name's suffix,
 * the run uuid, the credentials or the ami_regions; a changed uploaded file, script, variable,
 * source AMI or tool major version gives another, and the per-input digests name what changed.
 */
class InputsFingerprintTest {
  private static final Instant T1 = Instant.parse("2026-11-25T10:15:30Z");
  private static final Instant T2 = Instant.parse("2026-11-26T08:00:01Z");
  private static final String SOURCE = "ami-0123456789abcdef0";
  private static final String TOOL = "ami-builder/0.1.0";

  @TempDir Path dir;
  private Path template;

  @BeforeEach
  void files() throws IOException {
    Files.createDirectories(dir.resolve("files/bin"));
    Files.writeString(dir.resolve("files/kubelet.service"), "[Unit]\nDescription=kubelet\n");
    Files.writeString(dir.resolve("files/bin/helper"), "#!/bin/sh\necho hi\n");
    Files.writeString(dir.resolve("install.sh"), "#!/bin/sh\nyum install -y containerd\n");
    template = dir.resolve("template.json");
    Files.writeString(
        template,
        """
        {"variables": {"kubernetes_version": null, "ami_name": null, "containerd_version": null, "ami_regions": null,
                       "aws_secret_access_key": null, "creator": null},
         "builders": [{"type": "amazon-ebs", "region": "us-west-2",
           "instance_type": "m5.large", "source_ami": "ami-0123456789abcdef0",
           "ssh_username": "ec2-user", "ami_name": "{{user `ami_name`}}",
           "ami_regions": "{{user `ami_regions`}}",
           "run_tags": {"creator": "{{user `creator`}}"},
           "tags": {"Name": "{{user `ami_name`}}", "created": "{{timestamp}}",
                    "day": "{{isotime `2006-01-02`}}", "source": "{{ .SourceAMI }}"}}],
         "provisioners": [
           {"type": "file", "source": "{{template_dir}}/files/", "destination": "/tmp/worker/"},
           {"type": "shell", "script": "{{template_dir}}/install.sh",
            "environment_vars": ["CONTAINERD_VERSION={{user `containerd_version`}}",
                                 "KEY={{user `aws_secret_access_key`}}"]}]}
        """);
  }

  private BuildSpec spec(Instant now, String uuid, Map<String, String> values) throws IOException {
    Template t = new TemplateLoader().load(template);
    Map<String, String> all = new LinkedHashMap<>();
    all.put("kubernetes_version", "1.23.16");
    all.put("ami_name", "amazon-eks-node-1.23-v" + now.getEpochSecond());
    all.put("containerd_version", "1.6.*");
    all.put("creator", "alice");
    all.put("aws_secret_access_key", "secret-one-xyz");
    all.putAll(values);
    List<Variable> list = new ArrayList<>();
    VariableSource cli = VariableSource.commandLine("--var");
    all.forEach((k, v) -> list.add(new Variable(k, v, cli)));
    return new TemplateRenderer(Map.of(), now, uuid, dir)
        .render(t, Variables.of(list, List.of()), VariableValidator.Purpose.BUILD);
  }

  private InputsFingerprint fp(BuildSpec spec) {
    return InputsFingerprint.of(spec, SOURCE, TOOL);
  }

  /**
   * The fingerprint is a bake key that AMIs already carry: its value for the same inputs must not
   * change between releases of one major version. Pinned from the release that introduced it.
   */
  @Test
  void value_isStable_andTheSameWhetherPreparedBeforeTheSourceIsKnownOrNot() throws IOException {
    BuildSpec spec = spec(T1, "uuid-1", Map.of());
    InputsFingerprint direct = fp(spec);
    assertEquals(
        "02b615759fc5641d2c50c7b6e19e6866e0e0a2a040dd0d444e83c4226a921f98", direct.value());
    assertEquals(
        "26a5b51360cbcd306e4ed07acb91dbcd5a85fdbd50b93f624c094fe6a2b9bfa0",
        direct.parts().get("provisioners[0]"));
    InputsFingerprint prepared = InputsFingerprint.prepare(spec, TOOL).withSource(SOURCE);
    assertEquals(direct, prepared);
    assertEquals(List.copyOf(direct.parts().keySet()), List.copyOf(prepared.labels().keySet()));
    assertEquals(
        List.of(
            "settings", "variables", "source_ami", "tool", "provisioners[0]", "provisioners[1]"),
        List.copyOf(direct.parts().keySet()));
  }

  /**
   * The settings enter the fingerprint as the tree Jackson's convertValue made of them when the
   * fingerprint was introduced; the hand-made tree must be that one, for every kind of component
   * (nulls, boxed and primitive numbers and booleans, maps, lists of records, durations).
   */
  @Test
  void settingsTree_isTheOneJacksonsConvertValueMade() throws IOException {
    ObjectMapper jackson =
        new ObjectMapper()
            .registerModule(
                new SimpleModule().addSerializer(Duration.class, ToStringSerializer.instance));
    AmazonEbsSettings.BlockDevice gp3 =
        new AmazonEbsSettings.BlockDevice("/dev/xvda", "gp3", 20, true, true, 3000, 125);
    AmazonEbsSettings.BlockDevice bare =
        new AmazonEbsSettings.BlockDevice("/dev/xvdb", "gp2", null, false, null, null, null);
    AmazonEbsSettings rich =
        new AmazonEbsSettings(
            "eu-west-1",
            "https://ec2.example",
            new AmazonEbsSettings.SourceAmi(
                null,
                new AmazonEbsSettings.SourceAmiFilter(
                    Map.of("name", "amzn2-ami-minimal-hvm-*"), List.of("137112412989"), true)),
            new AmazonEbsSettings.LaunchSettings(
                "m6g.large",
                List.of(gp3, bare),
                "builder-profile",
                new AmazonEbsSettings.MetadataOptions("required", "enabled", 2),
                "#!/bin/sh",
                "{\"Version\": \"2012-10-17\"}"),
            new AmazonEbsSettings.NetworkSettings(
                "subnet-1", null, Boolean.FALSE, List.of("10.0.0.0/8", "192.168.0.0/16")),
            new AmazonEbsSettings.SshSettings(
                "ec2-user", null, "private_ip", 22, false, Duration.ofMinutes(5)),
            new AmazonEbsSettings.ImageSettings(
                "node-1", "a node", List.of(bare), true, "alias/ebs"),
            new AmazonEbsSettings.Distribution(
                List.of("us-east-1"),
                Map.of("us-east-1", "alias/copy"),
                List.of("111122223333"),
                List.of(),
                List.of("444455556666")),
            new AmazonEbsSettings.Polling(Duration.ofSeconds(15), 40),
            new AmazonEbsSettings.TagSettings(
                Map.of("run", "1"), Map.of(), Map.of("Name", "node-1"), Map.of("snap", "x")));
    for (AmazonEbsSettings settings : List.of(rich, spec(T1, "uuid-1", Map.of()).settings())) {
      assertEquals(jackson.convertValue(settings, Map.class), InputsFingerprint.tree(settings));
    }
  }

  @Test
  void sameInputs_atAnotherTime_withAnotherNameSuffixUuidCreatorAndCredentials_sameFingerprint()
      throws IOException {
    InputsFingerprint first = fp(spec(T1, "uuid-1", Map.of()));
    InputsFingerprint again = fp(spec(T1, "uuid-1", Map.of()));
    InputsFingerprint later =
        fp(
            spec(
                T2,
                "uuid-2",
                Map.of("creator", "bob", "aws_secret_access_key", "other-secret-abc")));

    assertEquals(64, first.value().length());
    assertTrue(first.value().matches("[0-9a-f]{64}"), first.value());
    assertEquals(first, again);
    assertEquals(first.value(), later.value(), "time suffix, timestamp, isotime, uuid counted");
    assertEquals(first.tags(), later.tags());
  }

  @Test
  void moreCopyRegions_sameFingerprint_soAReuseOnlyAddsTheCopies() throws IOException {
    assertEquals(
        fp(spec(T1, "u", Map.of())).value(),
        fp(spec(T1, "u", Map.of("ami_regions", "us-east-1,eu-west-1"))).value());
  }

  @Test
  void aChangedFileInsideAnUploadedDirectory_changesOnlyThatProvisionersDigest()
      throws IOException {
    InputsFingerprint before = fp(spec(T1, "u", Map.of()));
    Files.writeString(dir.resolve("files/kubelet.service"), "[Unit]\nDescription=kubelet 2\n");
    InputsFingerprint after = fp(spec(T2, "u", Map.of()));

    assertNotEquals(before.value(), after.value());
    assertEquals(
        List.of("provisioners[0] (file files/)"),
        after.changedSince(before.tags().get(InputsFingerprint.PARTS_TAG)));
  }

  @Test
  void aNewFileOrAnExecutableBit_inTheUploadedDirectory_counts() throws IOException {
    InputsFingerprint before = fp(spec(T1, "u", Map.of()));
    Files.writeString(dir.resolve("files/extra.conf"), "x=1\n");
    InputsFingerprint added = fp(spec(T1, "u", Map.of()));
    assertNotEquals(before.value(), added.value());
    assertTrue(dir.resolve("files/bin/helper").toFile().setExecutable(true));
    assertNotEquals(added.value(), fp(spec(T1, "u", Map.of())).value());
  }

  @Test
  void aChangedScript_aVariable_theSourceAmi_theToolMajor_eachChangeTheFingerprint()
      throws IOException {
    BuildSpec spec = spec(T1, "u", Map.of());
    InputsFingerprint base = fp(spec);
    String parts = base.tags().get(InputsFingerprint.PARTS_TAG);

    InputsFingerprint otherSource = InputsFingerprint.of(spec, "ami-0fedcba9876543210", TOOL);
    assertNotEquals(base.value(), otherSource.value());
    assertEquals(List.of("source AMI"), otherSource.changedSince(parts));

    InputsFingerprint patch = InputsFingerprint.of(spec, SOURCE, "ami-builder/0.2.7");
    assertEquals(base.value(), patch.value(), "only the major version counts");
    InputsFingerprint major = InputsFingerprint.of(spec, SOURCE, "ami-builder/1.0.0");
    assertEquals(List.of("ami-builder major version"), major.changedSince(parts));

    InputsFingerprint variable = fp(spec(T1, "u", Map.of("containerd_version", "1.7.*")));
    assertEquals(
        List.of("variables", "provisioners[1] (shell install.sh)"), variable.changedSince(parts));

    Files.writeString(dir.resolve("install.sh"), "#!/bin/sh\nyum install -y containerd runc\n");
    assertEquals(
        List.of("provisioners[1] (shell install.sh)"),
        fp(spec(T1, "u", Map.of())).changedSince(parts));
  }

  @Test
  void aWildcardPackageSpec_countsByItsText() throws IOException {
    // The same text is the same input, whatever the repository would resolve it to today.
    assertEquals(
        fp(spec(T1, "u", Map.of("containerd_version", "1.6.*"))).value(),
        fp(spec(T2, "v", Map.of("containerd_version", "1.6.*"))).value());
  }

  @Test
  void secretsNeverReachTheHashedText() throws IOException {
    BuildSpec spec = spec(T1, "u", Map.of());
    InputsFingerprint fp = fp(spec);
    assertEquals(fp.value(), fp(spec(T1, "u", Map.of("aws_secret_access_key", "zzzz-9"))).value());
    assertEquals(fp.parts().keySet(), fp.labels().keySet());
  }

  @Test
  void partsTag_fitsATagValue_andUnreadablePreviousPartsNameEverything() throws IOException {
    InputsFingerprint fp = fp(spec(T1, "u", Map.of()));
    String parts = fp.tags().get(InputsFingerprint.PARTS_TAG);
    assertTrue(parts.length() <= 256, parts);
    assertTrue(
        parts.matches("s=[0-9a-f]{8} v=[0-9a-f]{8} a=[0-9a-f]{8} t=[0-9a-f]{8} 0=\\S+ 1=\\S+"),
        parts);
    assertEquals(List.of(), fp.changedSince(parts));
    assertEquals(List.of(), fp.changedSince(null));
    assertEquals(fp.labels().size(), fp.changedSince("x=1").size() - 1);
  }

  @Test
  void reuseReport_saysWhatChangedOnAMiss_andWhetherEverythingWasReused() {
    String fp = "9e8ecc1d8327f225331b504db6c44f59ebc57ba14d252a968af87c06cf09f090";
    ReuseReport miss =
        new ReuseReport(
            fp, true, Map.of(), null, "node-v1", "ami-1", List.of("provisioners[0] (file a.conf)"));
    assertEquals(
        "no earlier bake of these inputs (9e8ecc1d8327); since node-v1 (ami-1) provisioners[0]"
            + " (file a.conf) changed; baking",
        miss.missLine());
    ReuseReport first = new ReuseReport(fp, true, Map.of(), null, null, null, List.of());
    assertTrue(first.missLine().contains("none with this name prefix"), first.missLine());
    assertEquals(
        null, new ReuseReport(fp, false, Map.of(), null, null, null, List.of()).missLine());

    ReuseReport hit =
        new ReuseReport(fp, true, Map.of("us-west-2", "ami-1"), "node-v1", null, null, List.of());
    assertEquals(null, hit.missLine());
    assertTrue(hit.fullyReused(Map.of("us-west-2", "ami-1")));
    assertTrue(!hit.fullyReused(Map.of("us-west-2", "ami-1", "us-east-1", "ami-2")));
  }

  @Test
  void namePrefix_dropsTheTimeSuffix() {
    assertEquals(
        "amazon-eks-node-1.23-v", ReuseLookup.namePrefix("amazon-eks-node-1.23-v20261125101530"));
    assertEquals("fixed-name", ReuseLookup.namePrefix("fixed-name"));
  }

  @Test
  void toolVersion_isTheMajor() {
    assertEquals("ami-builder/0", InputsFingerprint.toolVersion("ami-builder/0.1.0"));
    assertEquals(
        "ami-builder/development", InputsFingerprint.toolVersion("ami-builder/development"));
  }
}
