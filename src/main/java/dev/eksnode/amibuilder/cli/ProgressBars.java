package dev.eksnode.amibuilder.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import me.tongfei.progressbar.InteractiveConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarStyle;
import me.tongfei.progressbar.ProgressState;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/**
 * Progress bars on a terminal, drawn by the progressbar library through the command's own output:
 * one bar per wait (one per region while copies run), stacked, each redrawn in place with its
 * percentage, elapsed time, estimate and state. Only for a terminal: the library moves the cursor
 * with ANSI sequences, which would litter a log file. Not thread-safe on its own; the renderer
 * calls it under its lock.
 */
final class ProgressBars {
  private final PrintStream out;
  private final ProgressBarStyle style;
  private final int width;
  private final int refreshMillis;
  private final Map<String, ProgressBar> open = new LinkedHashMap<>();
  private final Map<String, Held> held = new LinkedHashMap<>();

  /**
   * @param width columns a bar may take (positive: the library must not open a terminal itself)
   * @param refreshMillis how often a bar is redrawn (the elapsed time moves on between updates)
   */
  ProgressBars(PrintWriter out, boolean color, int width, int refreshMillis) {
    this.out = LineStream.eager(out);
    this.style = color ? ProgressBarStyle.COLORFUL_UNICODE_BLOCK : ProgressBarStyle.ASCII;
    if (width <= 0) {
      throw new IllegalArgumentException("width must be positive, got " + width);
    }
    this.width = width;
    this.refreshMillis = refreshMillis;
  }

  /** Bars for the command's terminal, redrawn every second, as wide as the terminal. */
  static ProgressBars onTerminal(PrintWriter out, boolean color) {
    return new ProgressBars(out, color, terminalWidth(), 1000);
  }

  /**
   * The terminal's width, asked once through a JLine terminal opened with its signal handling off
   * and closed at once. Given a width, the library never opens a terminal of its own (it would keep
   * one open for the rest of the run), and nothing of JLine's goes near SIGINT, which the interrupt
   * guard owns. 80 columns when the width cannot be read.
   */
  static int terminalWidth() {
    try (Terminal terminal =
        TerminalBuilder.builder().system(true).nativeSignals(false).dumb(true).build()) {
      int width = terminal.getWidth();
      return width >= 20 ? width : 80;
    } catch (IOException | RuntimeException e) {
      return 80;
    }
  }

  /**
   * Shows {@code percent} and {@code state} on the bar of {@code key}, opening it (named {@code
   * task}, its clock started {@code elapsed} ago) on first use; a bar at 100 % whose state is
   * {@code done} is drawn one last time and closed.
   */
  void show(String key, String task, int percent, String state, Duration elapsed, boolean done) {
    ProgressBar bar = open.get(key);
    Held consumer = held.computeIfAbsent(key, k -> new Held(out, width));
    if (bar == null) {
      ProgressBarBuilder builder =
          new ProgressBarBuilder()
              .setTaskName(task)
              .setInitialMax(100)
              .setStyle(style)
              .setUnit("%", 1)
              .setUpdateIntervalMillis(refreshMillis)
              .continuousUpdate()
              .setEtaFunction(ProgressBars::remaining)
              .startsFrom(percent, elapsed)
              .setConsumer(consumer);
      bar = builder.build();
      open.put(key, bar);
    }
    bar.setExtraMessage(state);
    bar.stepTo(percent);
    consumer.ready = true;
    if (done) {
      bar.close();
      open.remove(key);
      held.remove(key);
    }
    // No refresh() from this thread: the library's consumer is not thread-safe, and its own thread
    // draws the change at the next tick.
  }

  /**
   * Time left at the pace so far over the whole wait (snapshot progress is not steady, so this is a
   * rough guide); unknown before the first percent.
   */
  static Optional<Duration> remaining(ProgressState state) {
    long done = state.getCurrent();
    if (done <= 0 || done >= state.getMax()) {
      return done >= state.getMax() ? Optional.of(Duration.ZERO) : Optional.empty();
    }
    Duration elapsed = state.getTotalElapsed();
    return Optional.of(elapsed.multipliedBy(state.getMax() - done).dividedBy(done));
  }

  boolean isEmpty() {
    return open.isEmpty();
  }

  /** Closes every open bar, leaving its last frame on the screen, before other lines print. */
  void closeAll() {
    open.values().forEach(ProgressBar::close);
    open.clear();
    held.clear();
  }

  /**
   * Passes frames on once the bar has its state: the library draws a first frame as soon as a bar
   * is built, before its extra message can be set, and that frame would show no state. The library
   * asks for the width just before it renders a frame, so whether the state was set is judged
   * there: a frame rendered before {@link #ready} turned true but handed over after it would
   * otherwise slip through without its state.
   */
  private static final class Held implements ProgressBarConsumer {
    private final InteractiveConsoleProgressBarConsumer screen;
    volatile boolean ready;

    /** Whether {@link #ready} was true when the frame now being rendered was started. */
    private volatile boolean renderingReady;

    Held(PrintStream out, int width) {
      this.screen = new InteractiveConsoleProgressBarConsumer(out, width);
    }

    @Override
    public int getMaxRenderedLength() {
      renderingReady = ready;
      return screen.getMaxRenderedLength();
    }

    @Override
    public void accept(String frame) {
      if (renderingReady) {
        screen.accept(frame);
      }
    }

    @Override
    public void close() {
      screen.close();
    }
  }
}
