package dev.eksnode.amibuilder.remote;

/** Which remote stream a line came from; with a PTY everything arrives as STDOUT. */
public enum OutputKind {
  STDOUT,
  STDERR
}
