package dev.eksnode.amibuilder.pipeline;

import java.util.Objects;

/** A cloud resource a build created: what it is, its id, and the region it lives in. */
public record Resource(ResourceKind kind, String id, String region) {
  public Resource {
    Objects.requireNonNull(kind, "kind");
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException("resource id must not be blank");
    }
    if (region == null || region.isBlank()) {
      throw new IllegalArgumentException("resource region must not be blank");
    }
  }

  @Override
  public String toString() {
    return kind + " " + id + " (" + region + ")";
  }
}
