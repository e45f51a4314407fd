package dev.eksnode.amibuilder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code validate} promises exit 0 only when a build could start, so it makes the preflight's
 * instance-credentials check too (it needs no AWS call).
 */
class ValidateInstanceCredentialsTest {
  @TempDir Path root;

  @Test
  void cachingWithoutInstanceCredentials_exit2WithTheOneLine() {
    TestHome.Result r = new TestHome(root).run("validate", "1.23", "cache_container_images=true");
    assertEquals(2, r.code(), r.err());
    assertEquals(1, r.errLines().size(), r.err());
    assertEquals(
        "error: image caching is on (CACHE_CONTAINER_IMAGES=true for provisioners[6], shell"
            + " install-worker.sh): the build instance pulls the images from ECR, which needs AWS"
            + " credentials there; set iam_instance_profile,"
            + " temporary_iam_instance_profile_policy_document or forward_aws_credentials=true",
        r.errLines().get(0));
  }

  @Test
  void cachingWithAnInstanceProfileOrForwardedKeys_isValid() {
    TestHome home = new TestHome(root);
    TestHome.Result profile =
        home.run("validate", "1.23", "cache_container_images=true", "iam_instance_profile=builder");
    assertEquals(0, profile.code(), profile.err());
    TestHome.Result forwarded =
        home.run("validate", "1.23", "cache_container_images=true", "forward_aws_credentials=true");
    assertEquals(0, forwarded.code(), forwarded.err());
    assertTrue(forwarded.out().contains("is valid"), forwarded.out());
  }
}
