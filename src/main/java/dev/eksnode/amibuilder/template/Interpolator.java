package dev.eksnode.amibuilder.template;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Evaluates the subset of Packer's Go-template syntax that EKS templates use: {@code {{user `x`}}},
 * {@code {{env `X`}}}, {@code {{timestamp}}}, {@code {{isotime}}} (optionally with a Go layout),
 * {@code {{template_dir}}}, {@code {{uuid}}}, {@code {{build `Name`}}} and the fields {@code
 * .BuildRegion}, {@code .SourceAMI}, {@code .SourceAMIName}, {@code .Path}, {@code .Vars}. Anything
 * else is an error naming it.
 */
public final class Interpolator {
  /** Functions and fields accepted, listed in error messages. */
  public static final List<String> SUPPORTED =
      List.of(
          "user",
          "env",
          "timestamp",
          "isotime",
          "template_dir",
          "uuid",
          "build",
          ".BuildRegion",
          ".SourceAMI",
          ".SourceAMIName",
          ".Path",
          ".Vars");

  private static final Set<String> DOT_FIELDS =
      Set.of("BuildRegion", "SourceAMI", "SourceAMIName", "Path", "Vars");
  private static final Pattern ACTION = Pattern.compile("\\{\\{-?(.*?)-?}}", Pattern.DOTALL);
  private static final Pattern CALL =
      Pattern.compile(
          "\\s*([A-Za-z_][A-Za-z0-9_]*|\\.[A-Za-z_][A-Za-z0-9_]*)\\s*(?:(`[^`]*`|\"(?:[^\"\\\\]|\\\\.)*\"))?\\s*");

  private final RenderContext context;

  public Interpolator(RenderContext context) {
    this.context = context;
  }

  public RenderContext context() {
    return context;
  }

  /**
   * Renders {@code text}; {@code where} names the place for error messages (e.g. {@code
   * builders[0].ami_name}).
   */
  public String render(String text, String where) {
    if (text == null || !text.contains("{{")) {
      return text;
    }
    Matcher m = ACTION.matcher(text);
    StringBuilder out = new StringBuilder();
    int last = 0;
    while (m.find()) {
      out.append(text, last, m.start());
      out.append(evaluate(m.group(0), m.group(1), where));
      last = m.end();
    }
    String tail = text.substring(last);
    if (tail.contains("{{")) {
      throw new TemplateException(
          where + ": unterminated '{{' in \"" + abbreviate(text) + "\"; close it with '}}'");
    }
    out.append(tail);
    return out.toString();
  }

  /** Checks every expression in {@code text} is supported, without needing values. */
  public static void check(String text, String where) {
    if (text == null || !text.contains("{{")) {
      return;
    }
    Matcher m = ACTION.matcher(text);
    while (m.find()) {
      parse(m.group(1), where, text);
    }
  }

  private String evaluate(String whole, String body, String where) {
    Call call = parse(body, where, whole);
    switch (call.name) {
      case "user":
        return context.user().apply(call.arg);
      case "env":
        {
          String v = context.env().apply(call.arg);
          return v == null ? "" : v;
        }
      case "timestamp":
        return Long.toString(context.now().getEpochSecond());
      case "isotime":
        {
          var time = context.now().atOffset(ZoneOffset.UTC);
          if (call.arg == null) {
            return DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(time);
          }
          return DateTimeFormatter.ofPattern(GoLayout.toJavaPattern(call.arg, where)).format(time);
        }
      case "template_dir":
        return context.templateDir().toString();
      case "uuid":
        return context.runUuid();
      case "build":
        {
          String v = context.buildValues().get(call.arg);
          return v == null ? whole : v;
        }
      default:
        {
          String v = context.dotValues().get(call.name.substring(1));
          return v == null ? whole : v;
        }
    }
  }

  private record Call(String name, String arg) {}

  private static Call parse(String body, String where, String text) {
    Matcher c = CALL.matcher(body);
    if (!c.matches()) {
      throw new TemplateException(
          where
              + ": unsupported template expression '{{"
              + body.strip()
              + "}}'; supported: "
              + String.join(", ", SUPPORTED));
    }
    String name = c.group(1);
    String raw = c.group(2);
    String arg = raw == null ? null : unquote(raw);
    boolean needsArg = name.equals("user") || name.equals("env") || name.equals("build");
    boolean takesArg = needsArg || name.equals("isotime");
    if (name.startsWith(".")) {
      if (!DOT_FIELDS.contains(name.substring(1))) {
        throw new TemplateException(
            where
                + ": unsupported template field '"
                + name
                + "' in \""
                + abbreviate(text)
                + "\"; supported: "
                + String.join(", ", SUPPORTED));
      }
      takesArg = false;
    } else if (!SUPPORTED.contains(name)) {
      throw new TemplateException(
          where
              + ": unsupported template function '"
              + name
              + "' in \""
              + abbreviate(text)
              + "\"; supported: "
              + String.join(", ", SUPPORTED));
    }
    if (needsArg && arg == null) {
      throw new TemplateException(
          where + ": '" + name + "' needs a quoted name, e.g. {{" + name + " `aws_region`}}");
    }
    if (!takesArg && arg != null) {
      throw new TemplateException(
          where + ": '" + name + "' takes no argument in \"" + abbreviate(text) + "\"");
    }
    return new Call(name, arg);
  }

  private static String unquote(String raw) {
    String inner = raw.substring(1, raw.length() - 1);
    return raw.charAt(0) == '"' ? inner.replace("\\\"", "\"").replace("\\\\", "\\") : inner;
  }

  static String abbreviate(String s) {
    return s.length() > 80 ? s.substring(0, 77) + "..." : s;
  }
}
