#!/usr/bin/env bats
# bin/ami-builder's choice of JVM and its class-data-sharing layers, with a stand-in `java` in a
# stand-in JDK (a bin/java and a release file) that records its arguments and plays the JVM's part:
# it writes the archive of a -Xshare:dump, the one named by -XX:ArchiveClassesAtExit, the AOT
# configuration of -XX:AOTMode=record and the cache of -XX:AOTMode=create, and the build's marker
# when STUB_BUILD_OK=1 (a build that ended with exit 0).

setup() {
  HOME_DIR="${BATS_TEST_TMPDIR}/install"
  mkdir -p "${HOME_DIR}/bin" "${HOME_DIR}/target" "${HOME_DIR}/src/main"
  cp "${BATS_TEST_DIRNAME}/../../../../bin/ami-builder" "${HOME_DIR}/bin/"
  touch "${HOME_DIR}/pom.xml"
  touch -d '2024-01-01' "${HOME_DIR}/pom.xml" "${HOME_DIR}/src/main"
  touch -d '2024-02-01' "${HOME_DIR}/target/ami-builder.jar"
  touch -d '2024-03-01' "${HOME_DIR}/target/ami-builder.jsa"
  ARGS="${BATS_TEST_TMPDIR}/java.args"
  CALLS="${BATS_TEST_TMPDIR}/java.calls"
  JDK="$(fake_jdk jdk17 17.0.15 17.0.15+6-test)"
  # The archive above was made by this JDK.
  printf '%s %s\n' "$(readlink -f "${JDK}/bin/java")" 17.0.15+6-test > "${HOME_DIR}/target/ami-builder.jsa.jdk"
  export ARGS CALLS PATH="${JDK}/bin:${PATH}"
  unset JAVA_HOME
  TOP="${HOME_DIR}/target/ami-builder-build.jsa"
}

# fake_jdk NAME JAVA_VERSION JAVA_RUNTIME_VERSION: makes a stand-in JDK and prints its directory.
fake_jdk() {
  local dir="${BATS_TEST_TMPDIR}/$1"
  mkdir -p "${dir}/bin"
  printf 'IMPLEMENTOR="Test"\nJAVA_RUNTIME_VERSION="%s"\nJAVA_VERSION="%s"\n' "$3" "$2" > "${dir}/release"
  cat > "${dir}/bin/java" << 'STUB'
#!/usr/bin/env bash
printf '%s\n' "$@" > "${ARGS}"
echo "$0 $*" >> "${CALLS}"
dump=false
for a in "$@"; do
  [[ "$a" == -Xshare:dump ]] && dump=true
  [[ "$a" == -XX:DumpLoadedClassList=* && "${STUB_TRAINING_FAILS:-}" == 1 ]] && exit 1
done
for a in "$@"; do
  case "$a" in
    -XX:SharedArchiveFile=*) "$dump" && echo archive > "${a#*=}" ;;
    -XX:ArchiveClassesAtExit=*) echo layer > "${a#*=}" ;;
    -XX:AOTConfiguration=*) [[ " $* " == *" -XX:AOTMode=record "* ]] && echo configuration > "${a#*=}" ;;
    -XX:AOTCache=*) [[ " $* " == *" -XX:AOTMode=create "* ]] && echo cache > "${a#*=}" ;;
    -Damibuilder.cds.marker=*) [[ "${STUB_BUILD_OK:-}" == 1 ]] && : > "${a#*=}" ;;
  esac
done
exit 0
STUB
  chmod +x "${dir}/bin/java"
  echo "${dir}"
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

@test "JAVA_HOME's java runs before the one on PATH; under a JDK other than the archive's, the archive is made again" {
  STUB_BUILD_OK=1 launch k8s 1.23
  launch --help
  [ -f "${TOP}" ]
  local other
  other="$(fake_jdk jdk25 25.0.3 25.0.3+9-LTS)"
  : > "${CALLS}"
  JAVA_HOME="${other}" launch --help
  grep -q "^${other}/bin/java .*-XX:DumpLoadedClassList=" "${CALLS}"
  grep -q "^${other}/bin/java .*-Xshare:dump" "${CALLS}"
  [[ "$(tail -1 "${CALLS}")" == "${other}/bin/java "*" --help" ]]
  [ "$(cat "${HOME_DIR}/target/ami-builder.jsa.jdk")" == "$(readlink -f "${other}/bin/java") 25.0.3+9-LTS" ]
  [ "$(cat "${HOME_DIR}/target/ami-builder.jsa")" == archive ]
  [ ! -f "${TOP}" ]
  grep -qx -- "-XX:SharedArchiveFile=${HOME_DIR}/target/ami-builder.jsa" "${ARGS}"
  # The same JDK again: nothing is made.
  : > "${CALLS}"
  JAVA_HOME="${other}" launch --help
  [ "$(wc -l < "${CALLS}")" -eq 1 ]
}

