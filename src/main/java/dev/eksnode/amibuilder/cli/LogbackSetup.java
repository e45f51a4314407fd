package dev.eksnode.amibuilder.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/**
 * Logback's configuration, in code: one appender on stderr, {@code HH:mm:ss.SSS LEVEL Logger -
 * message}, root at WARN ({@link Main} sets the levels from -v). Reading an XML file instead costs
 * a few hundred milliseconds of every start (the XML parser and logback's configuration model load
 * some 600 classes), which a {@code --help} cannot afford. Found through {@code META-INF/services};
 * where a {@code logback-test.xml} is on the class path (the tests) it steps aside and that file
 * configures logging as usual.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class LogbackSetup extends ContextAwareBase implements Configurator {
  static final String TEST_CONFIG = "logback-test.xml";

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    ClassLoader loader = LogbackSetup.class.getClassLoader();
    if (loader != null && loader.getResource(TEST_CONFIG) != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    Line layout = new Line();
    layout.setContext(context);
    layout.start();
    LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
    encoder.setContext(context);
    encoder.setLayout(layout);
    encoder.start();
    ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
    appender.setContext(context);
    appender.setName("STDERR");
    appender.setTarget("System.err");
    appender.setEncoder(encoder);
    appender.start();
    ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.WARN);
    root.addAppender(appender);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  /** {@code %d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n}, and the stack trace of a throwable. */
  static final class Line extends LayoutBase<ILoggingEvent> {
    private static final DateTimeFormatter TIME =
        DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

    @Override
    public String doLayout(ILoggingEvent event) {
      String logger = event.getLoggerName();
      StringBuilder line = new StringBuilder(128);
      line.append(TIME.format(Instant.ofEpochMilli(event.getTimeStamp()))).append(' ');
      String level = event.getLevel().toString();
      line.append(level);
      for (int i = level.length(); i < 5; i++) {
        line.append(' ');
      }
      line.append(' ')
          .append(logger.substring(logger.lastIndexOf('.') + 1))
          .append(" - ")
          .append(event.getFormattedMessage())
          .append(CoreConstants.LINE_SEPARATOR);
      IThrowableProxy thrown = event.getThrowableProxy();
      if (thrown != null) {
        String trace = ThrowableProxyUtil.asString(thrown);
        line.append(trace);
        if (!trace.endsWith(CoreConstants.LINE_SEPARATOR)) {
          line.append(CoreConstants.LINE_SEPARATOR);
        }
      }
      return line.toString();
    }
  }
}
