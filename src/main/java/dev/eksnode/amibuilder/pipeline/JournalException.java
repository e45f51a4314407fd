package dev.eksnode.amibuilder.pipeline;

/** The build journal could not be written or read. */
public class JournalException extends RuntimeException {
  public JournalException(String message, Throwable cause) {
    super(message, cause);
  }
}
