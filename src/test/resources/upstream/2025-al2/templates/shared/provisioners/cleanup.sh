#!/usr/bin/env bash
# Stand-in for upstream templates/shared/provisioners/cleanup.sh: same path, no real work (ami-builder rig fixture).
set -o errexit -o nounset -o pipefail

echo "cleanup.sh: stand-in ran"
