# Sourced by every generated stub (see stubs.bash); runs inside the stubbed command's process.

stub_record() {
  local name="$1"
  shift
  printf '%s\n' "${name}${*:+ $*}" >> "${STUB_LOG}"
}

# Pops the next scripted exit status for KEY; 0 once the script is exhausted.
next_status() {
  local file="${STUB_STATE}/$1.statuses"
  local status=0
  if [[ -s "${file}" ]]; then
    status="$(head -n 1 "${file}")"
    sed -i 1d "${file}"
  fi
  echo "${status}"
}

stub_state_file() {
  echo "${STUB_STATE}/$1"
}
