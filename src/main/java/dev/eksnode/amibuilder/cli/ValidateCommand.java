package dev.eksnode.amibuilder.cli;

import dev.eksnode.amibuilder.config.Shortcut;
import dev.eksnode.amibuilder.ebs.InstanceAwsAccess;
import dev.eksnode.amibuilder.template.BuildSpec;
import dev.eksnode.amibuilder.template.Template;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** Checks the template and variables exactly as a build would, without any AWS call. */
@Command(
    name = "validate",
    mixinStandardHelpOptions = true,
    abbreviateSynopsis = true,
    description = {
      "Check the template and variables as 'k8s' does, without AWS.",
      "Makes no AWS call and needs no credentials. Exit 0 when the build could start, 2 with the reason otherwise."
    })
final class ValidateCommand implements Callable<Integer> {
  @ParentCommand AmiBuilderCommand parent;
  @Mixin BuildOptions build;
  @Mixin AwsOptions aws;
  @Mixin OutputOptions output;

  @Parameters(
      paramLabel = "WORDS",
      arity = "0..*",
      description = "Optional shortcut (1.21 .. 1.25) first, then NAME=VALUE assignments.")
  List<String> words = new ArrayList<>();

  @Override
  public Integer call() {
    CliContext ctx = parent.context();
    Console console = new Console(ctx, output.json, output.quiet);
    Positionals pos = Positionals.parse(words, false);
    Shortcut shortcut = pos.shortcuts().isEmpty() ? null : pos.shortcuts().get(0);
    SpecLoader loader = new SpecLoader(ctx, build, aws, pos.assignments());
    Template template = loader.template();
    var merged = loader.variables(template, shortcut);
    BuildSpec spec = loader.spec(template, merged);
    InstanceAwsAccess.check(spec);
    spec.variables().warnings().forEach(console::warn);
    String version = spec.kubernetesVersion();
    String date = spec.variables().value("kubernetes_build_date");
    console.result(
        "Template "
            + template.path()
            + " is valid: "
            + spec.settings().image().name()
            + " (Kubernetes "
            + version
            + ", "
            + spec.variables().value("arch")
            + ", "
            + spec.settings().launch().instanceType()
            + " in "
            + spec.settings().region()
            + ")");
    if (date.isEmpty()) {
      console.info(
          "kubernetes_build_date is not set: the newest build date for "
              + version
              + " in s3://"
              + spec.variables().value("binary_bucket_name")
              + " will be used at build time.");
    }
    Map<String, Object> event = new LinkedHashMap<>();
    event.put("template", template.path().toString());
    event.put("ami_name", spec.settings().image().name());
    event.put("kubernetes_version", version);
    event.put("region", spec.settings().region());
    event.put("provisioners", spec.provisioners().size());
    console.event("validated", event);
    return ExitCodes.OK;
  }
}
