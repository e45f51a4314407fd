#!/usr/bin/env bash
# Stand-in for upstream templates/al2/provisioners/install-nvidia-driver.sh: same path, no real work (ami-builder rig fixture).
set -o errexit -o nounset -o pipefail

echo "install-nvidia-driver.sh: NVIDIA_DRIVER_VERSION=${NVIDIA_DRIVER_VERSION}"
