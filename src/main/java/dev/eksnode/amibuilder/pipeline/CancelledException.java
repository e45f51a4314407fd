package dev.eksnode.amibuilder.pipeline;

/** Thrown by wait loops and steps when the build's {@link Cancellation} fired. */
public class CancelledException extends RuntimeException {
  public CancelledException(String reason) {
    super(reason);
  }
}
