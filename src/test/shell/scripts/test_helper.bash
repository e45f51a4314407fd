# Shared set-up for the build-time script tests: a scratch directory under /tmp, recording stubs
# first on PATH, and root_run, which runs a command with /etc, /usr, /opt, /var, /home and /root
# behind overlays in a private mount namespace (see in_root.sh), so nothing reaches the real system.

# shellcheck disable=SC2034 # used by the .bats files that load this helper
SCRIPTS_DIR="$(cd "$BATS_TEST_DIRNAME/../../../../scripts" && pwd)"
HELPER_DIR="$BATS_TEST_DIRNAME"

common_setup() {
  SCRATCH="$(mktemp -d /tmp/node-scripts-test.XXXXXX)"
  STUBS="$SCRATCH/stubs"
  CALLS="$SCRATCH/calls.log"
  export SCRATCH STUBS CALLS
  mkdir -p "$STUBS"
  : > "$CALLS"
  unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE INSTALL_DOCKER
  unset ECR_URI KUBE_PROXY_VERSIONS VPC_CNI_VERSIONS IMAGE_TAG_REGIONS SONOBUOY_E2E_REGISTRY
  export USER=ec2-user
  stub sudo 'exec "$@"'
  stub vercmp "$(vercmp_body)"
  export PATH="$STUBS:$PATH"
}

common_teardown() {
  if [[ -n "${SCRATCH:-}" && "$SCRATCH" == /tmp/node-scripts-test.* ]]; then
    rm -rf "$SCRATCH"
  fi
}

# stub NAME [BODY]: a command that appends "NAME ARGS..." to $CALLS, then runs BODY.
stub() {
  local name="$1" body="${2:-}"
  {
    echo '#!/usr/bin/env bash'
    echo "printf '%s\\n' \"$name \$*\" >> \"\$CALLS\""
    echo "$body"
  } > "$STUBS/$name"
  chmod +x "$STUBS/$name"
}

# A stand-in for files/bin/vercmp built on sort -V.
vercmp_body() {
  cat << 'EOF'
a="$1" op="$2" b="$3"
if [[ "$a" == "$b" ]]; then c=0
elif [[ "$(printf '%s\n%s\n' "$a" "$b" | sort -V | head -n 1)" == "$a" ]]; then c=-1
else c=1; fi
case "$op" in
  lt) ((c < 0)) ;; lteq) ((c <= 0)) ;; eq) ((c == 0)) ;; gteq) ((c >= 0)) ;; gt) ((c > 0)) ;;
  *) exit 2 ;;
esac && { echo true; exit 0; }
echo false
exit 1
EOF
}

root_run() {
  unshare -m --propagation private "$HELPER_DIR/in_root.sh" "$SCRATCH" "$@"
}

# upper PATH: where a file written to PATH inside root_run ends up.
upper() {
  local path="${1#/}" top
  top="${path%%/*}"
  echo "$SCRATCH/ovl/$top/u/${path#"$top"/}"
}

assert_called() {
  if ! grep -Fxq -- "$1" "$CALLS"; then
    echo "expected call: $1" >&2
    echo "--- calls:" >&2
    cat "$CALLS" >&2
    return 1
  fi
}

refute_called_matching() {
  if grep -Eq -- "$1" "$CALLS"; then
    echo "unexpected call matching: $1" >&2
    grep -E -- "$1" "$CALLS" >&2
    return 1
  fi
}

# call_line TEXT: line number of the first call equal to TEXT (for ordering checks).
call_line() {
  grep -Fxn -- "$1" "$CALLS" | head -n 1 | cut -d: -f1
}

assert_output_contains() {
  # shellcheck disable=SC2154 # bats' run sets output
  if [[ "$output" != *"$1"* ]]; then
    echo "expected output to contain: $1" >&2
    echo "--- output:" >&2
    echo "$output" >&2
    return 1
  fi
}

assert_file_contains() {
  if ! grep -Fq -- "$2" "$1"; then
    echo "expected $1 to contain: $2" >&2
    cat "$1" >&2 2> /dev/null || echo "(missing)" >&2
    return 1
  fi
}
