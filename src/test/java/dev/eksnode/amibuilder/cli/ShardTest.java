package dev.eksnode.amibuilder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.config.ConfigException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** --shard I/N: the slices partition any matrix exactly, the same way every time. */
class ShardTest {

  @Test
  void slices_partitionEveryMatrixExactly_forManySizesAndCounts() {
    for (int size = 0; size <= 23; size++) {
      List<Integer> matrix = IntStream.range(0, size).boxed().toList();
      for (int n = 1; n <= 9; n++) {
        Map<Integer, Integer> seen = new HashMap<>();
        List<Integer> sizes = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
          List<Integer> slice = new Shard(i, n).of(matrix);
          sizes.add(slice.size());
          assertEquals(slice, new Shard(i, n).of(matrix), "deterministic");
          assertEquals(slice.stream().sorted().toList(), slice, "keeps file order");
          for (int k : slice) {
            seen.merge(k, 1, Integer::sum);
            assertEquals(i, k % n + 1, "entry " + k + " belongs to shard " + (k % n + 1));
          }
        }
        for (int k = 0; k < size; k++) {
          assertEquals(1, seen.getOrDefault(k, 0), "entry " + k + " of " + size + " with N=" + n);
        }
        assertEquals(size, seen.size());
        int max = sizes.stream().mapToInt(x -> x).max().orElse(0);
        int min = sizes.stream().mapToInt(x -> x).min().orElse(0);
        assertTrue(max - min <= 1, "balanced: " + sizes);
      }
    }
  }

  @Test
  void parse_acceptsIOverN_andRejectsEverythingElseWithTheFix() {
    assertEquals(new Shard(2, 4), Shard.parse("2/4"));
    assertEquals(new Shard(1, 1), Shard.parse(" 1 / 1 "));
    assertEquals("3/5", Shard.parse("3/5").toString());
    for (String bad : List.of("0/4", "5/4", "1/0", "-1/4")) {
      String m = assertThrows(ConfigException.class, () -> Shard.parse(bad)).getMessage();
      assertTrue(
          m.contains("out of range") || m.contains("is not of the form I/N"), bad + ": " + m);
    }
    assertEquals(
        "--shard 5/4 is out of range; I counts from 1 to N and N is at least 1 (e.g. 1/4)",
        assertThrows(ConfigException.class, () -> Shard.parse("5/4")).getMessage());
    assertEquals(
        "--shard 'two' is not of the form I/N; write e.g. --shard 2/4 for the second of four slices",
        assertThrows(ConfigException.class, () -> Shard.parse("two")).getMessage());
  }
}
