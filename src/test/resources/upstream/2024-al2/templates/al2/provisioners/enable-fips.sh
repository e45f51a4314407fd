#!/usr/bin/env bash
# Stand-in for upstream templates/al2/provisioners/enable-fips.sh: same path, no real work (ami-builder rig fixture).
set -o errexit -o nounset -o pipefail

echo "enable-fips.sh: ENABLE_FIPS=${ENABLE_FIPS}"
