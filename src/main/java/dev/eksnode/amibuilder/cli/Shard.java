package dev.eksnode.amibuilder.cli;

import dev.eksnode.amibuilder.config.ConfigException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code --shard I/N}: the I-th of N slices of a matrix, so that N CI jobs cover it once. Entry k
 * (0-based, in file order) belongs to shard {@code (k mod N) + 1}: every entry is in exactly one
 * shard, the shards differ in size by at most one, and a shard is empty only when N exceeds the
 * number of entries.
 *
 * @param index 1-based, 1 to count
 * @param count how many shards, at least 1
 */
record Shard(int index, int count) {
  private static final Pattern FORM = Pattern.compile("\\s*(\\d{1,6})\\s*/\\s*(\\d{1,6})\\s*");

  Shard {
    if (count < 1 || index < 1 || index > count) {
      throw new IllegalArgumentException("bad shard " + index + "/" + count);
    }
  }

  /** Parses {@code I/N}; anything else is a one-line usage error. */
  static Shard parse(String text) {
    Matcher m = FORM.matcher(text);
    if (!m.matches()) {
      throw new ConfigException(
          "--shard '"
              + ConfigException.oneLine(text)
              + "' is not of the form I/N; write e.g. --shard 2/4 for the second of four slices");
    }
    int i = Integer.parseInt(m.group(1));
    int n = Integer.parseInt(m.group(2));
    if (n < 1 || i < 1 || i > n) {
      throw new ConfigException(
          "--shard "
              + i
              + "/"
              + n
              + " is out of range; I counts from 1 to N and N is at least 1 (e.g. 1/"
              + Math.max(n, 1)
              + ")");
    }
    return new Shard(i, n);
  }

  /** The items of this shard, in their order. */
  <T> List<T> of(List<T> all) {
    List<T> mine = new ArrayList<>();
    for (int k = index - 1; k < all.size(); k += count) {
      mine.add(all.get(k));
    }
    return mine;
  }

  @Override
  public String toString() {
    return index + "/" + count;
  }
}
