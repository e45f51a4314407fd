package dev.eksnode.amibuilder.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;

class TagsTest {
  private final Tags tags = new Tags("ab-20261125T1203-7f3k2q", "ami-builder/0.1.0");

  @Test
  void specification_carriesOwnershipTagsForTheResourceType() {
    TagSpecification spec = tags.specification(ResourceType.SECURITY_GROUP);

    assertEquals(ResourceType.SECURITY_GROUP, spec.resourceType());
    assertEquals(
        List.of(
            Tag.builder().key("ami-builder:build-id").value("ab-20261125T1203-7f3k2q").build(),
            Tag.builder().key("ami-builder:created-by").value("ami-builder/0.1.0").build()),
        spec.tags());
  }

  @Test
  void with_addsExtraTagsButNeverLetsThemOverrideOwnership() {
    Map<String, String> extra = new LinkedHashMap<>();
    extra.put("Name", "amazon-eks-node-1.23");
    extra.put(Tags.BUILD_ID, "forged");

    List<Tag> result = tags.with(extra);

    assertEquals(3, result.size());
    assertEquals(Tag.builder().key("Name").value("amazon-eks-node-1.23").build(), result.get(0));
    assertEquals(
        "ab-20261125T1203-7f3k2q",
        result.stream()
            .filter(t -> t.key().equals(Tags.BUILD_ID))
            .findFirst()
            .orElseThrow()
            .value());
  }

  @Test
  void specifications_coverEachRequestedType() {
    List<TagSpecification> specs =
        tags.specifications(Map.of("creator", "alice"), ResourceType.INSTANCE, ResourceType.VOLUME);

    assertEquals(
        List.of(ResourceType.INSTANCE, ResourceType.VOLUME),
        specs.stream().map(TagSpecification::resourceType).toList());
    assertEquals(3, specs.get(1).tags().size());
  }

  @Test
  void filters_selectOneBuildOrEveryBuild() {
    assertEquals(
        Filter.builder().name("tag:ami-builder:build-id").values("ab-1").build(),
        Tags.buildIdFilter("ab-1"));
    assertEquals(
        Filter.builder().name("tag-key").values("ami-builder:build-id").build(),
        Tags.createdByToolFilter());
  }

  @Test
  void invalidTags_failBeforeAnyCreateCall() {
    assertThrows(IllegalArgumentException.class, () -> Tags.toTags(Map.of("aws:reserved", "x")));
    assertThrows(IllegalArgumentException.class, () -> Tags.toTags(Map.of("k".repeat(129), "x")));
    assertThrows(IllegalArgumentException.class, () -> Tags.toTags(Map.of("k", "v".repeat(257))));
    assertThrows(IllegalArgumentException.class, () -> new Tags(" ", "ami-builder"));
  }
}
