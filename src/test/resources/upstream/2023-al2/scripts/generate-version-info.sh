#!/usr/bin/env bash
# Stand-in for upstream scripts/generate-version-info.sh: same path, no real work (ami-builder rig fixture).
set -o errexit -o nounset -o pipefail

out="${1:?usage: generate-version-info.sh OUTPUT}"
printf '{"packages":{"containerd":"%s"},"binaries":{},"images":[]}\n' "${CONTAINERD_VERSION:-stand-in}" > "$out"
echo "generate-version-info.sh: wrote $out"
