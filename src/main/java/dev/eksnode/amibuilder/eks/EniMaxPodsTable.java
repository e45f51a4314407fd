package dev.eksnode.amibuilder.eks;

import dev.eksnode.amibuilder.config.ConfigException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.SortedMap;

/**
 * The shipped eni-max-pods.txt, read as bootstrap.sh reads {@code /etc/eks/eni-max-pods.txt}: the
 * max pods of an instance type without asking AWS.
 */
public final class EniMaxPodsTable {
  private final Path file;
  private final SortedMap<String, Integer> maxPods;

  private EniMaxPodsTable(Path file, SortedMap<String, Integer> maxPods) {
    this.file = file;
    this.maxPods = maxPods;
  }

  /**
   * Reads {@code file}.
   *
   * @throws ConfigException when it is missing or a line is not {@code <type> <max-pods>}
   */
  public static EniMaxPodsTable read(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new ConfigException(
          file
              + " does not exist; set AMI_BUILDER_HOME to the ami-builder directory, or pass"
              + " --cni-version to compute max pods from EC2 DescribeInstanceTypes");
    }
    try {
      return new EniMaxPodsTable(
          file, EniMaxPodsGenerator.parse(Files.readString(file, StandardCharsets.UTF_8)));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(file + ": " + e.getMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /** The table's value for {@code instanceType}, if it lists it. */
  public OptionalInt maxPods(String instanceType) {
    Integer value = maxPods.get(instanceType);
    return value == null ? OptionalInt.empty() : OptionalInt.of(value);
  }

  public int size() {
    return maxPods.size();
  }

  public Path file() {
    return file;
  }
}
