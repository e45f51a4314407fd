#!/usr/bin/env bash
#
# boot.sh FIXTURE — runs inside the node host's private mount namespace at every (re)boot, before sshd.
# The system directories become overlays whose writes land in FIXTURE/ovl/<dir>/u, so nothing the
# node scripts do reaches the real machine; the upper layers persist across reboots like a disk.

set -o errexit -o nounset -o pipefail

readonly OVERLAID=(etc usr opt var home root)
readonly CLOCKSOURCE=/sys/devices/system/clocksource/clocksource0

main() {
  local fixture="$1" dir
  for dir in "${OVERLAID[@]}"; do
    mkdir -p "$fixture/ovl/$dir/u" "$fixture/ovl/$dir/w"
    mount -t overlay overlay \
      -o "lowerdir=/$dir,upperdir=$fixture/ovl/$dir/u,workdir=$fixture/ovl/$dir/w" "/$dir"
  done
  # An instance's /tmp is on its root volume and survives the reboot (the uploaded /tmp/worker must),
  # so it is a fixture directory, not a tmpfs. The fixture itself stays reachable at its own path.
  mkdir -p "$fixture/disk/tmp" /var/.node-host-fixture
  chmod 1777 "$fixture/disk/tmp"
  mount --bind "$fixture" /var/.node-host-fixture
  mount --bind "$fixture/disk/tmp" /tmp
  mkdir -p "$fixture"
  mount --bind /var/.node-host-fixture "$fixture"
  # install-worker.sh switches a xen clock source to tsc by writing to sysfs.
  mount --bind "$fixture/clocksource" "$CLOCKSOURCE"
}

main "$@"
