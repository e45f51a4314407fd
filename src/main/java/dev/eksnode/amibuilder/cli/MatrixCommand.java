package dev.eksnode.amibuilder.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eksnode.amibuilder.config.ConfigException;
import dev.eksnode.amibuilder.config.DidYouMean;
import dev.eksnode.amibuilder.config.MatrixFile;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** Lists the entries of a matrix file for CI: a GitHub Actions matrix, or one name per line. */
@Command(
    name = "matrix",
    mixinStandardHelpOptions = true,
    description = {
      "List the entries of a matrix file (the builds of 'k8s --matrix FILE'); no AWS call.",
      "  ami-builder matrix builds.yaml --format github   ({\"entry\":[...]}, for strategy.matrix)",
      "  ami-builder matrix builds.yaml --shard 2/4       (the names 'k8s --shard 2/4' builds)",
      "The file is checked as 'k8s --matrix' checks it (form, value types, unique names): a bad"
          + " file is exit 2 with one line naming the file, the entry and the field."
    })
final class MatrixCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @ParentCommand AmiBuilderCommand parent;

  @Parameters(index = "0", paramLabel = "FILE", description = "The matrix file (JSON or YAML).")
  String file;

  @Option(
      names = "--format",
      paramLabel = "github|plain",
      defaultValue = "plain",
      description =
          "github: one line of JSON, {\"entry\":[names]}, for strategy.matrix with fromJSON;"
              + " plain: one entry name per line (default).")
  String format;

  @Option(
      names = "--shard",
      paramLabel = "I/N",
      description = "Only the entries of the I-th of N slices, as 'k8s --shard I/N' builds them.")
  String shard;

  @Option(
      names = "--entry",
      paramLabel = "NAME",
      description = "Only this entry (repeatable); an unknown name is an error.")
  List<String> names = new ArrayList<>();

  @Override
  public Integer call() {
    CliContext ctx = parent.context();
    String f = format.strip().toLowerCase(java.util.Locale.ROOT);
    if (!f.equals("github") && !f.equals("plain")) {
      throw new ConfigException(
          "--format '" + ConfigException.oneLine(format) + "' is not known; use github or plain");
    }
    MatrixFile matrix = MatrixFile.read(ctx.resolve(file));
    List<MatrixFile.Entry> chosen =
        select(matrix, shard == null ? null : Shard.parse(shard), names);
    if (f.equals("github")) {
      ObjectNode root = JSON.createObjectNode();
      ArrayNode list = root.putArray("entry");
      chosen.forEach(e -> list.add(e.name()));
      ctx.out().println(root.toString());
    } else {
      chosen.forEach(e -> ctx.out().println(e.name()));
    }
    ctx.out().flush();
    return ExitCodes.OK;
  }

  /**
   * The entries {@code --shard} or {@code --entry} pick (all of them with neither); both at once,
   * or a name the file does not have, is a usage error.
   */
  static List<MatrixFile.Entry> select(MatrixFile matrix, Shard shard, List<String> names) {
    if (shard != null && !names.isEmpty()) {
      throw new ConfigException(
          "--shard " + shard + " and --entry both choose entries; use one of them");
    }
    if (shard != null) {
      return shard.of(matrix.entries());
    }
    if (names.isEmpty()) {
      return matrix.entries();
    }
    Set<String> wanted = new LinkedHashSet<>(names);
    for (String name : wanted) {
      if (!matrix.names().contains(name)) {
        throw new ConfigException(
            "--entry '"
                + ConfigException.oneLine(name)
                + "': "
                + matrix.file()
                + " has no entry of that name; "
                + DidYouMean.suggest(name, matrix.names())
                    .map(s -> "did you mean '" + s + "'?")
                    .orElse("'ami-builder matrix " + matrix.file() + "' lists them"));
      }
    }
    return matrix.entries().stream().filter(e -> wanted.contains(e.name())).toList();
  }
}
