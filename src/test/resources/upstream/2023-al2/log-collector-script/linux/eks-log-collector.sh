#!/usr/bin/env bash
# Stand-in for upstream log-collector-script/linux/eks-log-collector.sh: same path, no real work (ami-builder rig fixture).
set -o errexit -o nounset -o pipefail

echo "eks-log-collector.sh: stand-in ran"
