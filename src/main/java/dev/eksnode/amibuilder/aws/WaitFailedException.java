package dev.eksnode.amibuilder.aws;

/** A wait loop saw a state from which the wanted one is unreachable (an AMI {@code failed}, an instance terminated). */
public class WaitFailedException extends RuntimeException {
  private final String state;

  public WaitFailedException(String what, String state) {
    super(what + " reached state '" + state + "' instead");
    this.state = state;
  }

  public String state() {
    return state;
  }
}
