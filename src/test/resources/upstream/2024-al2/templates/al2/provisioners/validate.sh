#!/usr/bin/env bash
# Stand-in for upstream templates/al2/provisioners/validate.sh: same path, no real work (ami-builder rig fixture).
set -o errexit -o nounset -o pipefail

echo "validate.sh: stand-in ran"
