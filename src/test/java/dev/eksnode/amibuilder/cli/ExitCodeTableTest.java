package dev.eksnode.amibuilder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ExitCode} is the table; the --help footer, the README and the docs restate it for readers.
 * Each must list exactly its codes, and each code's line must carry the word that tells it apart.
 */
class ExitCodeTableTest {
  /**
   * The word a reader looks for in each code's line; every description of the code must contain it.
   */
  static final Map<ExitCode, String> KEY_WORDS =
      Map.of(
          ExitCode.OK, "success",
          ExitCode.BUILD_FAILED, "failed",
          ExitCode.USAGE, "invalid",
          ExitCode.CLEANUP_INCOMPLETE, "remains",
          ExitCode.INTERNAL, "internal error",
          ExitCode.INTERRUPTED, "interrupted");

  /** The files that list the exit codes, with the shape each one uses. */
  static final List<String> TABLES = List.of("README.md", "docs/ci.md");

  static final List<String> INLINE_LISTS = List.of("docs/user-guide.md");

  static final Pattern TABLE_ROW = Pattern.compile("^\\|\\s*(\\d+)\\s*\\|([^|]*)\\|.*$");
  static final Pattern FOOTER_LINE = Pattern.compile("^\\s+(\\d+)\\s+(\\S.*)$");
  static final Pattern LIST_ITEM = Pattern.compile("^(\\d+) (.+)$");

  @TempDir Path root;

  @Test
  void table_hasOneRowPerCode_andEachMeaningHasItsKeyWord() {
    Set<Integer> codes =
        Arrays.stream(ExitCode.values()).map(ExitCode::code).collect(Collectors.toSet());
    assertEquals(ExitCode.values().length, codes.size(), "two rows share a code");
    assertEquals(
        Set.of(ExitCode.values()), KEY_WORDS.keySet(), "a code without a key word in this test");
    Map<Integer, String> table =
        Arrays.stream(ExitCode.values())
            .collect(Collectors.toMap(ExitCode::code, ExitCode::meaning));
    assertListsTheTable("ExitCode", table);
  }

  @Test
  void helpFooter_isTheTable() {
    TestHome.Result r = new TestHome(root).run("--help");
    assertEquals(0, r.code(), r.err());
    List<String> lines = r.out().lines().toList();
    int heading = lines.indexOf("Exit codes:");
    assertTrue(heading >= 0, "no 'Exit codes:' heading in --help:\n" + r.out());
    Map<Integer, String> listed = new LinkedHashMap<>();
    Integer last = null;
    for (String line : lines.subList(heading + 1, lines.size())) {
      Matcher m = FOOTER_LINE.matcher(line);
      if (m.matches()) {
        last = Integer.valueOf(m.group(1));
        listed.put(last, m.group(2));
      } else if (last != null && !line.isBlank()) {
        // picocli wrapped a long line: the rest belongs to the code before it.
        listed.merge(last, line.strip(), (a, b) -> a + " " + b);
      }
    }
    assertListsTheTable("--help", listed);
    assertEquals(
        Arrays.stream(ExitCode.values()).map(ExitCode::meaning).toList(),
        List.copyOf(listed.values()),
        "--help prints the meanings of ExitCode word for word, in its order");
    for (String line : lines.subList(heading + 1, lines.size())) {
      assertTrue(line.length() < 80, "a footer line wraps: " + line);
    }
  }

  @Test
  void readmeAndCiGuide_tablesListTheCodes() throws IOException {
    for (String file : TABLES) {
      assertListsTheTable(file, markdownTable(TestHome.projectDir().resolve(file)));
    }
  }

  @Test
  void userGuide_inlineListNamesTheCodes() throws IOException {
    for (String file : INLINE_LISTS) {
      assertListsTheTable(file, inlineList(TestHome.projectDir().resolve(file)));
    }
  }

  @Test
  void everyDocListingExitCodes_isCheckedHere() throws IOException {
    Path project = TestHome.projectDir();
    Set<String> found = new TreeSet<>();
    try (Stream<Path> docs =
        Stream.concat(
            Stream.of(project.resolve("README.md")),
            Files.list(project.resolve("docs")).filter(p -> p.toString().endsWith(".md")))) {
      for (Path doc : docs.toList()) {
        if (Files.readAllLines(doc).stream()
            .anyMatch(l -> l.matches("(?i)^(#+ *exit codes\\s*|exit codes:.*)$"))) {
          found.add(project.relativize(doc).toString());
        }
      }
    }
    Set<String> checked = new TreeSet<>(TABLES);
    checked.addAll(INLINE_LISTS);
    assertEquals(
        checked,
        found,
        "a doc lists the exit codes but this test does not read it (or no longer does)");
  }

  private static void assertListsTheTable(String where, Map<Integer, String> listed) {
    Set<Integer> expected =
        Arrays.stream(ExitCode.values())
            .map(ExitCode::code)
            .collect(Collectors.toCollection(TreeSet::new));
    assertEquals(
        expected, new TreeSet<>(listed.keySet()), where + " lists other exit codes than ExitCode");
    for (ExitCode c : ExitCode.values()) {
      String meaning = listed.get(c.code()).toLowerCase(Locale.ROOT);
      assertTrue(
          meaning.contains(KEY_WORDS.get(c)),
          where
              + ": code "
              + c.code()
              + " ("
              + c
              + ") should say '"
              + KEY_WORDS.get(c)
              + "' but says: "
              + meaning);
    }
  }

  /** The rows of the first markdown table under the "## Exit codes" heading: code → meaning. */
  private static Map<Integer, String> markdownTable(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file);
    int heading = lines.indexOf("## Exit codes");
    assertTrue(heading >= 0, file + " has no '## Exit codes' heading");
    Map<Integer, String> rows = new LinkedHashMap<>();
    boolean inTable = false;
    for (String line : lines.subList(heading + 1, lines.size())) {
      if (!line.startsWith("|")) {
        if (inTable) {
          break;
        }
        continue;
      }
      inTable = true;
      Matcher m = TABLE_ROW.matcher(line);
      if (m.matches()) {
        rows.put(Integer.valueOf(m.group(1)), m.group(2).strip());
      }
    }
    return rows;
  }

  /** A paragraph "Exit codes: 0 … · 1 … · …": code → meaning. */
  private static Map<Integer, String> inlineList(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file);
    int start = -1;
    for (int i = 0; i < lines.size() && start < 0; i++) {
      if (lines.get(i).startsWith("Exit codes:")) {
        start = i;
      }
    }
    assertTrue(start >= 0, file + " has no paragraph starting 'Exit codes:'");
    StringBuilder paragraph = new StringBuilder();
    for (String line : lines.subList(start, lines.size())) {
      if (line.isBlank()) {
        break;
      }
      paragraph.append(' ').append(line.strip());
    }
    Map<Integer, String> items = new LinkedHashMap<>();
    for (String item : paragraph.toString().strip().substring("Exit codes:".length()).split("·")) {
      Matcher m = LIST_ITEM.matcher(item.strip());
      assertTrue(m.matches(), file + ": not '<code> <meaning>': " + item.strip());
      items.put(Integer.valueOf(m.group(1)), m.group(2));
    }
    return items;
  }
}
