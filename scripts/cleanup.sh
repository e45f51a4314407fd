#!/usr/bin/env bash
#
# cleanup.sh — removes caches and everything host-specific from the build instance so the image
# boots as a new machine (new machine id, host keys, cloud-init run, DHCP leases).
# No environment input. Runs as the ssh user and calls sudo.

set -o errexit -o nounset -o pipefail

readonly SCRIPT_NAME="cleanup.sh"
readonly REMOVE=(
  /tmp/worker
  /etc/hostname
  /etc/machine-id
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
  /var/log/messages
  /tmp/imds-tokens
)

usage() {
  cat << EOF
usage: $SCRIPT_NAME

Cleans the yum caches and removes host-specific files before the image is taken.
EOF
}

# Globs are expanded by root: the ssh user may not be allowed to list every directory.
remove_paths() {
  # shellcheck disable=SC2016 # expanded by the root shell, not here
  sudo bash -c 'shopt -s nullglob; for pattern in "$@"; do for path in $pattern; do
    rm -rf -- "$path"; done; done' remove-paths "$@"
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
  sudo yum clean all
  sudo rm -rf /var/cache/yum
  remove_paths "${REMOVE[@]}"
  # An empty machine-id makes systemd generate a fresh one on first boot.
  sudo touch /etc/machine-id
  echo "$SCRIPT_NAME: done"
}

main "$@"
