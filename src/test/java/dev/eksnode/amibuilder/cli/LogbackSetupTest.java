package dev.eksnode.amibuilder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.LoggingEvent;
import org.junit.jupiter.api.Test;

class LogbackSetupTest {
  /** The pattern logback.xml had before the configuration moved into code. */
  static final String FORMER_PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n";

  private final LoggerContext context = new LoggerContext();

  private LoggingEvent event(Level level, Throwable thrown) {
    LoggingEvent event =
        new LoggingEvent(
            LogbackSetupTest.class.getName(),
            context.getLogger("dev.eksnode.amibuilder.ebs.PreflightStep"),
            level,
            "Source AMI {} ({})",
            thrown,
            new Object[] {"ami-0123", "amzn2 {odd} name"});
    event.setTimeStamp(1_780_000_123_456L);
    return event;
  }

  private String former(LoggingEvent event) {
    PatternLayout layout = new PatternLayout();
    layout.setContext(context);
    layout.setPattern(FORMER_PATTERN);
    layout.start();
    return layout.doLayout(event);
  }

  private String now(LoggingEvent event) {
    LogbackSetup.Line line = new LogbackSetup.Line();
    line.setContext(context);
    line.start();
    return line.doLayout(event);
  }

  @Test
  void line_isWhatTheFormerPatternPrinted_forEveryLevel() {
    for (Level level :
        new Level[] {Level.ERROR, Level.WARN, Level.INFO, Level.DEBUG, Level.TRACE}) {
      LoggingEvent event = event(level, null);
      assertEquals(former(event), now(event), level.toString());
    }
    assertTrue(
        now(event(Level.INFO, null))
            .matches(
                "\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  PreflightStep - Source AMI ami-0123 \\(amzn2 \\{odd\\} name\\)\\R"),
        now(event(Level.INFO, null)));
  }

  @Test
  void line_withAThrowable_endsWithItsStackTrace_asThePatternDid() {
    LoggingEvent event = event(Level.WARN, new IllegalStateException("it broke"));
    String line = now(event);
    assertTrue(line.contains("java.lang.IllegalStateException: it broke"), line);
    assertTrue(line.contains("\tat "), line);
    assertEquals(former(event).lines().toList(), line.lines().toList());
  }

  @Test
  void configure_stepsAside_whenTheClassPathHasLogbackTestXml() {
    // The test class path has one (src/test/resources): the tests keep their own configuration.
    LogbackSetup setup = new LogbackSetup();
    setup.setContext(context);
    assertEquals(Configurator.ExecutionStatus.INVOKE_NEXT_IF_ANY, setup.configure(context));
    assertTrue(
        context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).iteratorForAppenders().hasNext()
            == false);
  }
}
