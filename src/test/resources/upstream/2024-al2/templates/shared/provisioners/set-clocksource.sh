#!/usr/bin/env bash
# Stand-in for upstream templates/shared/provisioners/set-clocksource.sh: same path, no real work (ami-builder rig fixture).
set -o errexit -o nounset -o pipefail

echo "set-clocksource.sh: stand-in ran"
