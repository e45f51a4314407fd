#!/usr/bin/env bash
# Stand-in for upstream templates/al2023/provisioners/install-efa.sh: same path, no real work (ami-builder rig fixture).
set -o errexit -o nounset -o pipefail

echo "install-efa.sh: stand-in ran"
