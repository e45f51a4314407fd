package dev.eksnode.amibuilder.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The per-minor build shortcuts ({@code ami-builder k8s 1.23}) with the versions and build date the
 * reference toolchain pins for them. The pinned values win over every other layer, as the
 * Makefile's sub-make arguments do.
 */
public record Shortcut(String minor, String kubernetesVersion, String buildDate) {
  public static final List<Shortcut> ALL =
      List.of(
          new Shortcut("1.21", "1.21.14", "2023-01-30"),
          new Shortcut("1.22", "1.22.17", "2023-01-30"),
          new Shortcut("1.23", "1.23.16", "2023-01-30"),
          new Shortcut("1.24", "1.24.10", "2023-01-30"),
          new Shortcut("1.25", "1.25.6", "2023-01-30"));

  public static Optional<Shortcut> find(String minor) {
    return ALL.stream().filter(s -> s.minor.equals(minor)).findFirst();
  }

  /** The variables this shortcut pins. */
  public Map<String, String> pinned() {
    return Map.of(
        "kubernetes_version", kubernetesVersion,
        "kubernetes_build_date", buildDate,
        "pull_cni_from_github", "true");
  }

  public String label() {
    return "k8s " + minor;
  }
}
