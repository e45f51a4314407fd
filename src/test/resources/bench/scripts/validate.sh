#!/usr/bin/env bash
# Benchmark stand-in for validate.sh.
set -o errexit -o nounset -o pipefail
echo "validate.sh: Kubernetes ${KUBERNETES_VERSION}"
