#!/usr/bin/env bash
# Benchmark stand-in for install-worker.sh: prints what it would install.
set -o errexit -o nounset -o pipefail
echo "install-worker.sh: Kubernetes ${KUBERNETES_VERSION} (${KUBERNETES_BUILD_DATE}), containerd ${CONTAINERD_VERSION}"
ls /usr/bin/bootstrap.sh > /dev/null 2>&1 || true
