package dev.eksnode.amibuilder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.aws.WaitFailedException;
import dev.eksnode.amibuilder.aws.WaitTimeoutException;
import dev.eksnode.amibuilder.config.ConfigException;
import dev.eksnode.amibuilder.ebs.PreflightException;
import dev.eksnode.amibuilder.eks.InstanceTypeInfo;
import dev.eksnode.amibuilder.failure.Categorized;
import dev.eksnode.amibuilder.failure.FailureCategory;
import dev.eksnode.amibuilder.pipeline.BuildTimeoutException;
import dev.eksnode.amibuilder.pipeline.CancelledException;
import dev.eksnode.amibuilder.pipeline.CleanupReport;
import dev.eksnode.amibuilder.pipeline.JournalException;
import dev.eksnode.amibuilder.pipeline.Outcome;
import dev.eksnode.amibuilder.pipeline.Resource;
import dev.eksnode.amibuilder.pipeline.ResourceKind;
import dev.eksnode.amibuilder.remote.ProvisionerFailedException;
import dev.eksnode.amibuilder.remote.SshConnectException;
import dev.eksnode.amibuilder.template.TemplateException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;

/** The README's exit-code table, row by row, as the one mapper decides it. */
class ExitCodesTest {
  static final SdkClientException REFUSED =
      SdkClientException.create("Unable to execute HTTP request: Connection refused");
  static final Ec2Exception UNAUTHORIZED =
      (Ec2Exception)
          Ec2Exception.builder()
              .statusCode(403)
              .awsErrorDetails(
                  AwsErrorDetails.builder()
                      .errorCode("UnauthorizedOperation")
                      .errorMessage("not allowed")
                      .build())
              .build();
  static final CleanupReport CLEAN = CleanupReport.empty();
  static final Resource INSTANCE =
      new Resource(ResourceKind.INSTANCE, "i-0123456789abcdef0", "us-west-2");
  static final CleanupReport LEFTOVER =
      new CleanupReport(
          List.of(), List.of(new CleanupReport.Leftover(INSTANCE, "launch", "refused")), List.of());
  static final CleanupReport KEPT = new CleanupReport(List.of(), List.of(), List.of(INSTANCE));

  static Stream<Arguments> failures() {
    return Stream.of(
        Arguments.of("invalid configuration", new ConfigException("aws_region = 'x'"), 2),
        Arguments.of("invalid template", new TemplateException("builders[0].region"), 2),
        Arguments.of("failed preflight check", new PreflightException("AMI name taken"), 2),
        Arguments.of("command's own code", new CommandFailedException(3, "left over"), 3),
        Arguments.of("network unreachable", REFUSED, 1),
        Arguments.of("AWS refused a call", UNAUTHORIZED, 1),
        Arguments.of("local I/O", new UncheckedIOException(new IOException("disk full")), 1),
        Arguments.of(
            "journal not writable",
            new JournalException("cannot write", new IOException("read-only")),
            1),
        Arguments.of("SSH never answered", new SshConnectException("no answer", 3, null), 1),
        Arguments.of(
            "script failed",
            new ProvisionerFailedException("install-worker.sh exited 1", List.of()),
            1),
        Arguments.of(
            "wait timed out",
            new WaitTimeoutException("image", Duration.ofMinutes(45), 90, "pending"),
            1),
        Arguments.of("image failed", new WaitFailedException("image", "failed"), 1),
        Arguments.of(
            "build timed out", new BuildTimeoutException(Duration.ofHours(6), "create-image"), 1),
        Arguments.of("wrapped by a future", new ExecutionException(REFUSED), 1),
        Arguments.of("a bug: NPE", new NullPointerException("settings"), 4),
        Arguments.of("a bug: illegal state", new IllegalStateException("no source"), 4),
        Arguments.of("cancelled", new CancelledException("interrupted"), 130),
        Arguments.of("interrupted", new InterruptedException(), 130));
  }

  @ParameterizedTest(name = "{0} -> {2}")
  @MethodSource("failures")
  void forFailure_followsTheTable(String title, Throwable failure, int code) {
    assertEquals(code, ExitCodes.forFailure(failure), title);
  }

