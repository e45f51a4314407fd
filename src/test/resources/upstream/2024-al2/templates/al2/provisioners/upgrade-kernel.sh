#!/usr/bin/env bash
# Stand-in for upstream templates/al2/provisioners/upgrade-kernel.sh: same path, no real work (ami-builder rig fixture).
set -o errexit -o nounset -o pipefail

echo "upgrade-kernel.sh: kernel ${KERNEL_VERSION:-default} for ${KUBERNETES_VERSION} (the reboot is a later provisioner)"
