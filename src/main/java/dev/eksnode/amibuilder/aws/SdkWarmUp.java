package dev.eksnode.amibuilder.aws;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.InstanceType;
import software.amazon.awssdk.services.ec2.model.ResourceType;

/**
 * Takes the cold start out of a build's first EC2 calls. The first request of a JVM runs the whole
 * SDK path for the first time: building a client, endpoint rules, signing, marshalling and
 * unmarshalling of each operation, mostly interpreted code, some half a second on two cores. A
 * build spends about as long before its first call reading the template, the variables and the
 * files it uploads, on one thread. {@link #start} runs the same path on a second thread meanwhile,
 * with an EC2 client made as {@link AwsClientFactory} makes them, answered by canned responses on
 * this machine ({@link CannedEc2}): no request leaves the process and no credentials are read.
 */
public final class SdkWarmUp {
  private static final Logger LOG = LoggerFactory.getLogger(SdkWarmUp.class);
  private static final AtomicBoolean STARTED = new AtomicBoolean();
  private static final AtomicBoolean REAL_CALLS_STARTED = new AtomicBoolean();

  /**
   * {@code -Damibuilder.sdk-warm-up=off} leaves the warm-up out. bin/ami-builder sets it when it
   * maps a build's ahead-of-time cache (Java 25 or newer): the SDK's classes then come loaded and
   * linked, and the warm-up's thread only took a core from the build (some 40 ms of a build's wall
   * on two cores, where on Java 17 it saves about as much as it costs).
   */
  static final String SETTING = "amibuilder.sdk-warm-up";

  private SdkWarmUp() {}

  /** Whether the warm-up runs under {@code setting}, the value of {@link #SETTING}. */
  static boolean wanted(String setting) {
    return setting == null || !setting.strip().equalsIgnoreCase("off");
  }

