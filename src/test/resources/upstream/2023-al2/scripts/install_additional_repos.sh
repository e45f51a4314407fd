#!/usr/bin/env bash
# Stand-in for upstream scripts/install_additional_repos.sh: same path, no real work (ami-builder rig fixture).
set -o errexit -o nounset -o pipefail

echo "install_additional_repos.sh: stand-in ran"
