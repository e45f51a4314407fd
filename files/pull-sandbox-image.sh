#!/usr/bin/env bash
# Makes sure the sandbox (pause) image named in containerd's config is present, pulling it when missing.
set -euo pipefail

readonly PROG="pull-sandbox-image.sh"
readonly CONTAINERD_CONFIG="/etc/containerd/config.toml"
readonly PULL_IMAGE="/etc/eks/containerd/pull-image.sh"

usage() {
  cat >&2 << USAGE
usage: ${PROG}

Reads sandbox_image from ${CONTAINERD_CONFIG}; does nothing when 'ctr -n k8s.io image ls' already
lists it, otherwise runs ${PULL_IMAGE} for it (which honours RETRY_SLEEP_SCALE).
USAGE
}

main() {
  if [[ $# -ne 0 ]]; then
    usage
    exit 1
  fi
  local sandbox_image
  sandbox_image="$(sed -n 's/^[[:space:]]*sandbox_image[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' \
    "${CONTAINERD_CONFIG}" | head -n 1)"
  if [[ -z "${sandbox_image}" ]]; then
    echo "${PROG}: no sandbox_image in ${CONTAINERD_CONFIG}" >&2
    exit 1
  fi
  if ctr -n k8s.io image ls | grep -F -- "${sandbox_image}" > /dev/null; then
    echo "${PROG}: ${sandbox_image} is already present"
    exit 0
  fi
  "${PULL_IMAGE}" "${sandbox_image}"
}

main "$@"
