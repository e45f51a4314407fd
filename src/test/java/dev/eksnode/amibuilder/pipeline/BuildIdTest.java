package dev.eksnode.amibuilder.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BuildIdTest {
  private static final Clock NOV_25 =
      Clock.fixed(Instant.parse("2026-11-25T12:03:45Z"), ZoneOffset.UTC);

  @Test
  void generate_formatsUtcMinuteAndRandomSuffix() {
    int[] next = {7, 15, 3, 20, 2, 26};
    int[] i = {0};

    BuildId id = BuildId.generate(NOV_25, bound -> next[i[0]++]);

    assertEquals("ab-20261125T1203-7f3k2q", id.value());
    assertEquals(Instant.parse("2026-11-25T12:03:00Z"), id.startedAt());
  }

  @Test
  void generate_isUniqueWithinOneMinuteAndSortsByTime() {
    Set<BuildId> ids = new HashSet<>();
    for (int n = 0; n < 1000; n++) {
      ids.add(BuildId.generate(NOV_25));
    }
    BuildId later = BuildId.generate(Clock.offset(NOV_25, java.time.Duration.ofMinutes(1)));

    assertEquals(1000, ids.size());
    assertTrue(ids.stream().allMatch(id -> id.compareTo(later) < 0));
  }

  @Test
  void parse_rejectsAnythingElse() {
    assertEquals("ab-20261125T1203-7f3k2q", BuildId.parse(" ab-20261125T1203-7f3k2q ").value());
    assertThrows(IllegalArgumentException.class, () -> BuildId.parse("ab-2026-7f3k2q"));
    assertThrows(IllegalArgumentException.class, () -> BuildId.parse("../../etc/passwd"));
    assertThrows(IllegalArgumentException.class, () -> BuildId.parse(null));
  }
}
