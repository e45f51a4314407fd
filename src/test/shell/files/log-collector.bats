#!/usr/bin/env bats
# files/log-collector-script/eks-log-collector.sh, run with /etc, /var, /usr and /tmp behind overlays
# (the build-time tests' root_run) and every node command it asks stubbed.

load ../scripts/test_helper

# root_run's in_root.sh lives beside the build-time tests.
# shellcheck disable=SC2034 # read by root_run in test_helper.bash
HELPER_DIR="$BATS_TEST_DIRNAME/../scripts"
COLLECTOR="$(cd "$BATS_TEST_DIRNAME/../../../.." && pwd)/files/log-collector-script/eks-log-collector.sh"

setup() {
  common_setup
  export INSTANCE_ID=i-0123456789abcdef0
  stub imds 'echo "$INSTANCE_ID"'
  stub journalctl 'echo "journal of $*"'
  stub kubelet 'echo "Kubernetes v1.24.10-eks-48e63af"'
  stub containerd 'echo "version = 2"'
  stub ctr 'echo "ctr listing"'
  stub curl 'echo "{\"from\":\"${*: -1}\"}"'
  local name
  for name in iptables-save ip6tables-save ip ipvsadm conntrack sysctl dmesg yum; do
    stub "$name" "echo '$name output'"
  done
  # A node with a few logs and configs; whatever the host has under /var/log is hidden.
  cat > "$SCRATCH/seed.sh" << 'EOF'
rm -rf /var/log/* /etc/kubernetes /etc/cni
mkdir -p /var/log/aws-routed-eni /var/log/pods/ns_pod_uid/app /var/log/containers /etc/kubernetes/kubelet /etc/cni/net.d
echo "ipamd line" > /var/log/aws-routed-eni/ipamd.log
echo "app line" > /var/log/pods/ns_pod_uid/app/0.log
ln -s /var/log/pods/ns_pod_uid/app/0.log /var/log/containers/pod_ns_app-1.log
echo "boot messages" > /var/log/messages
echo '{"kind":"KubeletConfiguration"}' > /etc/kubernetes/kubelet/kubelet-config.json
echo '{"cniVersion":"0.4.0"}' > /etc/cni/net.d/10-aws.conflist
EOF
}

teardown() {
  common_teardown
}

# The tarball is written under /tmp inside the namespace, which is gone afterwards: unpack it there.
collect() {
  rm -rf "$SCRATCH/out" "$SCRATCH/unpacked" "$SCRATCH/ovl"
  run root_run bash -c 'OUTPUT_DIR="$1/out" "$2" "${@:3}" && mkdir -p "$1/unpacked" \
    && tar -xzf "$1"/out/*.tar.gz -C "$1/unpacked"' collect "$SCRATCH" "$COLLECTOR" "$@"
  BUNDLE="$SCRATCH/unpacked/eks-log-collector"
}

@test "the shipped files/ tree puts the collector where install-worker.sh looks for it" {
  [ -x "$COLLECTOR" ]
  grep -q 'LOG_COLLECTOR="log-collector-script/eks-log-collector.sh"' "$SCRIPTS_DIR/install-worker.sh"
}

@test "collects journals, logs, kubelet, runtime, networking and CNI state into one named tarball" {
  collect
  [ "$status" -eq 0 ]
  local archive="${lines[-1]}"
  [[ "$archive" =~ ^$SCRATCH/out/eks_i-0123456789abcdef0_[0-9]{4}-[0-9]{2}-[0-9]{2}_[0-9]{4}-UTC_1\.0\.0\.tar\.gz$ ]]
  [ "$(cat "$BUNDLE/journal/kubelet.log")" = "journal of --no-pager --unit kubelet" ]
  [ "$(cat "$BUNDLE/journal/containerd.log")" = "journal of --no-pager --unit containerd" ]
  [ "$(cat "$BUNDLE/var_log/var/log/aws-routed-eni/ipamd.log")" = "ipamd line" ]
  # container log links are copied as the files they point to
  [ "$(cat "$BUNDLE/var_log/var/log/containers/pod_ns_app-1.log")" = "app line" ]
  [ ! -L "$BUNDLE/var_log/var/log/containers/pod_ns_app-1.log" ]
  [ "$(cat "$BUNDLE/var_log/var/log/messages")" = "boot messages" ]
  [ "$(cat "$BUNDLE/kubelet/version.txt")" = "Kubernetes v1.24.10-eks-48e63af" ]
  [ -f "$BUNDLE/kubelet/etc/kubernetes/kubelet/kubelet-config.json" ]
  [ "$(cat "$BUNDLE/containerd/config-dump.toml")" = "version = 2" ]
  [ "$(cat "$BUNDLE/networking/iptables.txt")" = "iptables-save output" ]
  [ -f "$BUNDLE/networking/etc/cni/net.d/10-aws.conflist" ]
  [ "$(cat "$BUNDLE/cni/enis.json")" = '{"from":"http://localhost:61679/v1/enis"}' ]
  [ "$(cat "$BUNDLE/cni/metrics.txt")" = '{"from":"http://localhost:61678/metrics"}' ]
  assert_called "ctr --namespace k8s.io containers list"
}

@test "--ignore_introspection and --ignore_metrics skip the CNI endpoints" {
  collect --ignore_introspection=true --ignore_metrics=true
  [ "$status" -eq 0 ]
  refute_called_matching '^curl'
  [ ! -e "$BUNDLE/cni/enis.json" ]
  [ ! -e "$BUNDLE/cni/metrics.txt" ]
  [ -f "$BUNDLE/journal/kubelet.log" ]
}

@test "a command missing on the node is noted in the bundle, not a failure" {
  rm "$STUBS/ipvsadm"
  collect
  [ "$status" -eq 0 ]
  # only checkable where the test host has no ipvsadm of its own
  if ! command -v ipvsadm > /dev/null; then
    [ "$(cat "$BUNDLE/networking/ipvsadm.txt")" = "ipvsadm: not installed on this node" ]
  fi
  stub journalctl 'echo "No journal files were found." >&2; exit 1'
  collect
  [ "$status" -eq 0 ]
  assert_file_contains "$BUNDLE/journal/kubelet.log" "No journal files were found."
  assert_file_contains "$BUNDLE/journal/kubelet.log" "exited with status 1"
}

@test "without a usable instance id the tarball is still written" {
  stub imds 'exit 1'
  collect
  [ "$status" -eq 0 ]
  [[ "${lines[-1]}" == "$SCRATCH/out/eks_unknown-instance_"* ]]
}

@test "bad options and a non-root user fail with a message" {
  run "$COLLECTOR" --ignore_metrics=maybe
  [ "$status" -eq 1 ]
  assert_output_contains "--ignore_metrics takes true or false, not 'maybe'"
  run "$COLLECTOR" --verbose
  [ "$status" -eq 1 ]
  assert_output_contains "unknown argument '--verbose'"
  stub id 'echo 1000'
  run "$COLLECTOR"
  [ "$status" -eq 1 ]
  assert_output_contains "run this as root"
  run "$COLLECTOR" --help
  [ "$status" -eq 0 ]
  assert_output_contains "usage: eks-log-collector.sh [--ignore_introspection=true|false]"
}

@test "COLLECT_DIR must not be / or a top-level directory" {
  COLLECT_DIR=/ run "$COLLECTOR"
  [ "$status" -eq 1 ]
  assert_output_contains "COLLECT_DIR must be an absolute path at least two levels deep"
  COLLECT_DIR=/tmp run "$COLLECTOR"
  [ "$status" -eq 1 ]
}
