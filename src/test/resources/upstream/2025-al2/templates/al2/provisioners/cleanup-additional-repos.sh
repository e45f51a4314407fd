#!/usr/bin/env bash
# Stand-in for upstream templates/al2/provisioners/cleanup-additional-repos.sh: same path, no real work (ami-builder rig fixture).
set -o errexit -o nounset -o pipefail

echo "cleanup-additional-repos.sh: stand-in ran"
