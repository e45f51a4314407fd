package dev.eksnode.amibuilder.template;

import dev.eksnode.amibuilder.config.ConfigException;

/**
 * A template that cannot be loaded or rendered: malformed JSON, an unsupported key or function. A
 * usage failure, as every {@link ConfigException}.
 */
public class TemplateException extends ConfigException {
  private static final long serialVersionUID = 1L;

  public TemplateException(String message) {
    super(message);
  }

  public TemplateException(String message, Throwable cause) {
    super(message, cause);
  }
}
