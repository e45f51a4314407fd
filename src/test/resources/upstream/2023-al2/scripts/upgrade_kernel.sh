#!/usr/bin/env bash
# Stand-in for upstream scripts/upgrade_kernel.sh: same path, no real work (ami-builder rig fixture).
set -o errexit -o nounset -o pipefail

echo "upgrade_kernel.sh: kernel ${KERNEL_VERSION:-default} for ${KUBERNETES_VERSION}, rebooting"
sudo reboot
