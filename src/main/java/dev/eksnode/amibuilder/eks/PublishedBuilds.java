package dev.eksnode.amibuilder.eks;

import dev.eksnode.amibuilder.config.ConfigException;
import dev.eksnode.amibuilder.config.KubernetesVersion;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * What a binary bucket laid out like {@code amazon-eks} publishes: Kubernetes versions, their build
 * dates, and the platforms and architectures of each build ({@code <version>/<build
 * date>/bin/<platform>/<arch>/}). Reads folder names only (ListObjectsV2 with the delimiter {@code
 * /}), never an object, so the thousands of binaries below the architecture folders cost nothing.
 */
public final class PublishedBuilds {
  private static final Logger LOG = LoggerFactory.getLogger(PublishedBuilds.class);

  /** S3's own page size; smaller pages only make sense to exercise paging. */
  public static final int DEFAULT_PAGE_SIZE = 1000;

  /** Listings in flight at once; each level of the walk is one batch. */
  static final int PARALLEL_LISTINGS = 8;

  private static final Pattern VERSION_FOLDER = Pattern.compile("\\d+\\.\\d+\\.\\d+");
  private static final Pattern DATE_FOLDER = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");

  /**
   * One build of a version.
   *
   * @param date the build-date folder, e.g. {@code 2023-01-30}
   * @param platforms platform folder (linux, windows…) to its architecture folders, both sorted
   */
  public record Build(String date, SortedMap<String, List<String>> platforms) {
    public Build {
      SortedMap<String, List<String>> copy = new TreeMap<>();
      platforms.forEach((p, arches) -> copy.put(p, arches.stream().sorted().toList()));
      platforms = Collections.unmodifiableSortedMap(copy);
    }

    /** {@code linux/amd64}, {@code linux/arm64}, … in order. */
    public List<String> platformArches() {
      List<String> out = new ArrayList<>();
      platforms.forEach((p, arches) -> arches.forEach(a -> out.add(p + "/" + a)));
      return out;
    }
  }

  /** One Kubernetes version with its builds, newest date first. */
  public record Release(KubernetesVersion version, List<Build> builds) {
    public Release {
      builds = builds.stream().sorted(Comparator.comparing(Build::date).reversed()).toList();
    }
  }

  private final S3Client s3;
  private final String bucket;
  private final String region;
  private final int pageSize;
  private final AtomicInteger listings = new AtomicInteger();

  public PublishedBuilds(S3Client s3, String bucket, String region) {
    this(s3, bucket, region, DEFAULT_PAGE_SIZE);
  }

  /**
   * @param pageSize keys per ListObjectsV2 page (S3 caps it at 1000)
   */
  public PublishedBuilds(S3Client s3, String bucket, String region, int pageSize) {
    this.s3 = s3;
    this.bucket = bucket;
    this.region = region;
    this.pageSize = pageSize;
  }

