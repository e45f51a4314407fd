#!/usr/bin/env bash
#
# upgrade_kernel.sh — installs the kernel line for the node image, enables pressure-stall
# information, and reboots into it. Runs as the ssh user during an AMI build and calls sudo.
#
# Environment:
#   KERNEL_VERSION      a kernel line (4.14, 5.4, 5.10, 5.15...) for its newest kernel, or a full
#                       release (5.10.239-236.958) for exactly that one; empty picks the line for
#                       KUBERNETES_VERSION: 5.10 for Kubernetes 1.24 and later, 5.4 below
#   KUBERNETES_VERSION  required when KERNEL_VERSION is empty
# Needs vercmp on PATH (installed to /usr/bin from files/bin before this step).
# The final reboot drops the SSH connection; the builder must expect the disconnect.

set -o errexit -o nounset -o pipefail

readonly SCRIPT_NAME="upgrade_kernel.sh"

usage() {
  cat << EOF
usage: $SCRIPT_NAME

Environment: KERNEL_VERSION (a line such as 5.10, a release such as 5.10.239-236.958, or
empty), KUBERNETES_VERSION (needed when KERNEL_VERSION is empty). Installs the kernel, enables
psi=1 and reboots.
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

# A line gets its newest kernel; a release gets exactly that build, from the line's
# amazon-linux-extras topic (4.14 is the stock kernel and has no topic).
install_kernel() {
  local kernel="$1" line
  [[ "$kernel" =~ ^[0-9]+\.[0-9]+(\.[0-9]+(-[0-9A-Za-z_]+(\.[0-9A-Za-z_]+)*)?)?$ ]] \
    || die "KERNEL_VERSION '$kernel' is not a kernel line (5.10) or release (5.10.239-236.958)"
  line=$(cut -d. -f1-2 <<< "$kernel")
  if [[ "$kernel" == "$line" ]]; then
    if [[ "$line" == "4.14" ]]; then
      sudo yum update -y kernel
    else
      sudo amazon-linux-extras install -y "kernel-$line"
    fi
    return
  fi
  if [[ "$line" != "4.14" ]]; then
    sudo amazon-linux-extras enable "kernel-$line"
  fi
  # The trailing glob completes the release with the distribution suffix and architecture.
  sudo yum install -y "kernel-$kernel*"
  # Locked now, or install-worker.sh's `yum update` would add the line's newest kernel and nodes
  # would boot that one instead (this build keeps running the pinned one, so validate.sh passes).
  sudo yum install -y yum-plugin-versionlock
  sudo yum versionlock "kernel-$kernel*"
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
  install_kernel "$kernel"
  sudo grubby --update-kernel=ALL --args="psi=1"
  sudo reboot
}

main "$@"