  @Test
  void forFailure_asksANewExceptionForItsCategory_insteadOfCallingItABug() {
    class QuotaExceededException extends RuntimeException implements Categorized {
      @Override
      public FailureCategory category() {
        return FailureCategory.ENVIRONMENT;
      }
    }
    assertEquals(ExitCodes.BUILD_FAILED, ExitCodes.forFailure(new QuotaExceededException()));
    assertEquals(
        ExitCodes.BUILD_FAILED,
        ExitCodes.forFailure(new CompletionException(new QuotaExceededException())));
    assertEquals(
        ExitCodes.USAGE,
        ExitCodes.forFailure(new InstanceTypeInfo.UnknownInstanceTypeException("m99.huge", null)));
  }

  @Test
  void forCategory_givesEachCategoryItsOwnCode() {
    Set<ExitCode> codes = EnumSet.noneOf(ExitCode.class);
    for (FailureCategory c : FailureCategory.values()) {
      assertTrue(codes.add(ExitCodes.forCategory(c)), c + " shares a code");
    }
    assertFalse(codes.contains(ExitCode.OK), "a failure must not exit 0");
  }

  @Test
  void commandFailed_categoryFollowsTheCodeItCarries() {
    assertEquals(
        FailureCategory.USAGE, new CommandFailedException(ExitCodes.USAGE, "x").category());
    assertEquals(
        FailureCategory.INTERRUPTED,
        new CommandFailedException(ExitCodes.INTERRUPTED, "x").category());
    assertEquals(
        FailureCategory.ENVIRONMENT,
        new CommandFailedException(ExitCodes.CLEANUP_INCOMPLETE, "x").category());
  }

  static Stream<Arguments> outcomes() {
    return Stream.of(
        Arguments.of("success", new Outcome.Succeeded(CLEAN), 0),
        Arguments.of("success, a temporary left", new Outcome.Succeeded(LEFTOVER), 3),
        Arguments.of(
            "preflight check failed",
            new Outcome.Failed("preflight", new PreflightException("no AMI"), CLEAN),
            2),
        Arguments.of(
            "preflight could not reach AWS", new Outcome.Failed("preflight", REFUSED, CLEAN), 1),
        Arguments.of(
            "preflight refused by AWS", new Outcome.Failed("preflight", UNAUTHORIZED, CLEAN), 1),
        Arguments.of(
            "launch refused, all removed", new Outcome.Failed("launch", UNAUTHORIZED, CLEAN), 1),
        Arguments.of(
            "bug in a step, all removed",
            new Outcome.Failed("launch", new NullPointerException(), CLEAN),
            4),
        Arguments.of(
            "failure, undo failed", new Outcome.Failed("launch", UNAUTHORIZED, LEFTOVER), 3),
        Arguments.of(
            "bug, undo failed",
            new Outcome.Failed("launch", new NullPointerException(), LEFTOVER),
            3),
        Arguments.of(
            "failure, kept by --on-error abort", new Outcome.Failed("launch", REFUSED, KEPT), 3),
        Arguments.of(
            "interrupted, all removed", new Outcome.Cancelled("launch", "interrupted", CLEAN), 130),
        Arguments.of(
            "interrupted, something left",
            new Outcome.Cancelled("launch", "interrupted", LEFTOVER),
            130));
  }

  @ParameterizedTest(name = "{0} -> {2}")
  @MethodSource("outcomes")
  void forOutcome_followsTheTable(String title, Outcome outcome, int code) {
    assertEquals(code, ExitCodes.forOutcome(outcome), title);
  }

  @Test
  void mainReport_usesTheMapper_forAnUnreachableEndpointAndABug() {
    StringWriter err = new StringWriter();
    CliContext ctx =
        new CliContext(
            new PrintWriter(new StringWriter()),
            new PrintWriter(err, true),
            Map.of(),
            Clock.systemUTC(),
            Path.of("."),
            Path.of("."));
    assertEquals(1, Main.report(ctx, REFUSED, 0));
    assertEquals(1, Main.report(ctx, UNAUTHORIZED, 0));
    assertEquals(4, Main.report(ctx, new NullPointerException("x"), 0));
    List<String> lines = err.toString().lines().toList();
    assertEquals(3, lines.size(), err.toString());
    assertTrue(lines.get(0).startsWith("error: cannot reach AWS: "), lines.get(0));
    assertTrue(
        lines
            .get(1)
            .startsWith("error: AWS refused the request: UnauthorizedOperation: not allowed"),
        lines.get(1));
    assertTrue(
        lines.get(2).startsWith("error: internal error: NullPointerException: x"), lines.get(2));
  }
}