  /**
   * The releases that {@code filter} selects (all when null; a bare minor selects its patches),
   * newest version first, each with its builds newest first. Version folders without any {@code
   * bin/<platform>/<arch>/} below them are left out.
   *
   * @throws ConfigException when the bucket cannot be listed for a reason the user must fix (access
   *     denied, no such bucket, another region), is empty, or has nothing {@code filter} selects
   */
  public List<Release> list(KubernetesVersion filter) {
    listings.set(0);
    ExecutorService pool =
        Executors.newFixedThreadPool(
            PARALLEL_LISTINGS,
            task -> {
              Thread t = new Thread(task, "s3-list-" + bucket);
              t.setDaemon(true);
              return t;
            });
    try {
      List<KubernetesVersion> all = versions(folders(""));
      if (all.isEmpty()) {
        throw new ConfigException(
            "s3://"
                + bucket
                + " ("
                + region
                + ") has no Kubernetes versions (no MAJOR.MINOR.PATCH/ folders at its top); check"
                + " --bucket/binary_bucket_name and --bucket-region/binary_bucket_region");
      }
      List<KubernetesVersion> wanted = all.stream().filter(v -> matches(v, filter)).toList();
      if (wanted.isEmpty()) {
        throw noMatch(all, filter);
      }
      Map<KubernetesVersion, List<String>> dates =
          inParallel(
              pool,
              wanted,
              v ->
                  folders(v + "/").stream().filter(d -> DATE_FOLDER.matcher(d).matches()).toList());
      List<String> datePrefixes = new ArrayList<>();
      dates.forEach((v, ds) -> ds.forEach(d -> datePrefixes.add(v + "/" + d + "/bin/")));
      Map<String, List<String>> platforms = inParallel(pool, datePrefixes, this::folders);
      List<String> platformPrefixes = new ArrayList<>();
      platforms.forEach((prefix, ps) -> ps.forEach(p -> platformPrefixes.add(prefix + p + "/")));
      Map<String, List<String>> arches = inParallel(pool, platformPrefixes, this::folders);

      List<Release> releases = new ArrayList<>();
      for (KubernetesVersion v : wanted) {
        List<Build> builds = new ArrayList<>();
        for (String d : dates.get(v)) {
          String bin = v + "/" + d + "/bin/";
          SortedMap<String, List<String>> byPlatform = new TreeMap<>();
          for (String p : platforms.get(bin)) {
            List<String> as = arches.get(bin + p + "/");
            if (!as.isEmpty()) {
              byPlatform.put(p, as);
            }
          }
          if (!byPlatform.isEmpty()) {
            builds.add(new Build(d, byPlatform));
          }
        }
        if (!builds.isEmpty()) {
          releases.add(new Release(v, builds));
        }
      }
      LOG.debug("Listed s3://{} in {} folder listings [region={}]", bucket, listings.get(), region);
      if (releases.isEmpty()) {
        throw new ConfigException(
            "s3://"
                + bucket
                + " ("
                + region
                + ") has version folders"
                + (filter == null ? "" : " for " + filter)
                + " but no binaries under <version>/<build date>/bin/<platform>/<arch>/; check"
                + " --bucket/binary_bucket_name");
      }
      return sortNewestFirst(releases);
    } catch (S3Exception e) {
      throw translate(e, bucket, region);
    } finally {
      pool.shutdownNow();
    }
  }

  /** How many ListObjectsV2 pages the last {@link #list} asked for (for logs and tests). */
  public int listingCalls() {
    return listings.get();
  }

  /** The folder names directly below {@code prefix} (which ends with '/' or is empty). */
  private List<String> folders(String prefix) {
    List<String> names = new ArrayList<>();
    var pages =
        s3.listObjectsV2Paginator(
            r -> r.bucket(bucket).prefix(prefix).delimiter("/").maxKeys(pageSize));
    for (ListObjectsV2Response page : pages) {
      listings.incrementAndGet();
      for (CommonPrefix p : page.commonPrefixes()) {
        names.add(p.prefix().substring(prefix.length(), p.prefix().length() - 1));
      }
    }
    return names;
  }

  /**
   * Runs {@code list} for every key on the pool and returns the answers in the keys' order. The
   * first failure is rethrown as it was.
   */
  private static <K> Map<K, List<String>> inParallel(
      ExecutorService pool, List<K> keys, Function<K, List<String>> list) {
    List<Future<List<String>>> futures = new ArrayList<>();
    for (K key : keys) {
      Callable<List<String>> task = () -> list.apply(key);
      futures.add(pool.submit(task));
    }
    Map<K, List<String>> out = new LinkedHashMap<>();
    try {
      for (int i = 0; i < keys.size(); i++) {
        out.put(keys.get(i), futures.get(i).get());
      }
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while listing the binary bucket", e);
    } finally {
      futures.forEach(f -> f.cancel(true));
    }
    return out;
  }

