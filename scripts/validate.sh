#!/usr/bin/env bash
#
# validate.sh — last check of a build instance before the image is taken: nothing host-specific
# may be left behind, and the running kernel must be the one the build asked for.
#
# Environment:
#   KERNEL_VERSION      the kernel requested: a line (5.10) or a full release (5.10.239-236.958); empty
#                       resolves exactly as upgrade_kernel.sh does: 5.10 for Kubernetes 1.24 and
#                       later, 5.4 below
#   KUBERNETES_VERSION  picks the default kernel when KERNEL_VERSION is empty; when it is empty too
#                       (a template that passes only KERNEL_VERSION, like the original one), the
#                       version of the installed kubelet (`kubelet --version`) is used instead, so
#                       the defaulted kernel is still checked rather than an empty prefix
# Exit status: 0 when clean, 1 with one stderr line per problem.

set -o errexit -o nounset -o pipefail

readonly SCRIPT_NAME="validate.sh"
readonly MUST_BE_GONE=(
  /etc/hostname
  /etc/resolv.conf
  '/etc/ssh/ssh_host*'
  /home/ec2-user/.ssh/authorized_keys
  /root/.ssh/authorized_keys
  /var/lib/cloud/data
  /var/lib/cloud/instance
  /var/lib/cloud/instances
  /var/lib/cloud/sem
  '/var/lib/dhclient/*'
  '/var/lib/dhcp/dhclient.*'
  /var/lib/yum/history
  /var/log/cloud-init-output.log
  /var/log/cloud-init.log
  /var/log/secure
  /var/log/wtmp
)

usage() {
  cat << EOF
usage: $SCRIPT_NAME

Environment: KERNEL_VERSION (may be empty), KUBERNETES_VERSION (picks the default kernel when
KERNEL_VERSION is empty; the installed kubelet's version is used when both are empty).
Fails when host-specific files are left or the running kernel is not the requested one.
EOF
}

die() {
  echo "$SCRIPT_NAME: $*" >&2
  exit 1
}

# The Kubernetes version the image was built for, as the installed kubelet reports it
# ("Kubernetes v1.24.10-eks-48e63af" gives 1.24.10); empty when there is no usable answer.
installed_kubelet_version() {
  local answer
  answer=$(kubelet --version 2> /dev/null) || return 0
  grep -Eo '[0-9]+\.[0-9]+\.[0-9]+' <<< "$answer" | head -n 1 || true
}

# Sets WANTED_KERNEL, and WANTED_KERNEL_TEXT for the report. An empty KERNEL_VERSION gets the
# default upgrade_kernel.sh installs (5.10 for Kubernetes 1.24 and later, 5.4 below).
resolve_kernel_version() {
  local kubernetes source=""
  WANTED_KERNEL="${KERNEL_VERSION:-}"
  WANTED_KERNEL_TEXT="the requested $WANTED_KERNEL"
  if [[ -n "$WANTED_KERNEL" ]]; then
    return
  fi
  kubernetes="${KUBERNETES_VERSION:-}"
  if [[ -z "$kubernetes" ]]; then
    kubernetes=$(installed_kubelet_version)
    source=" (from kubelet --version)"
  fi
  if [[ -z "$kubernetes" ]]; then
    die "KERNEL_VERSION and KUBERNETES_VERSION are empty and \`kubelet --version\` gave no version, so the expected kernel is unknown; pass KERNEL_VERSION or KUBERNETES_VERSION"
  fi
  if vercmp "$kubernetes" gteq 1.24.0 > /dev/null; then
    WANTED_KERNEL="5.10"
  else
    WANTED_KERNEL="5.4"
  fi
  WANTED_KERNEL_TEXT="$WANTED_KERNEL, the default for Kubernetes $kubernetes$source"
}

# Globs are expanded by root: the ssh user may not be allowed to list every directory.
list_leftovers() {
  # shellcheck disable=SC2016 # expanded by the root shell, not here
  sudo bash -c 'shopt -s nullglob; for pattern in "$@"; do for path in $pattern; do
    if [[ -e "$path" || -L "$path" ]]; then echo "$path"; fi; done; done' list-leftovers "${MUST_BE_GONE[@]}"
}

kernel_matches() {
  local wanted="$1" running="$2"
  case "$running" in
    "$wanted" | "$wanted".* | "$wanted"-*) return 0 ;;
    *) return 1 ;;
  esac
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
  local failed=0 leftovers path running
  resolve_kernel_version
  leftovers=$(list_leftovers)
  while IFS= read -r path; do
    [[ -n "$path" ]] || continue
    # The original said "<path> shouldn't exists"; only the grammar differs (this is not one of the
    # required-input messages kept verbatim), the path named and the exit status are the same.
    echo "$SCRIPT_NAME: $path shouldn't exist" >&2
    failed=1
  done <<< "$leftovers"
  running=$(uname -r)
  if ! kernel_matches "$WANTED_KERNEL" "$running"; then
    echo "$SCRIPT_NAME: running kernel $running is not $WANTED_KERNEL_TEXT" >&2
    failed=1
  fi
  if ((failed)); then
    exit 1
  fi
  echo "$SCRIPT_NAME: image is clean and kernel $running matches $WANTED_KERNEL_TEXT"
}

main "$@"