  /**
   * Starts the warm-up on a daemon thread, once per JVM; later calls do nothing.
   *
   * @param tls whether the build's AWS calls will go over TLS (no plain-HTTP endpoint given): then
   *     the JDK's trust store is read first, which the first handshake would otherwise wait for
   */
  public static void start(boolean tls) {
    if (!wanted(System.getProperty(SETTING)) || !STARTED.compareAndSet(false, true)) {
      return;
    }
    Thread thread =
        new Thread(
            () -> {
              long started = System.nanoTime();
              try {
                if (tls) {
                  SharedHttpClient.readTrustStore();
                }
                List<String> done = run(REAL_CALLS_STARTED::get);
                LOG.debug(
                    "SDK warm-up: {} of its calls made in {} ms",
                    done.size(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
              } catch (RuntimeException | LinkageError e) {
                // Only speed is lost; the build's own calls report their errors.
                LOG.debug("SDK warm-up stopped: {}", e.toString());
              }
            },
            "sdk-warm-up");
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Says that the build's own EC2 calls begin: the warm-up sends no further request (the one in
   * flight ends as it would). The code it would have run first is now run by those calls.
   */
  public static void realCallsStarted() {
    REAL_CALLS_STARTED.set(true);
  }

  /** Whether calls to {@code endpoint}, as written (null: AWS's own), go over TLS. */
  public static boolean speaksTls(String endpoint) {
    return endpoint == null || !endpoint.strip().regionMatches(true, 0, "http:", 0, 5);
  }

  /**
   * Sends one request of each kind a build starts with (the preflight's look-ups and dry runs, the
   * launch's describe), but no further one once {@code stop} says so: from then on the build's own
   * calls run the same code, and a warm-up still going only takes a core from them. Returns what
   * each answer said, in order, for the test to check.
   */
  static List<String> run(BooleanSupplier stop) {
    List<String> seen = new ArrayList<>();
    try (Ec2Client ec2 =
        AwsClientFactory.ec2Over(
            new CannedEc2(),
            StaticCredentialsProvider.create(
                AwsBasicCredentials.create("AKIDWARMUP", "warm-up-only")))) {
      List<Supplier<String>> calls =
          List.of(
              () ->
                  ec2.describeImages(
                          r ->
                              r.owners("amazon")
                                  .filters(
                                      Filter.builder().name("name").values("amzn2-ami-*").build(),
                                      Filter.builder().name("state").values("available").build()))
                      .images()
                      .get(0)
                      .imageId(),
              () ->
                  ec2.describeVpcs(r -> r.filters(f -> f.name("is-default").values("true")))
                      .vpcs()
                      .get(0)
                      .vpcId(),
              () ->
                  ec2.describeInstanceTypeOfferings(
                          r -> r.filters(f -> f.name("instance-type").values("m5.large")))
                      .instanceTypeOfferings()
                      .get(0)
                      .instanceTypeAsString(),
              () ->
                  ec2.describeInstanceTypes(r -> r.instanceTypes(InstanceType.M5_LARGE))
                      .instanceTypes()
                      .get(0)
                      .processorInfo()
                      .supportedArchitecturesAsStrings()
                      .get(0),
              () -> {
                try {
                  ec2.runInstances(
                      r ->
                          r.dryRun(true)
                              .imageId("ami-0warmup")
                              .instanceType("m5.large")
                              .minCount(1)
                              .maxCount(1)
                              .tagSpecifications(
                                  t ->
                                      t.resourceType(ResourceType.INSTANCE)
                                          .tags(g -> g.key("k").value("v"))));
                  return "no DryRunOperation";
                } catch (Ec2Exception e) {
                  return e.awsErrorDetails().errorCode();
                }
              },
              () ->
                  ec2.describeInstances(r -> r.instanceIds("i-0warmup"))
                      .reservations()
                      .get(0)
                      .instances()
                      .get(0)
                      .state()
                      .nameAsString());
      for (Supplier<String> call : calls) {
        if (stop.getAsBoolean()) {
          break;
        }
        seen.add(call.get());
      }
    }
    return seen;
  }

  /**
   * Answers EC2 query requests on this machine with small, well-formed responses: a dry run with
   * the DryRunOperation error (HTTP 412) as EC2 does, any other action with its canned body.
   */
  static final class CannedEc2 implements SdkHttpClient {
    private static final Pattern ACTION = Pattern.compile("(?:^|&)Action=([A-Za-z]+)");
    private static final String NS = "http://ec2.amazonaws.com/doc/2016-11-15/";

    /** The canned result of {@code action}, inside its response element; empty if none. */
    private static String body(String action) {
      return switch (action) {
        case "DescribeImages" ->
            "<imagesSet><item><imageId>ami-0warmup</imageId><name>amzn2-ami-minimal-hvm</name>"
                + "<imageState>available</imageState><architecture>x86_64</architecture>"
                + "<creationDate>2026-01-01T00:00:00.000Z</creationDate><rootDeviceType>ebs"
                + "</rootDeviceType><rootDeviceName>/dev/xvda</rootDeviceName>"
                + "<blockDeviceMapping><item><deviceName>/dev/xvda</deviceName><ebs>"
                + "<snapshotId>snap-0warmup</snapshotId><volumeSize>8</volumeSize>"
                + "<volumeType>gp2</volumeType><deleteOnTermination>true</deleteOnTermination>"
                + "</ebs></item></blockDeviceMapping><tagSet><item><key>k</key><value>v"
                + "</value></item></tagSet></item></imagesSet>";
        case "DescribeVpcs" ->
            "<vpcSet><item><vpcId>vpc-0warmup</vpcId><cidrBlock>172.31.0.0/16</cidrBlock>"
                + "<isDefault>true</isDefault><state>available</state>"
                + "<cidrBlockAssociationSet><item><cidrBlock>172.31.0.0/16</cidrBlock>"
                + "<cidrBlockState><state>associated</state></cidrBlockState></item>"
                + "</cidrBlockAssociationSet></item></vpcSet>";
        case "DescribeInstanceTypeOfferings" ->
            "<instanceTypeOfferingSet><item><instanceType>m5.large</instanceType>"
                + "<locationType>region</locationType><location>us-east-1</location></item>"
                + "</instanceTypeOfferingSet>";
        case "DescribeInstanceTypes" ->
            "<instanceTypeSet><item><instanceType>m5.large</instanceType><processorInfo>"
                + "<supportedArchitectures><item>x86_64</item></supportedArchitectures>"
                + "</processorInfo><vCpuInfo><defaultVCpus>2</defaultVCpus></vCpuInfo>"
                + "<networkInfo><maximumNetworkInterfaces>3</maximumNetworkInterfaces>"
                + "<ipv4AddressesPerInterface>10</ipv4AddressesPerInterface></networkInfo>"
                + "</item></instanceTypeSet>";
        case "DescribeInstances" ->
            "<reservationSet><item><reservationId>r-0warmup</reservationId><instancesSet>"
                + "<item><instanceId>i-0warmup</instanceId><imageId>ami-0warmup</imageId>"
                + "<instanceState><code>16</code><name>running</name></instanceState>"
                + "<privateIpAddress>172.31.0.10</privateIpAddress><ipAddress>203.0.113.10"
                + "</ipAddress><blockDeviceMapping><item><deviceName>/dev/xvda</deviceName>"
                + "<ebs><volumeId>vol-0warmup</volumeId><status>attached</status></ebs>"
                + "</item></blockDeviceMapping><tagSet><item><key>k</key><value>v</value>"
                + "</item></tagSet></item></instancesSet></item></reservationSet>";
        default -> "";
      };
    }

    @Override
    public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
      return new ExecutableHttpRequest() {
        @Override
        public HttpExecuteResponse call() throws IOException {
          String form = "";
          if (request.contentStreamProvider().isPresent()) {
            try (InputStream in = request.contentStreamProvider().get().newStream()) {
              form = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
          }
          Matcher m = ACTION.matcher(form);
          String action = m.find() ? m.group(1) : "Unknown";
          boolean dryRun = form.contains("DryRun=true");
          String xml =
              dryRun
                  ? "<Response><Errors><Error><Code>DryRunOperation</Code><Message>Request would"
                      + " have succeeded, but DryRun flag is set.</Message></Error></Errors>"
                      + "<RequestID>warm-up</RequestID></Response>"
                  : "<"
                      + action
                      + "Response xmlns=\""
                      + NS
                      + "\"><requestId>warm-up</requestId>"
                      + body(action)
                      + "</"
                      + action
                      + "Response>";
          byte[] bytes = xml.getBytes(StandardCharsets.UTF_8);
          return HttpExecuteResponse.builder()
              .response(
                  SdkHttpResponse.builder()
                      .statusCode(dryRun ? 412 : 200)
                      .putHeader("Content-Type", "text/xml;charset=UTF-8")
                      .putHeader("Content-Length", String.valueOf(bytes.length))
                      .build())
              .responseBody(AbortableInputStream.create(new ByteArrayInputStream(bytes)))
              .build();
        }

        @Override
        public void abort() {}
      };
    }

    @Override
    public String clientName() {
      return "canned-warm-up";
    }

    @Override
    public void close() {}
  }
}
