package dev.eksnode.amibuilder.failure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * An exception of ours without a category would end as "internal error", whatever it means: none
 * may lack one.
 */
class CategorizedTest {
  @Test
  void everyExceptionOfOurs_declaresItsCategory()
      throws IOException, URISyntaxException, ClassNotFoundException {
    Path classes =
        Path.of(Categorized.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<String> exceptions = new ArrayList<>();
    List<String> uncategorized = new ArrayList<>();
    List<String> names;
    try (Stream<Path> files = Files.walk(classes)) {
      names =
          files
              .filter(p -> p.toString().endsWith(".class"))
              .map(
                  p ->
                      classes
                          .relativize(p)
                          .toString()
                          .replace(p.getFileSystem().getSeparator(), "."))
              .map(n -> n.substring(0, n.length() - ".class".length()))
              .filter(n -> n.startsWith("dev.eksnode.amibuilder."))
              .toList();
    }
    for (String name : names) {
      // Loaded without running static initializers: this test only reads the type hierarchy.
      Class<?> type = Class.forName(name, false, getClass().getClassLoader());
      if (Throwable.class.isAssignableFrom(type)) {
        exceptions.add(type.getName());
        if (!Categorized.class.isAssignableFrom(type)) {
          uncategorized.add(type.getName());
        }
      }
    }
    assertTrue(exceptions.size() >= 15, "found only " + exceptions + " under " + classes);
    assertEquals(
        List.of(), uncategorized, "implement Categorized (failure package) in these exceptions");
  }
}