@test "an update of the JDK in place (a new runtime version) makes the archive again" {
  launch --help
  [ "$(wc -l < "${CALLS}")" -eq 1 ]
  sed -i 's/17.0.15+6-test/17.0.16+8-test/' "${JDK}/release"
  : > "${CALLS}"
  launch --help
  grep -q -- "-Xshare:dump" "${CALLS}"
  grep -q " 17.0.16+8-test$" "${HOME_DIR}/target/ami-builder.jsa.jdk"
}

@test "an archive another JDK made is not mapped when this one fails to make its own" {
  echo "/some/other/jdk/bin/java 21.0.1+12" > "${HOME_DIR}/target/ami-builder.jsa.jdk"
  STUB_TRAINING_FAILS=1 launch --help
  grep -q -- "-XX:DumpLoadedClassList=" "${CALLS}"
  refute_arg '-XX:SharedArchiveFile'
  grep -q "^/some/other/jdk/bin/java " "${HOME_DIR}/target/ami-builder.jsa.jdk"
}

@test "a JAVA_HOME without bin/java is refused with exit 2, naming it" {
  run env JAVA_HOME="${BATS_TEST_TMPDIR}/nowhere" "${HOME_DIR}/bin/ami-builder" --help
  [ "$status" -eq 2 ]
  [[ "$output" == "ami-builder: JAVA_HOME is '${BATS_TEST_TMPDIR}/nowhere', which has no bin/java"* ]]
  [ ! -e "${CALLS}" ]
}

@test "a Java older than 17 is refused with exit 2 before anything is built or recorded" {
  local old
  old="$(fake_jdk jdk11 11.0.21 11.0.21+9)"
  run env JAVA_HOME="${old}" "${HOME_DIR}/bin/ami-builder" --help
  [ "$status" -eq 2 ]
  [[ "$output" == *"is Java 11.0.21; ami-builder needs Java 17 or newer"* ]]
  old="$(fake_jdk jdk8 1.8.0_392 1.8.0_392-b08)"
  run env PATH="${old}/bin:${PATH}" "${HOME_DIR}/bin/ami-builder" --help
  [ "$status" -eq 2 ]
  [[ "$output" == *"is Java 1.8.0_392; ami-builder needs Java 17 or newer"* ]]
  [ ! -e "${CALLS}" ]
}

@test "no java at all is refused with exit 2 and the way to get one" {
  local tools="${BATS_TEST_TMPDIR}/tools" t
  mkdir -p "${tools}"
  for t in bash dirname find readlink awk mv rm; do
    ln -s "$(command -v "$t")" "${tools}/$t"
  done
  run env PATH="${tools}" "${HOME_DIR}/bin/ami-builder" --help
  [ "$status" -eq 2 ]
  [[ "$output" == "ami-builder: no java on PATH: install a JDK 17 or newer"* ]]
}

# use_jdk NAME JAVA_VERSION JAVA_RUNTIME_VERSION: runs the launcher with that stand-in JDK, whose
# static archive is already made.
use_jdk() {
  JDK="$(fake_jdk "$@")"
  PATH="${JDK}/bin:${PATH}"
  printf '%s %s\n' "$(readlink -f "${JDK}/bin/java")" "$3" > "${HOME_DIR}/target/ami-builder.jsa.jdk"
  AOT="${HOME_DIR}/target/ami-builder-build.aot"
}

@test "on Java 25 the first k8s build records an AOT configuration under its pid, with a marker, instead of a layer" {
  use_jdk jdk25 25.0.3 25.0.3+9-LTS
  STUB_BUILD_OK=1 launch k8s 1.23
  grep -qx -- "-XX:AOTMode=record" "${ARGS}"
  grep -q "^-XX:AOTConfiguration=${AOT}.conf.[0-9]*$" "${ARGS}"
  grep -q "^-Damibuilder.cds.marker=${AOT}.ok.[0-9]*$" "${ARGS}"
  grep -qx -- "-XX:+DisplayVMOutputToStderr" "${ARGS}"
  refute_arg '-XX:SharedArchiveFile'
  refute_arg '-Damibuilder.sdk-warm-up'
  refute_recording
  [ "$(find "${HOME_DIR}/target" -name 'ami-builder-build.aot.conf.*' | wc -l)" -eq 1 ]
}