  /** The version folders among {@code names}: exactly MAJOR.MINOR.PATCH. */
  static List<KubernetesVersion> versions(Collection<String> names) {
    return names.stream()
        .filter(n -> VERSION_FOLDER.matcher(n).matches())
        .map(n -> KubernetesVersion.parse(n).orElseThrow())
        .toList();
  }

  /** Whether {@code filter} (null: everything; a bare minor: its patches) selects {@code v}. */
  static boolean matches(KubernetesVersion v, KubernetesVersion filter) {
    if (filter == null) {
      return true;
    }
    return v.major() == filter.major()
        && v.minor() == filter.minor()
        && (!filter.hasPatch() || filter.patch().equals(v.patch()));
  }

  /** Newest version first; each release's builds are already newest first. */
  static List<Release> sortNewestFirst(Collection<Release> releases) {
    return releases.stream()
        .sorted(Comparator.comparing(Release::version, Comparator.reverseOrder()))
        .toList();
  }

  /**
   * The published versions closest to {@code filter} on either side: the one just below it, and the
   * one just above it — or, when that is another minor, that minor's newest patch. Oldest first.
   */
  static List<KubernetesVersion> nearest(
      Collection<KubernetesVersion> published, KubernetesVersion filter) {
    List<KubernetesVersion> sorted = published.stream().sorted().distinct().toList();
    // A bare minor sorts below its own patches, so "below" and "above" both fall outside it.
    Optional<KubernetesVersion> below =
        sorted.stream()
            .filter(v -> v.compareTo(filter) < 0 && !matches(v, filter))
            .reduce((a, b) -> b);
    Optional<KubernetesVersion> above =
        sorted.stream().filter(v -> v.compareTo(filter) > 0 && !matches(v, filter)).findFirst();
    if (above.isPresent()
        && (above.get().major() != filter.major() || above.get().minor() != filter.minor())) {
      KubernetesVersion next = above.get();
      above =
          sorted.stream()
              .filter(v -> v.major() == next.major() && v.minor() == next.minor())
              .reduce((a, b) -> b);
    }
    List<KubernetesVersion> out = new ArrayList<>();
    below.ifPresent(out::add);
    above.ifPresent(out::add);
    return out;
  }

  private ConfigException noMatch(List<KubernetesVersion> all, KubernetesVersion filter) {
    List<String> near = nearest(all, filter).stream().map(KubernetesVersion::toString).toList();
    return new ConfigException(
        "no Kubernetes "
            + filter
            + " in s3://"
            + bucket
            + " ("
            + region
            + "); nearest available: "
            + String.join(", ", near)
            + "; run without --kubernetes-version to see every version");
  }

  /**
   * The S3 refusals a user fixes with other options or permissions, as one line; anything else is
   * returned unchanged (an AWS failure).
   */
  static RuntimeException translate(S3Exception e, String bucket, String region) {
    String code = e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode();
    String where = "s3://" + bucket + " (" + region + ")";
    if (e instanceof NoSuchBucketException || "NoSuchBucket".equals(code)) {
      return new ConfigException(
          "bucket "
              + where
              + " does not exist; check --bucket or binary_bucket_name (the default is amazon-eks"
              + " in us-west-2)",
          e);
    }
    if ("AccessDenied".equals(code) || (code.isEmpty() && e.statusCode() == 403)) {
      return new ConfigException(
          "access denied listing "
              + where
              + ": the credentials need s3:ListBucket on the bucket "
              + bucket
              + "; check the policy of your profile or role, or --bucket",
          e);
    }
    if ("PermanentRedirect".equals(code)
        || "AuthorizationHeaderMalformed".equals(code)
        || e.statusCode() == 301) {
      return new ConfigException(
          "bucket s3://"
              + bucket
              + " is not in "
              + region
              + " (S3 answered "
              + (code.isEmpty() ? e.statusCode() : code)
              + "); set --bucket-region or binary_bucket_region to the bucket's region",
          e);
    }
    return e;
  }
}
