#!/usr/bin/env bash
# Stand-in for upstream templates/shared/provisioners/limit-c-states.sh: same path, no real work (ami-builder rig fixture).
set -o errexit -o nounset -o pipefail

if [ "${ENABLE_EFA}" != "true" ]; then
  echo "limit-c-states.sh: EFA is off, C-states left alone (no reboot)"
  exit 0
fi
echo "limit-c-states.sh: would set intel_idle.max_cstate=1 processor.max_cstate=1"
