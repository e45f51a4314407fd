package dev.eksnode.amibuilder.aws;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;

/**
 * The ownership tags every resource of a build carries from its creation call, so {@code cleanup}
 * can find a build's leftovers by tag even when the local journal is gone.
 */
public final class Tags {
  public static final String BUILD_ID = "ami-builder:build-id";
  public static final String CREATED_BY = "ami-builder:created-by";

  private static final int MAX_KEY = 128;
  private static final int MAX_VALUE = 256;

  private final Map<String, String> ownership;

  /**
   * @param createdBy who made it, e.g. {@code ami-builder/0.1.0}
   */
  public Tags(String buildId, String createdBy) {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put(BUILD_ID, requireValue(BUILD_ID, buildId));
    tags.put(CREATED_BY, requireValue(CREATED_BY, createdBy));
    this.ownership = Map.copyOf(tags);
  }

  public String buildId() {
    return ownership.get(BUILD_ID);
  }

  /** Who made it, e.g. {@code ami-builder/0.1.0}. */
  public String createdBy() {
    return ownership.get(CREATED_BY);
  }

  /** The two ownership tags. */
  public List<Tag> ownership() {
    return List.of(
        tag(BUILD_ID, ownership.get(BUILD_ID)), tag(CREATED_BY, ownership.get(CREATED_BY)));
  }

  /**
   * Ownership tags plus {@code extra} (template tags, {@code Name}), ownership last so it cannot be
   * overridden.
   */
  public List<Tag> with(Map<String, String> extra) {
    Map<String, String> merged = new LinkedHashMap<>(extra);
    merged.keySet().removeAll(ownership.keySet());
    List<Tag> result = new ArrayList<>(toTags(merged));
    result.addAll(ownership());
    return result;
  }

  /**
   * A TagSpecification for a create call, so the resource is tagged atomically with its creation.
   */
  public TagSpecification specification(ResourceType type) {
    return specification(type, Map.of());
  }

  public TagSpecification specification(ResourceType type, Map<String, String> extra) {
    Objects.requireNonNull(type, "type");
    return TagSpecification.builder().resourceType(type).tags(with(extra)).build();
  }

  /** Several specifications at once, e.g. instance and volume for RunInstances. */
  public List<TagSpecification> specifications(Map<String, String> extra, ResourceType... types) {
    List<TagSpecification> result = new ArrayList<>();
    for (ResourceType type : types) {
      result.add(specification(type, extra));
    }
    return result;
  }

  /** Describe filter for everything one build created. */
  public static Filter buildIdFilter(String buildId) {
    return Filter.builder().name("tag:" + BUILD_ID).values(buildId).build();
  }

  /**
   * Describe filter for everything any ami-builder build created (the {@code --older-than} sweep).
   */
  public static Filter createdByToolFilter() {
    return Filter.builder().name("tag-key").values(BUILD_ID).build();
  }

  /**
   * Tags from a map, validated against EC2's limits so a bad template tag fails before any create
   * call.
   */
  public static List<Tag> toTags(Map<String, String> tags) {
    List<Tag> result = new ArrayList<>();
    tags.forEach((key, value) -> result.add(tag(key, value)));
    return result;
  }

  private static Tag tag(String key, String value) {
    if (key == null || key.isEmpty() || key.length() > MAX_KEY) {
      throw new IllegalArgumentException(
          "tag key must be 1.." + MAX_KEY + " characters: '" + key + "'");
    }
    if (key.toLowerCase(java.util.Locale.ROOT).startsWith("aws:")) {
      throw new IllegalArgumentException("tag key '" + key + "' uses the reserved prefix aws:");
    }
    if (value == null || value.length() > MAX_VALUE) {
      throw new IllegalArgumentException(
          "tag '" + key + "' needs a value of at most " + MAX_VALUE + " characters");
    }
    return Tag.builder().key(key).value(value).build();
  }

  private static String requireValue(String key, String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("tag '" + key + "' must not be blank");
    }
    return value;
  }
}
