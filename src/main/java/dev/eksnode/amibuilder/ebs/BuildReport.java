package dev.eksnode.amibuilder.ebs;

import java.util.List;

/** What a request did: one result per build, in the order the request named them. */
public record BuildReport(List<BuildResult> builds) {
  public BuildReport {
    builds = List.copyOf(builds);
  }

  /** More than one build: each reports its own failure line, prefixed with its label. */
  public boolean matrix() {
    return builds.size() > 1;
  }

  /** Builds that did not end clean (failed, cancelled, or succeeded with leftovers). */
  public List<BuildResult> unsuccessful() {
    return builds.stream().filter(b -> b.failureLine() != null).toList();
  }
}
