#!/usr/bin/env bash
# Benchmark stand-in for upgrade_kernel.sh: no kernel work, just the reboot (the rig's sudo reboot restarts sshd).
set -o errexit -o nounset -o pipefail
echo "upgrade_kernel.sh: kernel ${KERNEL_VERSION:-default} for ${KUBERNETES_VERSION}, rebooting"
sudo reboot
