package dev.eksnode.amibuilder.pipeline;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The kind of a cloud resource a build creates. A record rather than an enum so that a journal
 * written by a newer version (with kinds this one does not know) still reads back; the constants
 * cover what EC2 builds create today, with the IAM role and instance profile of {@code
 * temporary_iam_instance_profile_policy_document}.
 */
public record ResourceKind(String name) {
  private static final Pattern NAME = Pattern.compile("[A-Z][A-Z0-9_]*");

  public static final ResourceKind KEY_PAIR = new ResourceKind("KEY_PAIR");
  public static final ResourceKind SECURITY_GROUP = new ResourceKind("SECURITY_GROUP");
  public static final ResourceKind INSTANCE = new ResourceKind("INSTANCE");
  public static final ResourceKind VOLUME = new ResourceKind("VOLUME");
  public static final ResourceKind IMAGE = new ResourceKind("IMAGE");
  public static final ResourceKind SNAPSHOT = new ResourceKind("SNAPSHOT");

  /**
   * An IAM role (the id is its name). IAM is global; such a resource records the build region,
   * which names the partition whose IAM holds it.
   */
  public static final ResourceKind IAM_ROLE = new ResourceKind("IAM_ROLE");

  /** An IAM instance profile (the id is its name); global like {@link #IAM_ROLE}. */
  public static final ResourceKind INSTANCE_PROFILE = new ResourceKind("INSTANCE_PROFILE");

  public ResourceKind {
    Objects.requireNonNull(name, "name");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "resource kind must be UPPER_SNAKE_CASE, got '" + name + "'");
    }
  }

  @JsonCreator
  public static ResourceKind of(String name) {
    return new ResourceKind(name);
  }

  @JsonValue
  @Override
  public String name() {
    return name;
  }

  @Override
  public String toString() {
    return name;
  }
}
