package dev.eksnode.amibuilder.remote;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Masks secret values (credentials, tokens, passwords) in text before it is shown, logged or
 * thrown.
 */
public final class Redactor {
  public static final String MASK = "<redacted>";

  /**
   * Shorter fragments of a multi-line secret would mask ordinary words, so only longer ones count.
   */
  private static final int MIN_FRAGMENT = 8;

  private final List<String> secrets;

  private Redactor(List<String> secrets) {
    this.secrets = secrets;
  }

  public static Redactor none() {
    return new Redactor(List.of());
  }

  public static Redactor of(Collection<String> secretValues) {
    Set<String> unique = new LinkedHashSet<>();
    for (String secret : secretValues) {
      if (secret == null || secret.isEmpty()) {
        continue;
      }
      unique.add(secret);
      // In a rendered {{.Vars}} a quote inside the value appears as '"'"', which would hide the raw
      // value from a plain search while still showing it to anyone reading the command.
      if (secret.indexOf('\'') >= 0) {
        unique.add(secret.replace("'", "'\"'\"'"));
      }
      // Output is redacted line by line, so a secret spanning lines is also masked piece by piece.
      if (secret.indexOf('\n') >= 0 || secret.indexOf('\r') >= 0) {
        for (String part : secret.split("\\R")) {
          if (part.length() >= MIN_FRAGMENT) {
            unique.add(part);
          }
        }
      }
    }
    List<String> sorted = new ArrayList<>(unique);
    // Longest first so a secret containing another is masked whole.
    sorted.sort(Comparator.comparingInt(String::length).reversed());
    return new Redactor(List.copyOf(sorted));
  }

  /** A redactor masking the secrets of both. */
  public Redactor and(Collection<String> moreSecrets) {
    List<String> all = new ArrayList<>(secrets);
    all.addAll(moreSecrets);
    return of(all);
  }

  public String redact(String text) {
    if (text == null || secrets.isEmpty()) {
      return text;
    }
    String result = text;
    for (String secret : secrets) {
      if (result.contains(secret)) {
        result = result.replace(secret, MASK);
      }
    }
    return result;
  }

  public boolean isEmpty() {
    return secrets.isEmpty();
  }

  @Override
  public String toString() {
    return "Redactor[" + secrets.size() + " secrets]";
  }
}
