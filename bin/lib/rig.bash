# shellcheck shell=bash
# Sourced by bin/benchmark and bin/soak: runs one test class on the test rig through failsafe and prints the
# report the class writes. The caller defines die MESSAGE.

# rig_run ROOT CLASS REPORT_PROPERTY [MAVEN_ARGS...]: packages the jar (so child-process builds run the current
# code) and runs CLASS through failsafe with moto from .rig/venv and -DREPORT_PROPERTY=<a temporary file>. No
# coverage agent and no format check: neither is what these runs are for. Prints the report when the class wrote
# one, else the last 60 lines of Maven's output; returns Maven's status.
rig_run() {
  local root="$1" class="$2" property="$3" report status=0
  shift 3
  [[ -x "$root/.rig/venv/bin/moto_server" ]] \
    || die "no moto in $root/.rig/venv; run bin/run-tests once to set up the rig"
  report="$(mktemp)"
  # shellcheck disable=SC2064 # expand now: the trap outlives this function's locals
  trap "rm -f '$report' '$report.log'" EXIT
  mvn -B -q -f "$root/pom.xml" verify -Dit.test="$class" -Dtest=none \
    -Djacoco.skip=true -Dspotless.check.skip=true -Dsurefire.failIfNoSpecifiedTests=false \
    -D"$property"="$report" -Damibuilder.moto="$root/.rig/venv/bin/moto_server" "$@" > "$report.log" 2>&1 \
    || status=$?
  if [[ -s "$report" ]]; then
    cat "$report"
  elif ((status != 0)); then
    tail -n 60 "$report.log" >&2
  fi
  return "$status"
}