@test "on Java 25 the next run makes the cache from a finished recording; builds map it, other commands the static archive" {
  use_jdk jdk25 25.0.3 25.0.3+9-LTS
  STUB_BUILD_OK=1 launch k8s 1.23
  : > "${CALLS}"
  run launch --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"making the build's ahead-of-time cache"* ]]
  grep -q -- "-XX:AOTMode=create -XX:AOTConfiguration=${AOT}.conf.[0-9]* -XX:AOTCache=${AOT}.[0-9]* " "${CALLS}"
  [ "$(cat "${AOT}")" == cache ]
  [ -z "$(find "${HOME_DIR}/target" -name 'ami-builder-build.aot.*')" ]
  grep -qx -- "-XX:SharedArchiveFile=${HOME_DIR}/target/ami-builder.jsa" "${ARGS}"
  refute_arg '-XX:AOTCache'
  : > "${CALLS}"
  launch k8s 1.24
  [ "$(wc -l < "${CALLS}")" -eq 1 ]
  grep -qx -- "-XX:AOTCache=${AOT}" "${ARGS}"
  grep -qx -- "-Damibuilder.sdk-warm-up=off" "${ARGS}"
  refute_arg '-XX:SharedArchiveFile'
  refute_arg '-XX:AOTMode'
}

@test "on Java 25 a recording without its marker (the build failed) makes no cache, and the next build records again" {
  use_jdk jdk25 25.0.3 25.0.3+9-LTS
  launch k8s 1.23
  : > "${CALLS}"
  launch validate 1.23
  [ "$(wc -l < "${CALLS}")" -eq 1 ]
  [ ! -f "${AOT}" ]
  [ -z "$(find "${HOME_DIR}/target" -name 'ami-builder-build.aot.*')" ]
  launch k8s 1.23
  grep -qx -- "-XX:AOTMode=record" "${ARGS}"
}

@test "on Java 25 a cache older than the static archive is dropped, and so is a layer an older launcher left" {
  use_jdk jdk25 25.0.3 25.0.3+9-LTS
  echo old > "${AOT}"
  echo old > "${TOP}"
  touch -d '2024-02-15' "${AOT}"
  launch k8s 1.23
  [ ! -f "${AOT}" ]
  [ ! -f "${TOP}" ]
  grep -qx -- "-XX:AOTMode=record" "${ARGS}"
}

# Fails unless the last launch ran the JVM once, with no class-data archive or cache option.
assert_plain_run() {
  [ "$(wc -l < "${CALLS}")" -eq 1 ]
  refute_arg '-XX:SharedArchiveFile'
  refute_arg '-XX:ArchiveRelocationMode'
  refute_arg '-XX:AOT'
  refute_arg '-Damibuilder.cds.marker'
  refute_recording
}

@test "AMI_BUILDER_CDS=off records, makes and maps nothing, on Java 17 and on Java 25" {
  rm -f "${HOME_DIR}/target/ami-builder.jsa" "${HOME_DIR}/target/ami-builder.jsa.jdk"
  : > "${CALLS}"
  AMI_BUILDER_CDS=off STUB_BUILD_OK=1 launch k8s 1.23
  assert_plain_run
  [ -z "$(find "${HOME_DIR}/target" -name '*.jsa*' -o -name '*.aot*')" ]
  use_jdk jdk25 25.0.3 25.0.3+9-LTS
  touch -d '2024-03-01' "${HOME_DIR}/target/ami-builder.jsa"
  : > "${CALLS}"
  AMI_BUILDER_CDS=off STUB_BUILD_OK=1 launch k8s 1.23
  assert_plain_run
  AMI_BUILDER_CDS=auto STUB_BUILD_OK=1 launch k8s 1.23
  grep -qx -- "-XX:AOTMode=record" "${ARGS}"
}

@test "AMI_BUILDER_CDS with another value is refused with exit 2, naming the choices" {
  : > "${CALLS}"
  AMI_BUILDER_CDS=no run launch --help
  [ "$status" -eq 2 ]
  [ "$output" == "ami-builder: AMI_BUILDER_CDS is 'no'; use auto (the default) or off" ]
  [ ! -s "${CALLS}" ]
}
