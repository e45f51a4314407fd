#!/usr/bin/env bash
# Stand-in for upstream templates/al2/runtime/bootstrap.sh: same path, no real work (ami-builder rig fixture).
set -o errexit -o nounset -o pipefail

echo "bootstrap.sh: stand-in ran"
