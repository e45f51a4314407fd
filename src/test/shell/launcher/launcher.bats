#!/usr/bin/env bats
# bin/ami-builder's class-data-sharing layers, with a stand-in `java` that records its arguments and
# plays the JVM's part: it writes the archive named by -XX:ArchiveClassesAtExit, and the build's
# marker when STUB_BUILD_OK=1 (a build that ended with exit 0).

setup() {
  HOME_DIR="${BATS_TEST_TMPDIR}/install"
  mkdir -p "${HOME_DIR}/bin" "${HOME_DIR}/target" "${HOME_DIR}/src/main" "${BATS_TEST_TMPDIR}/stubs"
  cp "${BATS_TEST_DIRNAME}/../../../../bin/ami-builder" "${HOME_DIR}/bin/"
  touch "${HOME_DIR}/pom.xml"
  touch -d '2024-01-01' "${HOME_DIR}/pom.xml" "${HOME_DIR}/src/main"
  touch -d '2024-02-01' "${HOME_DIR}/target/ami-builder.jar"
  touch -d '2024-03-01' "${HOME_DIR}/target/ami-builder.jsa"
  ARGS="${BATS_TEST_TMPDIR}/java.args"
  cat > "${BATS_TEST_TMPDIR}/stubs/java" << 'STUB'
#!/usr/bin/env bash
printf '%s\n' "$@" > "${ARGS}"
for a in "$@"; do
  case "$a" in
    -XX:ArchiveClassesAtExit=*) echo layer > "${a#*=}" ;;
    -Damibuilder.cds.marker=*) [[ "${STUB_BUILD_OK:-}" == 1 ]] && : > "${a#*=}" ;;
  esac
done
exit 0
STUB
  chmod +x "${BATS_TEST_TMPDIR}/stubs/java"
  export ARGS PATH="${BATS_TEST_TMPDIR}/stubs:${PATH}"
  TOP="${HOME_DIR}/target/ami-builder-build.jsa"
}

launch() {
  "${HOME_DIR}/bin/ami-builder" "$@"
}

# Fails when the last run's JVM got an argument starting with $1 (a bare `! grep` mid-test would not fail it).
refute_arg() {
  if grep -q -- "^$1" "${ARGS}"; then
    echo "unexpected JVM argument: $(grep -- "^$1" "${ARGS}")" >&2
    return 1
  fi
}

# Fails when the last run was asked to record the layer.
refute_recording() {
  if grep -q ArchiveClassesAtExit "${ARGS}"; then
    echo "the last run records a layer: $(grep ArchiveClassesAtExit "${ARGS}")" >&2
    return 1
  fi
}

@test "the first k8s build records the layer under its pid, with a marker for a successful build" {
  STUB_BUILD_OK=1 launch k8s 1.23
  grep -q "^-XX:ArchiveClassesAtExit=${TOP}.rec.[0-9]*$" "${ARGS}"
  grep -q "^-Damibuilder.cds.marker=${TOP}.ok.[0-9]*$" "${ARGS}"
  grep -qx -- "-XX:SharedArchiveFile=${HOME_DIR}/target/ami-builder.jsa" "${ARGS}"
  grep -qx -- "-XX:ArchiveRelocationMode=0" "${ARGS}"
  [ "$(find "${HOME_DIR}/target" -name 'ami-builder-build.jsa.rec.*' | wc -l)" -eq 1 ]
  [ "$(find "${HOME_DIR}/target" -name 'ami-builder-build.jsa.ok.*' | wc -l)" -eq 1 ]
}

@test "the next run adopts a finished recording and maps both layers, recording nothing" {
  STUB_BUILD_OK=1 launch k8s 1.23
  launch --help
  [ -f "${TOP}" ]
  grep -qx -- "-XX:SharedArchiveFile=${HOME_DIR}/target/ami-builder.jsa:${TOP}" "${ARGS}"
  [ -z "$(find "${HOME_DIR}/target" -name 'ami-builder-build.jsa.*')" ]
  launch k8s 1.24
  refute_recording
}

@test "a recording without its marker (the build failed) is dropped and the next build records again" {
  launch k8s 1.23
  [ "$(find "${HOME_DIR}/target" -name 'ami-builder-build.jsa.rec.*' | wc -l)" -eq 1 ]
  launch validate 1.23
  [ ! -f "${TOP}" ]
  [ -z "$(find "${HOME_DIR}/target" -name 'ami-builder-build.jsa.*')" ]
  refute_recording
  launch k8s 1.23
  grep -q ArchiveClassesAtExit "${ARGS}"
}

@test "only a k8s run records; a recording still running is left alone and not doubled" {
  launch validate 1.23
  refute_recording
  sleep 30 &
  local live=$!
  echo partial > "${TOP}.rec.${live}"
  launch k8s 1.23
  kill "${live}"
  refute_recording
  [ -f "${TOP}.rec.${live}" ]
}

@test "a layer older than the static archive is dropped" {
  echo old > "${TOP}"
  touch -d '2024-02-15' "${TOP}"
  launch --help
  [ ! -f "${TOP}" ]
  grep -qx -- "-XX:SharedArchiveFile=${HOME_DIR}/target/ami-builder.jsa" "${ARGS}"
}

@test "AMI_BUILDER_JAVA_OPTS are passed after the launcher's own options, split on spaces" {
  AMI_BUILDER_JAVA_OPTS="-Xlog:gc:file=/tmp/x.log  -Dsome.flag=1" launch --version
  local own user
  own="$(grep -n -- '-XX:+UseSerialGC' "${ARGS}" | cut -d: -f1)"
  user="$(grep -n -- '-Xlog:gc:file=/tmp/x.log' "${ARGS}" | cut -d: -f1)"
  [[ -n "$own" && -n "$user" && "$user" -gt "$own" ]]
  grep -qx -- '-Dsome.flag=1' "${ARGS}"
  [[ "$(tail -1 "${ARGS}")" == "--version" ]]
}

@test "a young generation a build fits in where memory allows, none when the options size the heap" {
  launch --version
  local kb
  kb="$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)"
  if ((kb >= 2 * 1024 * 1024)); then
    grep -qx -- '-Xmn256m' "${ARGS}"
  else
    refute_arg '-Xmn'
  fi
  AMI_BUILDER_JAVA_OPTS="-Xmx200m" launch --version
  refute_arg '-Xmn256m'
  grep -qx -- '-Xmx200m' "${ARGS}"
  AMI_BUILDER_JAVA_OPTS="-XX:MaxHeapSize=200m" launch --version
  refute_arg '-Xmn256m'
  JAVA_TOOL_OPTIONS="-Xmx256m" launch --version
  refute_arg '-Xmn256m'
}
