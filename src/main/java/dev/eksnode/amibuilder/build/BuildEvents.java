package dev.eksnode.amibuilder.build;

import dev.eksnode.amibuilder.pipeline.Resource;

/** What a build tells its caller besides the step events: resources as they appear, and progress of waits. */
public interface BuildEvents {

  default void resourceCreated(Resource resource) {}

  default void resourceRemoved(Resource resource) {}

  /** A wait changed state or made progress. */
  default void waiting(String what, String state, java.time.Duration elapsed) {}

  static BuildEvents none() {
    return new BuildEvents() {};
  }
}
