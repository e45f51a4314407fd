#!/usr/bin/env bats
# generate-version-info.sh: argument handling and the JSON shape, from stubbed rpm, kubelet, aws, ctr.

load test_helper

setup() {
  common_setup
  stub rpm "printf '%s\\t%s\\n' kernel 5.10.165-143.735.amzn2 containerd 1.6.6-1.amzn2.0.2 \
    aws-cfn-bootstrap 2.0-6.amzn2 kernel 5.10.167-147.601.amzn2"
  stub kubelet 'echo "Kubernetes v1.24.10-eks-48e63af"'
  stub aws 'echo "aws-cli/2.9.6 Python/3.9.11 Linux/5.10.165-143.735.amzn2.x86_64 exe/x86_64.amzn.2 prompt/off" >&2'
  stub ctr 'cat "$SCRATCH/images.txt"'
  cat > "$SCRATCH/images.txt" << 'IMAGES'
602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/pause:3.5
602401143452.dkr.ecr.eu-west-1.amazonaws.com/eks/pause:3.5
602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon-k8s-cni:v1.12.2
sha256:6270bb605e12e581514ada5fd5b3216f727db55dc87d5889c790e4c760683fee
602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/kube-proxy@sha256:0123456789abcdef
IMAGES
  OUT="$SCRATCH/version-info.json"
}

teardown() {
  common_teardown
}

@test "runs under /bin/sh" {
  [ "$(head -n 1 "$SCRIPTS_DIR/generate-version-info.sh")" = "#!/bin/sh" ]
  run sh "$SCRIPTS_DIR/generate-version-info.sh" "$OUT"
  [ "$status" -eq 0 ]
}

@test "needs exactly one argument" {
  run "$SCRIPTS_DIR/generate-version-info.sh"
  [ "$status" -eq 1 ]
  assert_output_contains "usage: generate-version-info.sh OUTPUT_FILE"
  run "$SCRIPTS_DIR/generate-version-info.sh" a b
  [ "$status" -eq 1 ]
}

@test "writes packages, binaries and images in the documented shape" {
  run "$SCRIPTS_DIR/generate-version-info.sh" "$OUT"
  [ "$status" -eq 0 ]
  [ "$(jq -c 'keys_unsorted' "$OUT")" = '["packages","binaries","images"]' ]
  [ "$(jq -c '.binaries' "$OUT")" = '{"kubelet":"v1.24.10-eks-48e63af","awscli":"2.9.6"}' ]
  # keys sorted; for a duplicate name the last one listed wins
  [ "$(jq -c '.packages' "$OUT")" = '{"aws-cfn-bootstrap":"2.0-6.amzn2","containerd":"1.6.6-1.amzn2.0.2","kernel":"5.10.167-147.601.amzn2"}' ]
  # registry host dropped, duplicates merged, digests dropped, sorted
  [ "$(jq -c '.images' "$OUT")" = '["amazon-k8s-cni:v1.12.2","eks/pause:3.5"]' ]
  assert_called "rpm --query --all --queryformat %{NAME}\t%{VERSION}-%{RELEASE}\n"
  assert_called "ctr -n k8s.io image ls -q"
}

@test "no cached images gives an empty array" {
  : > "$SCRATCH/images.txt"
  run "$SCRIPTS_DIR/generate-version-info.sh" "$OUT"
  [ "$status" -eq 0 ]
  [ "$(jq -c '.images' "$OUT")" = '[]' ]
}

@test "a failing command fails the script" {
  stub kubelet 'exit 3'
  run "$SCRIPTS_DIR/generate-version-info.sh" "$OUT"
  [ "$status" -ne 0 ]
  assert_output_contains "kubelet --version failed"
  stub kubelet 'echo "Kubernetes v1.24.10-eks-48e63af"'
  stub ctr 'exit 1'
  run "$SCRIPTS_DIR/generate-version-info.sh" "$OUT"
  [ "$status" -ne 0 ]
  assert_output_contains "ctr could not list the cached images"
}
