# Stub commands for bats tests: executables placed first on PATH that record each call.
#   stub_init DIR            create DIR/bin (prepended to PATH), DIR/calls.log and DIR/state
#   stub NAME [BODY]         create a stub; BODY is bash run after the call is recorded (default: exit 0).
#                            BODY may call `next_status KEY` (pops the next scripted exit status, default 0)
#                            and `stub_state_file KEY` (path of a per-test data file).
#   stub_statuses KEY S...   script the exit statuses `next_status KEY` hands out, in order
#   stub_calls [NAME]        print the recorded calls ("NAME ARGS..."), optionally of one command only
#   stub_call_count NAME     number of recorded calls of NAME

STUBS_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

stub_init() {
  STUB_DIR="$1"
  STUB_BIN="${STUB_DIR}/bin"
  STUB_LOG="${STUB_DIR}/calls.log"
  STUB_STATE="${STUB_DIR}/state"
  mkdir -p "${STUB_BIN}" "${STUB_STATE}"
  : > "${STUB_LOG}"
  PATH="${STUB_BIN}:${PATH}"
  export STUB_DIR STUB_BIN STUB_LOG STUB_STATE PATH
}

stub() {
  local name="$1"
  local body="${2:-exit 0}"
  {
    echo '#!/usr/bin/env bash'
    echo "source '${STUBS_LIB_DIR}/stub_runtime.bash'"
    echo "stub_record '${name}' \"\$@\""
    printf '%s\n' "${body}"
  } > "${STUB_BIN}/${name}"
  chmod +x "${STUB_BIN}/${name}"
}

stub_statuses() {
  local key="$1"
  shift
  printf '%s\n' "$@" > "${STUB_STATE}/${key}.statuses"
}

stub_calls() {
  if [[ $# -eq 0 ]]; then
    cat "${STUB_LOG}"
  else
    awk -v name="$1" '$1 == name' "${STUB_LOG}"
  fi
}

stub_call_count() {
  stub_calls "$1" | wc -l | tr -d ' '
}
