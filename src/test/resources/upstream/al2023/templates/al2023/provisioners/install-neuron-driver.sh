#!/usr/bin/env bash
# Stand-in for upstream templates/al2023/provisioners/install-neuron-driver.sh: same path, no real work (ami-builder rig fixture).
set -o errexit -o nounset -o pipefail

echo "install-neuron-driver.sh: stand-in ran"
