#!/usr/bin/env bash
#
# upgrade_kernel.sh — installs the kernel line for the node image, enables pressure-stall
# information, and reboots into it. Runs as the ssh user during an AMI build and calls sudo.
#
# Environment:
#   KERNEL_VERSION      4.14, 5.4 or 5.10; empty picks the default for KUBERNETES_VERSION:
#                       5.10 for Kubernetes 1.24 and later, 5.4 below
#   KUBERNETES_VERSION  required when KERNEL_VERSION is empty
# Needs vercmp on PATH (installed to /usr/bin from files/bin before this step).
# The final reboot drops the SSH connection; the builder must expect the disconnect.

set -o errexit -o nounset -o pipefail

readonly SCRIPT_NAME="upgrade_kernel.sh"

usage() {
  cat << EOF
usage: $SCRIPT_NAME

Environment: KERNEL_VERSION (4.14, 5.4, 5.10 or empty), KUBERNETES_VERSION (needed when
KERNEL_VERSION is empty). Installs the kernel, enables psi=1 and reboots.
EOF
}

die() {
  echo "$SCRIPT_NAME: $*" >&2
  exit 1
}

# Same rule as validate.sh, which checks the kernel this script installed.
resolve_kernel_version() {
  local kernel="${KERNEL_VERSION:-}" kubernetes="${KUBERNETES_VERSION:-}"
  if [[ -n "$kernel" ]]; then
    echo "$kernel"
    return
  fi
  [[ -n "$kubernetes" ]] || die "KUBERNETES_VERSION is required when KERNEL_VERSION is empty"
  if vercmp "$kubernetes" gteq 1.24.0 > /dev/null; then
    kernel="5.10"
  else
    kernel="5.4"
  fi
  echo "$SCRIPT_NAME: kernel_version is unset, using $kernel for Kubernetes $kubernetes" >&2
  echo "$kernel"
}

main() {
  if (($# > 0)); then
    case "$1" in
      -h | --help)
        usage
        exit 0
        ;;
      *)
        usage >&2
        exit 1
        ;;
    esac
  fi
  local kernel
  kernel=$(resolve_kernel_version)
  if [[ "$kernel" == "4.14" ]]; then
    sudo yum update -y kernel
  else
    sudo amazon-linux-extras install -y "kernel-$kernel"
  fi
  sudo grubby --update-kernel=ALL --args="psi=1"
  sudo reboot
}

main "$@"
