package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.eks.WorkerBinaries;
import dev.eksnode.amibuilder.remote.FileProvisioner;
import dev.eksnode.amibuilder.remote.FileProvisionerConfig;
import dev.eksnode.amibuilder.remote.Provisioner;
import dev.eksnode.amibuilder.remote.ShellProvisioner;
import dev.eksnode.amibuilder.remote.ShellProvisionerConfig;
import dev.eksnode.amibuilder.template.BuildSpec;
import dev.eksnode.amibuilder.template.FileProvisionerSpec;
import dev.eksnode.amibuilder.template.ProvisionerSpec;
import dev.eksnode.amibuilder.template.ShellProvisionerSpec;
import dev.eksnode.amibuilder.template.TemplateException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Translates the template's rendered provisioners into the remote package's provisioners. Local
 * paths of downloads resolve against the output directory, so version info lands beside the
 * manifests.
 */
public final class ProvisionerPlan {
  private ProvisionerPlan() {}

  /** The variable that tells install-worker.sh where the file of pre-signed URLs is. */
  public static final String BINARY_URLS_VARIABLE = "BINARY_URLS_FILE";

  /**
   * One provisioner to run, with its label for log prefixes.
   *
   * @param environment a shell provisioner's environment_vars as the template gives them (empty for
   *     a file provisioner)
   * @param binaryUrls whether it gets the file of pre-signed URLs for the binary bucket
   */
  public record Item(
      String label,
      Provisioner provisioner,
      Duration rebootTimeout,
      Map<String, String> environment,
      boolean binaryUrls) {
    public Item {
      environment = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(environment));
    }
  }

  public static List<Item> of(BuildSpec spec, Path outputDir) {
    return of(spec, outputDir, null);
  }

  /**
   * The plan; with {@code binaryUrlsFile}, every shell provisioner that fetches from the binary
   * bucket (it sets {@code BINARY_BUCKET_NAME}, as install-worker.sh does) also gets {@code
   * BINARY_URLS_FILE} pointing at it.
   */
  public static List<Item> of(BuildSpec spec, Path outputDir, String binaryUrlsFile) {
    List<Item> items = new ArrayList<>();
    for (ProvisionerSpec p : spec.provisioners()) {
      if (p instanceof ShellProvisionerSpec shell) {
        Map<String, String> env = environment(shell);
        boolean urls = binaryUrlsFile != null && fetchesBinaries(env);
        Map<String, String> given = new LinkedHashMap<>(env);
        if (urls) {
          given.put(BINARY_URLS_VARIABLE, binaryUrlsFile);
        }
        items.add(
            new Item(
                shell.label(),
                new ShellProvisioner(shellConfig(spec, shell, given)),
                shell.rebootTimeout(),
                env,
                urls));
      } else if (p instanceof FileProvisionerSpec file) {
        for (String source : file.sources()) {
          FileProvisionerConfig config =
              file.direction() == FileProvisionerSpec.Direction.UPLOAD
                  ? FileProvisionerConfig.upload(source, file.destination())
                  : FileProvisionerConfig.download(
                      source, outputDir.resolve(file.destination()).toString());
          items.add(new Item(file.label(), new FileProvisioner(config), null, Map.of(), false));
        }
      }
    }
    return items;
  }

  /**
   * Whether a shell provisioner with this environment downloads from the binary bucket: it names
   * the bucket, as install-worker.sh's contract does.
   */
  static boolean fetchesBinaries(Map<String, String> env) {
    String bucket = env.get(WorkerBinaries.BUCKET_VARIABLE);
    return bucket != null && !bucket.isEmpty();
  }

  static ShellProvisionerConfig shellConfig(BuildSpec spec, ShellProvisionerSpec shell) {
    return shellConfig(spec, shell, environment(shell));
  }

  private static ShellProvisionerConfig shellConfig(
      BuildSpec spec, ShellProvisionerSpec shell, Map<String, String> env) {
    ShellProvisionerConfig.Builder b =
        shell.scripts().isEmpty()
            ? ShellProvisionerConfig.inline(shell.inline().toArray(String[]::new))
                .inlineShebang(shell.inlineShebang())
            : shell.scripts().size() == 1
                ? ShellProvisionerConfig.script(shell.scripts().get(0))
                : ShellProvisionerConfig.scripts(shell.scripts());
    return b.name(shell.label())
        .environmentVars(env)
        .executeCommand(shell.executeCommand())
        .remoteFolder(shell.remoteFolder())
        .pauseBefore(shell.pauseBefore())
        .pauseAfter(shell.pauseAfter())
        .expectDisconnect(shell.expectDisconnect())
        .buildName(spec.buildName())
        .builderType("amazon-ebs")
        .build();
  }

  /** {@code KEY=value} entries as a map; the value may contain '=' and be empty, as in Packer. */
  static Map<String, String> environment(ShellProvisionerSpec shell) {
    Map<String, String> env = new LinkedHashMap<>();
    for (String entry : shell.environmentVars()) {
      int eq = entry.indexOf('=');
      if (eq <= 0) {
        throw new TemplateException(
            "provisioners["
                + shell.index()
                + "].environment_vars: '"
                + entry
                + "' is not KEY=value");
      }
      env.put(entry.substring(0, eq), entry.substring(eq + 1));
    }
    return env;
  }
}
