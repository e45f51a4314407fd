#!/usr/bin/env bash
# Stand-in for upstream scripts/cleanup_additional_repos.sh: same path, no real work (ami-builder rig fixture).
set -o errexit -o nounset -o pipefail

echo "cleanup_additional_repos.sh: stand-in ran"
