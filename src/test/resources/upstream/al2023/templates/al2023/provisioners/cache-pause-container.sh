#!/usr/bin/env bash
# Stand-in for upstream templates/al2023/provisioners/cache-pause-container.sh: same path, no real work (ami-builder rig fixture).
set -o errexit -o nounset -o pipefail

echo "cache-pause-container.sh: stand-in ran"
