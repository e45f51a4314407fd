package dev.eksnode.amibuilder.rig;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.IntPredicate;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP proxy between the SDK and moto that names each call by its AWS action, counts the calls,
 * and answers chosen calls with a failure, a delay or a canned body.
 *
 * <pre>
 * try (FaultProxy proxy = FaultProxy.start(MOTO.endpoint())) {
 *   proxy.on("RunInstances").call(2).fail(500, "InternalError", "injected");
 *   proxy.on("DescribeImages").throttle();
 *   proxy.on("DescribeImages").within(Duration.ofSeconds(20), "CreateImage")
 *       .rewrite(body -> body.replace("<imageState>available<", "<imageState>pending<"));
 *   Ec2Client ec2 = MotoExtension.configure(Ec2Client.builder(), proxy.endpoint(), region);
 * </pre>
 *
 * An action is the query protocol's {@code Action} parameter (EC2, STS), the part of the JSON
 * protocol's {@code X-Amz-Target} after the dot (ECR), or {@code "METHOD /path"} for REST services;
 * an EC2 call with {@code DryRun=true} is named {@link #dryRun} of its action. Call numbers count
 * per action from 1, over every attempt the SDK makes, including retries. A rule narrowed with
 * {@link RuleBuilder#inRegion} only sees calls signed for that region. Every call is also kept with
 * its region and, for query-protocol services, its decoded parameters ({@link #requests}), so a
 * test can assert on what the SDK sent.
 */
public final class FaultProxy implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(FaultProxy.class);
  private static final Set<String> HOP_HEADERS =
      Set.of(
          "connection",
          "content-length",
          "expect",
          "host",
          "upgrade",
          "transfer-encoding",
          "keep-alive",
          "te",
          "trailer",
          "proxy-connection");
  private static final Pattern IMAGE_ID = Pattern.compile("<imageId>([^<]+)</imageId>");
  private static final Pattern CREDENTIAL_SCOPE =
      Pattern.compile("Credential=[^/]+/[^/]+/([^/]+)/([^/]+)/aws4_request");
  private static final Pattern SIGNING_KEY = Pattern.compile("Credential=([^/]+)/");

  private final HttpServer server;
  private final ExecutorService executor;
  private final HttpClient upstream;
  private final URI target;
  private final List<Rule> rules = new CopyOnWriteArrayList<>();
  private final List<String> calls = new ArrayList<>();
  private final List<Request> requests = new ArrayList<>();
  private final Map<String, Integer> counts = new HashMap<>();
  private final Map<String, Long> lastCallNanos = new HashMap<>();
  private int inFlight;
  private volatile boolean ec2Idempotency;
  private volatile boolean keepExchanges;
  private final List<Exchange> exchanges = new ArrayList<>();
  private final Map<String, Answer> idempotentAnswers = new HashMap<>();
  private final Map<String, String> imageNames = new HashMap<>();
  private final List<Consumer<String>> answeredListeners = new CopyOnWriteArrayList<>();

  private FaultProxy(HttpServer server, ExecutorService executor, URI target) {
    this.server = server;
    this.executor = executor;
    this.target = target;
    this.upstream =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
  }

  /** Starts a proxy on a free loopback port that forwards to {@code target}. */
  public static FaultProxy start(URI target) {
    try {
      HttpServer server =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      ExecutorService executor = Executors.newCachedThreadPool();
      FaultProxy proxy = new FaultProxy(server, executor, target);
      server.createContext("/", proxy::handle);
      server.setExecutor(executor);
      server.start();
      return proxy;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start fault proxy", e);
    }
  }

  /** The URI to give an SDK client as {@code endpointOverride}. */
  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /**
   * The name under which calls of {@code action} sent with {@code DryRun=true} are counted and
   * matched, e.g. {@code "RunInstances (DryRun)"}: a dry run creates nothing, so it is kept apart
   * from the action's real calls and their numbering.
   */
  public static String dryRun(String action) {
    return action + " (DryRun)";
  }

  /**
   * Makes the calls moto lets repeat answer as EC2 does, for SDK retries of a call whose answer was
   * lost: a RunInstances or CopyImage whose {@code ClientToken} was seen before (in that region)
   * gets the answer of that earlier call instead of a second resource, and a CreateImage whose
   * {@code Name} an earlier CreateImage in that region took gets {@code InvalidAMIName.Duplicate}
   * (moto makes a second image of the same name). Names are remembered for the proxy's lifetime,
   * even after the image is deregistered.
   */
  public FaultProxy emulateEc2Idempotency() {
    ec2Idempotency = true;
    return this;
  }

  /**
   * One call kept whole by {@link #keepExchanges}: what arrived (method, path and query, the
   * headers, the body), the service it was signed for ("" when unsigned), when it arrived and how
   * long the proxy took to answer it (moto's time included).
   */
  public record Exchange(
      String action,
      String service,
      String region,
      String method,
      String uri,
      Map<String, List<String>> headers,
      byte[] body,
      Instant arrived,
      long nanos) {
    public long millis() {
      return nanos / 1_000_000;
    }
  }

  /**
   * From now on keeps every call whole with its timing ({@link #exchanges}), e.g. for a timeline of
   * a build or to send the same calls again. {@link #clear} forgets them.
   */
  public FaultProxy keepExchanges() {
    keepExchanges = true;
    return this;
  }

  /** The calls kept since {@link #keepExchanges}, in arrival order. */
  public synchronized List<Exchange> exchanges() {
    return List.copyOf(exchanges);
  }

  /** Starts programming a rule for the named action. Rules are checked in the order added. */
  public RuleBuilder on(String action) {
    return new RuleBuilder(action);
  }

  /** Every call seen so far, in arrival order, by action name. */
  public synchronized List<String> calls() {
    return List.copyOf(calls);
  }

  /**
   * One call as it arrived: the action, the region it was signed for, and its form parameters
   * (query protocol; the query string for other protocols), e.g. {@code
   * MetadataOptions.HttpTokens=required} or EKS's {@code addonName=kube-proxy}, and the access key
   * id it was signed with ("" when unsigned).
   */
  public record Request(
      String action, String region, Map<String, String> params, String accessKeyId) {
    public Request {
      params = Map.copyOf(params);
    }

    public Request(String action, String region, Map<String, String> params) {
      this(action, region, params, "");
    }

    /** The parameter, or {@code null} when the call did not send it. */
    public String param(String name) {
      return params.get(name);
    }

    /** Parameters whose name starts with {@code prefix}, sorted by name. */
    public Map<String, String> paramsStartingWith(String prefix) {
      Map<String, String> result = new TreeMap<>();
      params.forEach(
          (k, v) -> {
            if (k.startsWith(prefix)) {
              result.put(k, v);
            }
          });
      return result;
    }
  }

  /** Every call of {@code action} seen so far, in arrival order. */
  public synchronized List<Request> requests(String action) {
    return requests.stream().filter(r -> r.action().equals(action)).toList();
  }

  /** How many calls (attempts) of the action arrived. */
  public synchronized int count(String action) {
    return counts.getOrDefault(action, 0);
  }

  /** Calls by action, sorted by action name. */
  public synchronized Map<String, Integer> countsByAction() {
    return new TreeMap<>(counts);
  }

  /**
   * Waits until no call is being handled (a delayed call still held, a forward still waiting for
   * moto), so what moto holds afterwards no longer changes because of a call made before. Returns
   * whether that happened within {@code timeout}.
   */
  public synchronized boolean awaitIdle(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (inFlight > 0) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      wait(Math.max(1, left / 1_000_000));
    }
    return true;
  }

  /**
   * Tells {@code listener} the action of every call once its answer has been sent (what moto holds
   * already reflects it), on the proxy's thread: e.g. a key follower woken by ImportKeyPair instead
   * of asking moto for the key pairs ten times a second.
   */
  public void onAnswered(Consumer<String> listener) {
    answeredListeners.add(listener);
  }

  /** Forgets the recorded calls and removes every rule. */
  public synchronized void clear() {
    calls.clear();
    requests.clear();
    exchanges.clear();
    counts.clear();
    lastCallNanos.clear();
    rules.clear();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private void handle(HttpExchange exchange) throws IOException {
    synchronized (this) {
      inFlight++;
    }
    try {
      String action = answer(exchange);
      if (action != null) {
        for (Consumer<String> listener : answeredListeners) {
          listener.accept(action);
        }
      }
    } finally {
      synchronized (this) {
        inFlight--;
        notifyAll();
      }
    }
  }

  /** Answers one call; returns its action name, or null when it could not be read. */
  private String answer(HttpExchange exchange) throws IOException {
    Instant arrived = Instant.now();
    long start = System.nanoTime();
    byte[] received = null;
    String named = null;
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      received = body;
      String region = regionOf(exchange);
      String action = actionOf(exchange, body);
      Map<String, String> params =
          isQueryProtocol(exchange)
              ? formParameters(new String(body, StandardCharsets.UTF_8))
              : restParameters(exchange);
      if ("true".equalsIgnoreCase(params.get("DryRun"))) {
        action = dryRun(action);
      }
      Request request = new Request(action, region, params, accessKeyOf(exchange));
      named = action;
      int number = record(request);
      Effect effect = effectFor(action, region, number);
      LOG.debug(
          "call {} #{} ({}) -> {}", action, number, region, effect == null ? "forward" : effect);
      if (effect instanceof Delay delay) {
        Thread.sleep(delay.duration().toMillis());
        forward(exchange, body, request, null);
      } else if (effect instanceof Fail fail) {
        sendError(exchange, serviceOf(exchange), fail);
      } else if (effect instanceof FailAfter after) {
        if (!awaitArrival(after.action(), after.region(), after.timeout())) {
          LOG.warn(
              "{} in {} did not arrive within {}; failing anyway",
              after.action(),
              after.region(),
              after.timeout());
        }
        sendError(exchange, serviceOf(exchange), after.fail());
      } else if (effect instanceof Rewrite rewrite) {
        forward(exchange, body, request, rewrite.edit());
      } else if (effect instanceof LoseAnswer lose) {
        upstream(exchange, body, request);
        sendError(exchange, serviceOf(exchange), lose.fail());
      } else if (effect instanceof AnswerWith answer) {
        send(
            exchange,
            200,
            answer.contentType(),
            answer.body().apply(exchange.getRequestURI()).getBytes(StandardCharsets.UTF_8));
      } else if (effect instanceof DropAnswer) {
        // Closing an exchange that sent no headers closes the connection: the caller reads an
        // end of stream where the answer should be.
        upstream(exchange, body, request);
      } else if (effect instanceof Respond respond) {
        send(
            exchange,
            respond.status(),
            respond.contentType(),
            respond.body().getBytes(StandardCharsets.UTF_8));
      } else {
        forward(exchange, body, request, null);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (IOException | RuntimeException e) {
      LOG.warn("fault proxy failed to answer: {}", e.toString());
      throw e;
    } finally {
      if (keepExchanges && named != null) {
        keep(
            new Exchange(
                named,
                serviceOf(exchange),
                regionOf(exchange),
                exchange.getRequestMethod(),
                exchange.getRequestURI().toString(),
                Map.copyOf(exchange.getRequestHeaders()),
                received,
                arrived,
                System.nanoTime() - start));
      }
    }
    return named;
  }

  private synchronized void keep(Exchange kept) {
    exchanges.add(kept);
  }

  private synchronized int record(Request request) {
    calls.add(request.action());
    requests.add(request);
    lastCallNanos.put(request.action(), System.nanoTime());
    notifyAll();
    return counts.merge(request.action(), 1, Integer::sum);
  }

  /**
   * Waits until a call of {@code action} signed for {@code region} has arrived, at most {@code
   * timeout}; true if one did.
   */
  private synchronized boolean awaitArrival(String action, String region, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (requests.stream()
        .noneMatch(r -> r.action().equals(action) && region.equals(r.region()))) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      wait(Math.max(1, left / 1_000_000));
    }
    return true;
  }

  private Effect effectFor(String action, String region, int number) {
    for (Rule rule : rules) {
      if (rule.action().equals(action)
          && (rule.region() == null || rule.region().equals(region))
          && rule.calls().test(number)) {
        return rule.effect();
      }
    }
    return null;
  }

  private synchronized boolean sinceLastCall(String action, Duration window) {
    Long last = lastCallNanos.get(action);
    return last != null && System.nanoTime() - last < window.toNanos();
  }

  private void forward(
      HttpExchange exchange, byte[] body, Request request, UnaryOperator<String> edit)
      throws IOException, InterruptedException {
    Answer response = upstream(exchange, body, request);
    Headers out = exchange.getResponseHeaders();
    response
        .headers()
        .forEach(
            (name, values) -> {
              if (!HOP_HEADERS.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
                out.put(name, values);
              }
            });
    byte[] answer = response.body();
    if (edit != null && response.status() / 100 == 2) {
      answer =
          edit.apply(new String(answer, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
    }
    sendBody(exchange, response.status(), answer);
  }

  /** An answer from moto, or the one EC2 would give where moto's differs. */
  private record Answer(int status, Map<String, List<String>> headers, byte[] body) {}

  /**
   * Sends the call to moto and returns its answer; with {@link #emulateEc2Idempotency} a repeated
   * call may be answered here instead.
   */
  private Answer upstream(HttpExchange exchange, byte[] body, Request request)
      throws IOException, InterruptedException {
    String tokenKey = null;
    String nameKey = null;
    if (ec2Idempotency) {
      String token = request.param("ClientToken");
      if (token != null && Set.of("RunInstances", "CopyImage").contains(request.action())) {
        tokenKey = request.action() + " " + request.region() + " " + token;
      }
      if ("CreateImage".equals(request.action()) && request.param("Name") != null) {
        nameKey = request.region() + " " + request.param("Name");
      }
      synchronized (this) {
        Answer earlier = tokenKey == null ? null : idempotentAnswers.get(tokenKey);
        if (earlier != null) {
          return earlier;
        }
        String image = nameKey == null ? null : imageNames.get(nameKey);
        if (image != null) {
          return new Answer(
              400,
              Map.of("Content-Type", List.of("text/xml")),
              ec2ErrorXml(
                  "InvalidAMIName.Duplicate",
                  "AMI name " + request.param("Name") + " is already in use by AMI " + image,
                  UUID.randomUUID().toString()));
        }
      }
    }
    HttpResponse<byte[]> response =
        upstream.send(upstreamRequest(exchange, body), HttpResponse.BodyHandlers.ofByteArray());
    Answer answer = new Answer(response.statusCode(), response.headers().map(), response.body());
    if (answer.status() / 100 == 2 && (tokenKey != null || nameKey != null)) {
      synchronized (this) {
        if (tokenKey != null) {
          idempotentAnswers.put(tokenKey, answer);
        }
        Matcher image = IMAGE_ID.matcher(new String(answer.body(), StandardCharsets.UTF_8));
        if (nameKey != null && image.find()) {
          imageNames.put(nameKey, image.group(1));
        }
      }
    }
    return answer;
  }

  private HttpRequest upstreamRequest(HttpExchange exchange, byte[] body) {
    URI uri = target.resolve(exchange.getRequestURI().toString());
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(60))
            .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
    for (Map.Entry<String, List<String>> header : exchange.getRequestHeaders().entrySet()) {
      if (HOP_HEADERS.contains(header.getKey().toLowerCase(Locale.ROOT))) {
        continue;
      }
      for (String value : header.getValue()) {
        request.header(header.getKey(), value);
      }
    }
    return request.build();
  }

  private static void sendError(HttpExchange exchange, String service, Fail fail)
      throws IOException {
    String requestId = UUID.randomUUID().toString();
    Headers request = exchange.getRequestHeaders();
    Headers out = exchange.getResponseHeaders();
    out.set("x-amzn-RequestId", requestId);
    if (request.containsKey("X-Amz-Target")) {
      // JSON protocol: the error code travels in __type.
      send(
          exchange,
          fail.status(),
          "application/x-amz-json-1.1",
          json("{\"__type\":\"%s\",\"message\":\"%s\"}", fail.code(), fail.message()));
    } else if (isQueryProtocol(exchange)) {
      byte[] xml =
          "ec2".equals(service)
              ? ec2ErrorXml(fail.code(), fail.message(), requestId)
              : ("<ErrorResponse><Error><Type>Sender</Type><Code>"
                      + xmlEscape(fail.code())
                      + "</Code><Message>"
                      + xmlEscape(fail.message())
                      + "</Message></Error><RequestId>"
                      + requestId
                      + "</RequestId></ErrorResponse>")
                  .getBytes(StandardCharsets.UTF_8);
      send(exchange, fail.status(), "text/xml", xml);
    } else if ("s3".equals(service)) {
      String xml =
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>"
              + xmlEscape(fail.code())
              + "</Code><Message>"
              + xmlEscape(fail.message())
              + "</Message><RequestId>"
              + requestId
              + "</RequestId></Error>";
      send(exchange, fail.status(), "application/xml", xml.getBytes(StandardCharsets.UTF_8));
    } else {
      // REST-JSON services (EKS) name the error in a header.
      out.set("x-amzn-ErrorType", fail.code());
      send(
          exchange,
          fail.status(),
          "application/json",
          json("{\"message\":\"%s\"}", fail.message()));
    }
  }

  private static byte[] ec2ErrorXml(String code, String message, String requestId) {
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>"
            + xmlEscape(code)
            + "</Code><Message>"
            + xmlEscape(message)
            + "</Message></Error></Errors><RequestID>"
            + requestId
            + "</RequestID></Response>")
        .getBytes(StandardCharsets.UTF_8);
  }

  private static void send(HttpExchange exchange, int status, String contentType, byte[] body)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", contentType);
    sendBody(exchange, status, body);
  }

  private static void sendBody(HttpExchange exchange, int status, byte[] body) throws IOException {
    boolean noBody =
        body.length == 0
            || "HEAD".equals(exchange.getRequestMethod())
            || status == 204
            || status == 304;
    exchange.sendResponseHeaders(status, noBody ? -1 : body.length);
    if (!noBody) {
      try (OutputStream stream = exchange.getResponseBody()) {
        stream.write(body);
      }
    }
  }

  static String actionOf(HttpExchange exchange, byte[] body) {
    String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
    if (target != null) {
      return target.substring(target.lastIndexOf('.') + 1);
    }
    String query = exchange.getRequestURI().getRawQuery();
    String fromQuery = query == null ? null : formParameter(query, "Action");
    if (fromQuery != null) {
      return fromQuery;
    }
    if (isQueryProtocol(exchange)) {
      String fromBody = formParameter(new String(body, StandardCharsets.UTF_8), "Action");
      if (fromBody != null) {
        return fromBody;
      }
    }
    return exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath();
  }

  private static boolean isQueryProtocol(HttpExchange exchange) {
    String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
    return contentType != null
        && contentType.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded");
  }

  private static Map<String, String> formParameters(String form) {
    Map<String, String> result = new TreeMap<>();
    for (String pair : form.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        result.put(
            URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return result;
  }

  /** The decoded query string of a REST call (EKS's {@code addonName=...}), or nothing. */
  private static Map<String, String> restParameters(HttpExchange exchange) {
    String query = exchange.getRequestURI().getRawQuery();
    return query == null ? Map.of() : formParameters(query);
  }

  private static String regionOf(HttpExchange exchange) {
    String authorization = exchange.getRequestHeaders().getFirst("Authorization");
    Matcher matcher = authorization == null ? null : CREDENTIAL_SCOPE.matcher(authorization);
    return matcher != null && matcher.find() ? matcher.group(1) : "";
  }

  /** The access key id in the SigV4 credential scope, or "" for an unsigned call. */
  private static String accessKeyOf(HttpExchange exchange) {
    String authorization = exchange.getRequestHeaders().getFirst("Authorization");
    Matcher matcher = authorization == null ? null : SIGNING_KEY.matcher(authorization);
    return matcher != null && matcher.find() ? matcher.group(1) : "";
  }

  private static String formParameter(String form, String name) {
    for (String pair : form.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0 && URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8).equals(name)) {
        return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      }
    }
    return null;
  }

  private static String serviceOf(HttpExchange exchange) {
    String authorization = exchange.getRequestHeaders().getFirst("Authorization");
    if (authorization == null) {
      return "";
    }
    Matcher matcher = CREDENTIAL_SCOPE.matcher(authorization);
    return matcher.find() ? matcher.group(2) : "";
  }

  private static byte[] json(String format, String code, String message) {
    return String.format(format, jsonEscape(code), jsonEscape(message))
        .getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] json(String format, String message) {
    return String.format(format, jsonEscape(message)).getBytes(StandardCharsets.UTF_8);
  }

  private static String jsonEscape(String text) {
    return text.replace("\\", "\\\\").replace("\"", "\\\"");
  }

  private static String xmlEscape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  private record Rule(String action, String region, IntPredicate calls, Effect effect) {}

  private sealed interface Effect
      permits Fail, FailAfter, Delay, Respond, AnswerWith, Rewrite, LoseAnswer, DropAnswer {}

  private record AnswerWith(String contentType, Function<URI, String> body) implements Effect {}

  private record DropAnswer() implements Effect {}

  private record LoseAnswer(Fail fail) implements Effect {}

  private record Fail(int status, String code, String message) implements Effect {}

  private record FailAfter(Fail fail, String action, String region, Duration timeout)
      implements Effect {}

  private record Delay(Duration duration) implements Effect {}

  private record Respond(int status, String contentType, String body) implements Effect {}

  private record Rewrite(UnaryOperator<String> edit) implements Effect {}

  /** Chooses which calls of one action a rule applies to. */
  public final class RuleBuilder {
    private final String action;
    private final String region;

    private RuleBuilder(String action) {
      this(action, null);
    }

    private RuleBuilder(String action, String region) {
      this.action = action;
      this.region = region;
    }

    /** Only calls signed for {@code region}; call numbers still count over every region. */
    public RuleBuilder inRegion(String region) {
      return new RuleBuilder(action, region);
    }

    /** Only the n-th call (1-based). */
    public Target call(int n) {
      return new Target(action, region, number -> number == n);
    }

    /** {@code count} calls from the {@code first} (1-based): a call and the retries after it. */
    public Target calls(int first, int count) {
      return new Target(action, region, number -> number >= first && number < first + count);
    }

    /** The first k calls. */
    public Target firstCalls(int k) {
      return new Target(action, region, number -> number <= k);
    }

    /** Every call. */
    public Target always() {
      return new Target(action, region, number -> true);
    }

    /**
     * Calls that arrive less than {@code window} after the latest call of {@code after}, none
     * before that call: for example the describes of a resource that should still look busy for a
     * while after its create call.
     */
    public Target within(Duration window, String after) {
      return new Target(action, region, number -> sinceLastCall(after, window));
    }

    /**
     * Answers every other call (the 1st, 3rd, …) with EC2's {@code RequestLimitExceeded}, so each
     * request succeeds on its first retry.
     */
    public void throttle() {
      new Target(action, region, number -> number % 2 == 1)
          .fail(503, "RequestLimitExceeded", "Request limit exceeded.");
    }
  }

  /** What the chosen calls get. */
  public final class Target {
    private final String action;
    private final String region;
    private final IntPredicate calls;

    private Target(String action, String region, IntPredicate calls) {
      this.action = action;
      this.region = region;
      this.calls = calls;
    }

    /** Answers with an AWS error in the shape of the caller's protocol. */
    public void fail(int status, String code, String message) {
      rules.add(new Rule(action, region, calls, new Fail(status, code, message)));
    }

    /**
     * Answers with an AWS error, but only once a call of {@code otherAction} signed for {@code
     * otherRegion} has reached the proxy (at most 30 s): a failure that must land while that other
     * call is in flight, however the caller's threads are scheduled.
     */
    public void failOnceArrived(
        String otherAction, String otherRegion, int status, String code, String message) {
      rules.add(
          new Rule(
              action,
              region,
              calls,
              new FailAfter(
                  new Fail(status, code, message),
                  otherAction,
                  otherRegion,
                  Duration.ofSeconds(30))));
    }

    /**
     * Forwards the call to moto, which acts on it, then answers with this error instead of moto's
     * answer: a create call whose response was lost on the way back.
     */
    public void loseAnswer(int status, String code, String message) {
      rules.add(new Rule(action, region, calls, new LoseAnswer(new Fail(status, code, message))));
    }

    /**
     * Forwards the call to moto, which acts on it, then closes the connection without an answer:
     * the reply lost on the network. The SDK sees an I/O error and retries the call.
     */
    public void dropAnswer() {
      rules.add(new Rule(action, region, calls, new DropAnswer()));
    }

    /** Waits, then forwards to moto. */
    public void delay(Duration duration) {
      rules.add(new Rule(action, region, calls, new Delay(duration)));
    }

    /**
     * Forwards to moto and answers with {@code edit} applied to moto's body (successful answers
     * only), so a resource can report a state it has not reached yet while every other field stays
     * real.
     */
    public void rewrite(UnaryOperator<String> edit) {
      rules.add(new Rule(action, region, calls, new Rewrite(edit)));
    }

    /**
     * Answers 200 with a body made from the request's URI (path and query) instead of asking moto:
     * a stand-in for an API moto lacks, such as EKS DescribeAddonVersions.
     */
    public void answer(String contentType, Function<URI, String> body) {
      rules.add(new Rule(action, region, calls, new AnswerWith(contentType, body)));
    }

    /** Answers with this body instead of asking moto. */
    public void respond(int status, String contentType, String body) {
      rules.add(new Rule(action, region, calls, new Respond(status, contentType, body)));
    }
  }
}
