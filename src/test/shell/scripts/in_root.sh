#!/usr/bin/env bash
#
# in_root.sh SCRATCH COMMAND... — runs COMMAND with the host's system directories behind
# copy-on-write overlays, so a build-time script can write /etc, /usr, /var... freely.
# Must be started inside a private mount namespace (unshare -m --propagation private);
# everything mounted here disappears with it. Writes land in SCRATCH/ovl/<dir>/u.
# SCRATCH must live under /tmp: /tmp is replaced by an empty tmpfs with only SCRATCH kept.

set -o errexit -o nounset -o pipefail

readonly OVERLAID=(etc usr opt var home root)
readonly CLOCKSOURCE=/sys/devices/system/clocksource/clocksource0

main() {
  local scratch="$1" dir
  shift
  [[ "$scratch" == /tmp/?* ]] || {
    echo "in_root.sh: scratch $scratch must be under /tmp" >&2
    exit 1
  }
  for dir in "${OVERLAID[@]}"; do
    mkdir -p "$scratch/ovl/$dir/u" "$scratch/ovl/$dir/w"
    mount -t overlay overlay \
      -o "lowerdir=/$dir,upperdir=$scratch/ovl/$dir/u,workdir=$scratch/ovl/$dir/w" "/$dir"
  done
  # A fresh /tmp (cleanup.sh deletes /tmp/worker), with the scratch directory carried over, and the checkout too
  # when it lives under /tmp (the scripts under test are run from it).
  local repo
  repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../.." && pwd)"
  mkdir -p /var/.in-root-hold /var/.in-root-repo
  mount --bind "$scratch" /var/.in-root-hold
  if [[ "$repo" == /tmp/?* ]]; then
    mount --bind "$repo" /var/.in-root-repo
  fi
  mount -t tmpfs tmpfs /tmp
  mkdir -p "$scratch"
  mount --bind /var/.in-root-hold "$scratch"
  if [[ "$repo" == /tmp/?* ]]; then
    mkdir -p "$repo"
    mount --bind /var/.in-root-repo "$repo"
  fi
  if [[ -d "$scratch/clocksource" ]]; then
    mount --bind "$scratch/clocksource" "$CLOCKSOURCE"
  fi
  if [[ -f "$scratch/seed.sh" ]]; then
    bash "$scratch/seed.sh"
  fi
  exec "$@"
}

main "$@"
