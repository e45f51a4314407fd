package dev.eksnode.amibuilder.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.eksnode.amibuilder.aws.AwsErrors;
import dev.eksnode.amibuilder.aws.SdkWarmUp;
import dev.eksnode.amibuilder.aws.UnreachableEndpoint;
import dev.eksnode.amibuilder.config.ConfigException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;

/** Entry point. {@link #run} returns the exit code; only {@link #main} exits the JVM. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
    PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
    CliContext ctx =
        new CliContext(
            out,
            err,
            System.getenv(),
            Clock.systemDefaultZone(),
            Path.of("").toAbsolutePath(),
            Home.locate(System.getenv()),
            Terminal.ofSystemConsole());
    int code = run(ctx, args);
    out.flush();
    err.flush();
    System.exit(code);
  }

  /** Runs one command line in-process, as tests do. */
  public static int run(CliContext ctx, String... args) {
    int verbosity = verbosity(args);
    String subcommand = subcommandOf(args);
    if (!"".equals(subcommand)) {
      // The top level only prints its help, the version or a usage error, and logs nothing:
      // starting logback (a service look-up through the jar) would only slow it.
      configureLogging(verbosity);
    }
    if ("k8s".equals(subcommand) && !wantsHelp(args)) {
      // The SDK's first-call cost (and the trust store, for TLS), paid on the second core while
      // the command line, the template and the variables are read: the sooner it starts, the more
      // it overlaps. Not before the logging is set up: the SDK's loggers would start SLF4J on the
      // warm-up's thread, and while that runs, the main thread's -v would find no logback to set.
      SdkWarmUp.start(SdkWarmUp.speaksTls(endpointOf(args)));
    }
    CommandLine cli = commandLine(ctx, verbosity, subcommand);
    return cli.execute(args);
  }

  /** The whole command tree, every subcommand with all its options. */
  static CommandLine commandLine(CliContext ctx, int verbosity) {
    return commandLine(ctx, verbosity, null);
  }

  /**
   * The command tree with only {@code wanted} (a subcommand's name or alias; null: all) built in
   * full. Building a subcommand's options is most of a start's cost, so the others are stand-ins
   * that carry only what the top-level help lists and what picocli suggests a misspelt command
   * from: the names, aliases and description from their {@code @Command} annotation.
   */
  static CommandLine commandLine(CliContext ctx, int verbosity, String wanted) {
    CommandLine cli = new CommandLine(new AmiBuilderCommand(ctx));
    for (Class<?> type : AmiBuilderCommand.SUBCOMMANDS) {
      Command command = type.getAnnotation(Command.class);
      if (wanted == null
          || command.name().equals(wanted)
          || List.of(command.aliases()).contains(wanted)) {
        cli.addSubcommand(type);
      } else {
        cli.addSubcommand(command.name(), standIn(command), command.aliases());
      }
    }
    cli.getCommandSpec().usageMessage().footer(ExitCode.helpFooter());
    cli.setOut(ctx.out());
    cli.setErr(ctx.err());
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    cli.setParameterExceptionHandler(
        (ex, args) -> {
          String hint = ex.getCommandLine().getCommandSpec().qualifiedName();
          ctx.err().println("error: " + oneLine(ex.getMessage()) + "; see '" + hint + " --help'");
          ctx.err().flush();
          return ExitCodes.forFailure(ex);
        });
    cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> report(ctx, ex, verbosity));
    return cli;
  }

  /** A subcommand known only by its name and description: enough for the top-level help. */
  private static CommandLine standIn(Command command) {
    CommandSpec spec = CommandSpec.create().name(command.name());
    spec.usageMessage()
        .header(command.header())
        .description(command.description())
        .hidden(command.hidden());
    return new CommandLine(spec);
  }

  /**
   * The subcommand to build in full: the first argument that is not an option; "" (none: the
   * top-level help or an error) when there is none before {@code --}; null (all) for the completion
   * script's generator, which walks the whole tree.
   */
  static String subcommandOf(String... args) {
    for (String a : args) {
      if (a.equals("--")) {
        return "";
      }
      if (!a.startsWith("-")) {
        return a.equals(GENERATE_COMPLETION) ? null : a;
      }
    }
    return "";
  }

  private static final String GENERATE_COMPLETION =
      picocli.AutoComplete.GenerateCompletion.class.getAnnotation(Command.class).name();

  /**
   * Prints a failure as one line; the exit code comes from the one mapper, {@link
   * ExitCodes#forFailure}.
   */
  static int report(CliContext ctx, Exception ex, int verbosity) {
    int code = ExitCodes.forFailure(ex);
    ctx.err().println("error: " + oneLine(message(ex, code)));
    if (verbosity >= 2) {
      ex.printStackTrace(ctx.err());
    }
    ctx.err().flush();
    return code;
  }

  private static String message(Exception ex, int code) {
    if (ex instanceof ConfigException || ex instanceof CommandFailedException) {
      return ex.getMessage();
    }
    if (ex instanceof SdkClientException sdk) {
      // Nothing answered (network, endpoint, DNS): not a bug of ours, and the command created
      // nothing it left behind. A network failure already names the endpoint and the cause
      // (UnreachableEndpoint); anything else gets its root cause, which the SDK's message may only
      // point at.
      String text = sdk.getMessage();
      if (text == null || !text.startsWith(UnreachableEndpoint.PREFIX)) {
        text = "cannot reach AWS: " + withRootCause(text, sdk);
      }
      return text + "; check the network, --region and --endpoint-url";
    }
    if (ex instanceof AwsServiceException aws) {
      return "AWS refused the request: "
          + AwsErrors.describe(aws)
          + "; check the credentials' permissions and --region";
    }
    if (code == ExitCodes.INTERNAL) {
      return "internal error: "
          + ex.getClass().getSimpleName()
          + ": "
          + ex.getMessage()
          + " (please report it; -vv shows the stack trace)";
    }
    return ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
  }

  /** {@code message}, followed by the root cause's message when it says something more. */
  static String withRootCause(String message, Throwable failure) {
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String text = message == null ? "" : message;
    if (root == failure) {
      return text;
    }
    String cause =
        root.getMessage() == null
            ? root.getClass().getSimpleName()
            : root.getClass().getSimpleName() + ": " + root.getMessage();
    return text.contains(String.valueOf(root.getMessage())) ? text : text + " (" + cause + ")";
  }

  static String oneLine(String message) {
    if (message == null) {
      return "(no message)";
    }
    List<String> lines = message.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    return String.join(" ", lines);
  }

  /**
   * The {@code --endpoint-url} of a command line as it is written, before picocli reads it; null
   * when there is none.
   */
  static String endpointOf(String... args) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--")) {
        break;
      }
      if (a.equals("--endpoint-url") && i + 1 < args.length) {
        return args[i + 1];
      }
      if (a.startsWith("--endpoint-url=")) {
        return a.substring("--endpoint-url=".length());
      }
    }
    return null;
  }

  /** Whether the command line asks for help (or the version) rather than to run anything. */
  static boolean wantsHelp(String... args) {
    for (String a : args) {
      if (a.equals("--")) {
        break;
      }
      if (a.equals("--help") || a.equals("-h") || a.equals("--version") || a.equals("-V")) {
        return true;
      }
    }
    return false;
  }

  static int verbosity(String... args) {
    int v = 0;
    for (String a : args) {
      if (a.equals("--verbose")) {
        v++;
      } else if (a.matches("-v+")) {
        v += a.length() - 1;
      } else if (a.equals("--")) {
        break;
      }
    }
    return v;
  }

  private static void configureLogging(int verbosity) {
    if (!(LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext lc)) {
      return;
    }
    Logger root = lc.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    Logger ours = lc.getLogger("dev.eksnode.amibuilder");
    root.setLevel(verbosity >= 2 ? Level.DEBUG : Level.WARN);
    ours.setLevel(verbosity >= 1 ? Level.DEBUG : Level.WARN);
    // Library chatter (MINA announces its I/O factory at INFO) only with -vvv.
    for (String noisy : List.of("org.apache.http", "io.netty", "org.apache.sshd")) {
      lc.getLogger(noisy).setLevel(verbosity >= 3 ? Level.DEBUG : Level.WARN);
    }
    // Never, at any verbosity: the SDK's SigV4 signers log the canonical request at DEBUG, and it
    // holds the session token (and, for a pre-signed URL, the access key id).
    for (String secret :
        List.of(
            "software.amazon.awssdk.http.auth.aws.internal.signer",
            "software.amazon.awssdk.auth.signer")) {
      lc.getLogger(secret).setLevel(Level.INFO);
    }
  }
}
