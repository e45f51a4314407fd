package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.eks.WorkerBinaries;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Pre-signed GET URLs for the binary bucket's objects, so the build instance downloads a private
 * bucket with no AWS credentials of its own. They are signed with the caller's credentials (SigV4
 * query signing, made locally: no AWS call), just before the script that uses them runs.
 *
 * <p>A URL holds a signature, the access key id and, with temporary credentials, the session token:
 * it is a secret until it expires. It travels to the instance only as the content of a file written
 * over SSH, and {@link Signed#secrets()} lists what must be masked wherever text is shown.
 */
public final class BinaryUrls {
  /** The longest a URL stays valid. */
  public static final Duration MAX_EXPIRY = Duration.ofHours(1);

  private static final List<String> SECRET_PARAMETERS =
      List.of("X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token");

  /** Shorter values (an emulator's access key id such as "testing") are ordinary words. */
  private static final int MIN_SECRET = 16;

  private BinaryUrls() {}

  /**
   * How long the URLs stay valid: {@link #MAX_EXPIRY} or the build timeout, whichever is shorter.
   * With temporary credentials a URL also stops working when the session ends.
   */
  public static Duration expiry() {
    return MAX_EXPIRY.compareTo(Ec2Build.BUILD_TIMEOUT) <= 0 ? MAX_EXPIRY : Ec2Build.BUILD_TIMEOUT;
  }

  /** URLs by object key, in the order given. */
  public record Signed(Map<String, String> byKey) {
    public Signed {
      byKey = Collections.unmodifiableMap(new LinkedHashMap<>(byKey));
    }

    /** The file install-worker.sh reads: one {@code KEY URL} pair a line. */
    public String fileText() {
      StringBuilder text = new StringBuilder();
      byKey.forEach((key, url) -> text.append(key).append(' ').append(url).append('\n'));
      return text.toString();
    }

    /**
     * Every URL, and the secret parts of each on their own (as sent and decoded), so that text
     * quoting only a piece of a URL is masked too.
     */
    public List<String> secrets() {
      Set<String> out = new LinkedHashSet<>();
      for (String url : byKey.values()) {
        out.add(url);
        int query = url.indexOf('?');
        if (query < 0) {
          continue;
        }
        out.add(url.substring(query + 1));
        for (String pair : url.substring(query + 1).split("&")) {
          int eq = pair.indexOf('=');
          if (eq <= 0 || !SECRET_PARAMETERS.contains(pair.substring(0, eq))) {
            continue;
          }
          String raw = pair.substring(eq + 1);
          String decoded = URLDecoder.decode(raw, StandardCharsets.UTF_8);
          out.add(raw);
          out.add(decoded);
          if (pair.startsWith("X-Amz-Credential=")) {
            // access key id / date / region / service / aws4_request
            out.add(decoded.substring(0, Math.max(0, decoded.indexOf('/'))));
          }
        }
      }
      List<String> secrets = new ArrayList<>();
      for (String value : out) {
        if (value.length() >= MIN_SECRET) {
          secrets.add(value);
        }
      }
      return secrets;
    }
  }

  /** Signs a GET of each object of {@code binaries}, valid for {@code expiry}. */
  public static Signed sign(S3Presigner presigner, WorkerBinaries binaries, Duration expiry) {
    Map<String, String> urls = new LinkedHashMap<>();
    for (String key : binaries.keys()) {
      urls.put(
          key,
          presigner
              .presignGetObject(
                  r ->
                      r.signatureDuration(expiry)
                          .getObjectRequest(g -> g.bucket(binaries.bucket()).key(key)))
              .url()
              .toString());
    }
    return new Signed(urls);
  }
}
