#!/usr/bin/env bash
# Benchmark stand-in for generate-version-info.sh: writes the file the template downloads.
set -o errexit -o nounset -o pipefail
echo '{"kernel":"stand-in"}' > "$1"
