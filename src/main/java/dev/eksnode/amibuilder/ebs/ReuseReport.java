package dev.eksnode.amibuilder.ebs;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a build's inputs fingerprint led to, for its result: the fingerprint, the AMIs reused from
 * an earlier bake of the same inputs, and, when {@code --reuse} found none, the newest earlier
 * build with the same name prefix and the inputs that changed since it.
 *
 * @param fingerprint the {@value InputsFingerprint#TAG} value; null when the build stopped before
 *     its source AMI was known
 * @param reuse whether the build looked for an earlier bake ({@code --reuse})
 * @param reused region → reused AMI id; empty when nothing was reused
 * @param reusedName the reused AMI's name; null when nothing was reused
 * @param lastMatchName on a miss, the newest finished AMI of ours with the same name prefix; null
 *     when there is none or nothing was looked up
 * @param lastMatchImageId that AMI's id
 * @param changed on a miss, the inputs that differ from that AMI's, by label
 */
public record ReuseReport(
    String fingerprint,
    boolean reuse,
    Map<String, String> reused,
    String reusedName,
    String lastMatchName,
    String lastMatchImageId,
    List<String> changed) {

  public ReuseReport {
    reused = java.util.Collections.unmodifiableMap(new TreeMap<>(reused));
    changed = List.copyOf(changed);
  }

  /** A build that stopped before it had a fingerprint. */
  public static ReuseReport none(boolean reuse) {
    return new ReuseReport(null, reuse, Map.of(), null, null, null, List.of());
  }

  static ReuseReport of(BuildState state, boolean reuse) {
    InputsFingerprint inputs = state.inputs();
    Map<String, String> reused = new TreeMap<>();
    state.reused().forEach((region, image) -> reused.put(region, image.imageId()));
    BuildState.ReuseMiss miss = state.reuseMiss();
    return new ReuseReport(
        inputs == null ? null : inputs.value(),
        reuse,
        reused,
        state.reusedName(),
        miss == null ? null : miss.lastName(),
        miss == null ? null : miss.lastImageId(),
        miss == null ? List.of() : miss.changed());
  }

  /** Whether every AMI of the build is an earlier bake's: nothing was launched. */
  public boolean fullyReused(Map<String, String> amis) {
    return !reused.isEmpty() && reused.keySet().containsAll(amis.keySet());
  }

  /**
   * On a miss, one line saying what changed since the last build of the same name prefix; null when
   * there is nothing to say.
   */
  public String missLine() {
    if (!reuse || !reused.isEmpty() || fingerprint == null) {
      return null;
    }
    if (lastMatchName == null) {
      return "no earlier bake of these inputs ("
          + shortFingerprint()
          + ") and none with this name prefix; baking";
    }
    return "no earlier bake of these inputs ("
        + shortFingerprint()
        + "); since "
        + lastMatchName
        + " ("
        + lastMatchImageId
        + ") "
        + (changed.isEmpty()
            ? "its recorded inputs look the same but its fingerprint differs"
            : String.join(", ", changed) + " changed")
        + "; baking";
  }

  private String shortFingerprint() {
    return fingerprint.substring(0, 12);
  }
}
