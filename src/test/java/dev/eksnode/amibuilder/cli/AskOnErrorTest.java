package dev.eksnode.amibuilder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.pipeline.BuildId;
import dev.eksnode.amibuilder.pipeline.ErrorPrompt.Choice;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class AskOnErrorTest {
  private static final BuildId ID = BuildId.parse("ab-20261125T1015-7f3k2q");
  private final StringWriter err = new StringWriter();

  private Choice ask(Terminal terminal) throws InterruptedException {
    return new AskOnError(new PrintWriter(err, true), terminal)
        .ask(ID, "", "create-image", "step create-image failed: InvalidParameterValue: injected");
  }

  @Test
  void parse_firstLetterDecides_andEmptyIsCleanUp() {
    assertEquals(Choice.CLEANUP, AskOnError.parse(""));
    assertEquals(Choice.CLEANUP, AskOnError.parse("  \t"));
    assertEquals(Choice.CLEANUP, AskOnError.parse("c"));
    assertEquals(Choice.CLEANUP, AskOnError.parse("Cleanup"));
    assertEquals(Choice.ABORT, AskOnError.parse("a"));
    assertEquals(Choice.ABORT, AskOnError.parse(" ABORT "));
    assertEquals(Choice.RETRY, AskOnError.parse("r"));
    assertEquals(Choice.RETRY, AskOnError.parse("retry"));
    assertNull(AskOnError.parse("x"));
    assertNull(AskOnError.parse("yes"));
  }

  @Test
  void ask_showsTheFailureAndTheChoices_thenTakesTheAnswer() throws InterruptedException {
    assertEquals(Choice.RETRY, ask(new ScriptedTerminal("r")));

    String text = err.toString();
    assertTrue(
        text.contains(
            "Build ab-20261125T1015-7f3k2q: step create-image failed: InvalidParameterValue:"
                + " injected"),
        text);
    assertTrue(text.contains(AskOnError.QUESTION), text);
    assertTrue(text.contains("Retrying step create-image"), text);
  }

  @Test
  void ask_repeatsTheQuestionAfterAnAnswerItDoesNotKnow() throws InterruptedException {
    ScriptedTerminal terminal = new ScriptedTerminal("maybe", "a");

    assertEquals(Choice.ABORT, ask(terminal));
    assertEquals(2, terminal.reads());
    String text = err.toString();
    assertTrue(text.contains("Answer c, a or r, not 'maybe'"), text);
    assertEquals(2, text.split(java.util.regex.Pattern.quote(AskOnError.QUESTION), -1).length - 1);
  }

  @Test
  void ask_atTheEndOfInput_cleansUp() throws InterruptedException {
    assertEquals(Choice.CLEANUP, ask(new ScriptedTerminal()));
    assertTrue(err.toString().contains("No answer (end of input): cleaning up"), err.toString());
  }

  @Test
  void ask_whenTheTerminalFails_cleansUp() throws InterruptedException {
    Terminal broken =
        () -> {
          throw new java.io.IOException("terminal went away");
        };
    assertEquals(Choice.CLEANUP, ask(broken));
    assertTrue(
        err.toString().contains("cannot read the answer: terminal went away"), err.toString());
  }

  @Test
  void ask_givesUpWhenInterrupted_andTheLineTypedLaterAnswersTheNextQuestion() throws Exception {
    SynchronousQueue<String> typed = new SynchronousQueue<>();
    Terminal slowPerson =
        () -> {
          try {
            return typed.take();
          } catch (InterruptedException e) {
            throw new java.io.InterruptedIOException("stopped");
          }
        };
    AskOnError prompt = new AskOnError(new PrintWriter(err, true), slowPerson);
    CountDownLatch started = new CountDownLatch(1);
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread build =
        new Thread(
            () -> {
              started.countDown();
              try {
                prompt.ask(ID, "", "provision", "step provision failed: exit 1");
              } catch (Throwable t) {
                thrown.set(t);
              }
            });
    build.start();
    assertTrue(started.await(5, TimeUnit.SECONDS));
    // Wait until the question is out, then interrupt the waiting build as a Ctrl-C would.
    while (!err.toString().contains(AskOnError.QUESTION)) {
      Thread.sleep(10);
    }
    build.interrupt();
    build.join(5_000);
    assertTrue(thrown.get() instanceof InterruptedException, String.valueOf(thrown.get()));

    AtomicReference<Choice> next = new AtomicReference<>();
    Thread again =
        new Thread(
            () -> {
              try {
                next.set(prompt.ask(ID, "", "provision", "step provision failed: exit 1"));
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    again.start();
    assertTrue(typed.offer("r", 5, TimeUnit.SECONDS), "the first read is still waiting");
    again.join(5_000);
    assertEquals(Choice.RETRY, next.get());
  }
}
