#!/usr/bin/env bash
# Stand-in for upstream templates/al2/provisioners/install-worker.sh: same path, no real work (ami-builder rig fixture).
set -o errexit -o nounset -o pipefail

echo "install-worker.sh: containerd ${CONTAINERD_VERSION}, runc ${RUNC_VERSION}, docker ${DOCKER_VERSION}, into ${WORKING_DIR}"
