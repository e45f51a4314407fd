package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.config.Booleans;
import dev.eksnode.amibuilder.config.DerivedDefaults;
import dev.eksnode.amibuilder.template.BuildSpec;
import dev.eksnode.amibuilder.template.ProvisionerSpec;
import dev.eksnode.amibuilder.template.ShellProvisionerSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether the build instance itself must call AWS, and if so, whether it has a way to. The binary
 * bucket needs no credentials on the instance (its objects come through pre-signed URLs), but two
 * things do:
 *
 * <ul>
 *   <li><b>image caching</b>: a shell provisioner whose environment_vars set {@code
 *       CACHE_CONTAINER_IMAGES=true} (the shipped template passes {@code cache_container_images} to
 *       install-worker.sh) pulls images from ECR on the instance, unless its {@code
 *       BINARY_BUCKET_REGION} is us-iso-east-1 or us-isob-east-1, where install-worker.sh skips
 *       caching;
 *   <li><b>the AWS CLI</b>: a shell provisioner whose inline commands or script files run {@code
 *       aws}: the word {@code aws} followed by blanks and a lower-case subcommand ({@code aws s3
 *       cp}, {@code sudo aws sts ...}, {@code $(aws ec2 ...)}), at the start of a line or after a
 *       blank, {@code ; & | ( { `} or a path's {@code /}. Whole-line comments are skipped, and
 *       {@code aws} right after a quote ({@code "aws s3 ..."} in a message) does not count. A
 *       provisioner that sets {@code BINARY_BUCKET_NAME} (install-worker.sh's contract, the
 *       project's and upstream's) is not scanned: its {@code aws} calls are the bucket fallback,
 *       which the pre-signed URLs replace (or which runs only with forwarded keys), and the image
 *       caching lookups, which the first rule covers.
 * </ul>
 *
 * Either needs {@code iam_instance_profile}, {@code temporary_iam_instance_profile_policy_document}
 * or {@code forward_aws_credentials=true}. The check reads only the rendered template and the local
 * script files: no AWS call.
 */
public final class InstanceAwsAccess {
  static final String FIX =
      "set iam_instance_profile, temporary_iam_instance_profile_policy_document or"
          + " forward_aws_credentials=true";

  private static final Pattern AWS_COMMAND =
      Pattern.compile("(?<![^\\s;&|({`/])aws[ \\t]+[a-z][\\w-]*(?:[ \\t]+[a-z][\\w-]*)?");

  private InstanceAwsAccess() {}

  /**
   * Fails the build before anything exists when the instance must call AWS and cannot. Also run by
   * {@code validate}, since it needs no AWS call.
   */
  public static void check(BuildSpec spec) {
    problem(spec)
        .ifPresent(
            reason -> {
              throw new PreflightException(reason + ", which needs AWS credentials there; " + FIX);
            });
  }

  /** What makes the instance call AWS without a way to, or empty when all is well. */
  static Optional<String> problem(BuildSpec spec) {
    if (hasAccess(spec)) {
      return Optional.empty();
    }
    for (ProvisionerSpec p : spec.provisioners()) {
      if (!(p instanceof ShellProvisionerSpec shell)) {
        continue;
      }
      Map<String, String> env = ProvisionerPlan.environment(shell);
      if (caches(env)) {
        return Optional.of(
            "image caching is on (CACHE_CONTAINER_IMAGES=true for "
                + where(shell)
                + "): the build instance pulls the images from ECR");
      }
      if (ProvisionerPlan.fetchesBinaries(env)) {
        continue;
      }
      Optional<String> call = awsCall(shell);
      if (call.isPresent()) {
        return Optional.of(
            where(shell) + " runs the AWS CLI on the build instance (" + call.get() + ")");
      }
    }
    return Optional.empty();
  }

  /** An instance profile, a temporary one from a policy document, or forwarded keys. */
  static boolean hasAccess(BuildSpec spec) {
    var launch = spec.settings().launch();
    return launch.iamInstanceProfile() != null
        || launch.temporaryIamInstanceProfilePolicyDocument() != null
        || Booleans.isTrue(spec.variables().value(DerivedDefaults.CREDENTIAL_GUARD));
  }

  private static boolean caches(Map<String, String> env) {
    return "true".equals(env.get("CACHE_CONTAINER_IMAGES"))
        && !ImageCacheInputs.NO_CACHING.contains(env.getOrDefault("BINARY_BUCKET_REGION", ""));
  }

  private static String where(ShellProvisionerSpec shell) {
    return "provisioners[" + shell.index() + "], " + shell.label();
  }

  /** The first {@code aws} command of the provisioner, as {@code 'aws s3 cp' in FILE line N}. */
  static Optional<String> awsCall(ShellProvisionerSpec shell) {
    for (int i = 0; i < shell.inline().size(); i++) {
      Optional<String> found = firstCall(shell.inline().get(i));
      if (found.isPresent()) {
        return Optional.of(found.get() + " in inline[" + i + "]");
      }
    }
    for (Path script : shell.scripts()) {
      String text;
      try {
        text = Files.readString(script, StandardCharsets.UTF_8);
      } catch (IOException | RuntimeException e) {
        // The provisioner reports an unreadable script when it runs.
        continue;
      }
      Optional<String> found = firstCall(text);
      if (found.isPresent()) {
        return Optional.of(found.get() + " in " + script.getFileName());
      }
    }
    return Optional.empty();
  }

  /** The first {@code aws} command of {@code text}, as {@code 'aws s3 cp' at line N}. */
  static Optional<String> firstCall(String text) {
    String[] lines = text.split("\\R", -1);
    for (int n = 0; n < lines.length; n++) {
      String line = lines[n].stripLeading();
      if (line.startsWith("#")) {
        continue;
      }
      Matcher m = AWS_COMMAND.matcher(line);
      if (m.find()) {
        return Optional.of("'" + m.group().replaceAll("[ \\t]+", " ") + "' at line " + (n + 1));
      }
    }
    return Optional.empty();
  }
}
