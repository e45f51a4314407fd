#!/usr/bin/env bats
# upgrade_kernel.sh: kernel choice per Kubernetes version, install command per kernel, psi, reboot.

load test_helper

setup() {
  common_setup
  stub yum
  stub amazon-linux-extras
  stub grubby
  stub reboot
  unset KERNEL_VERSION KUBERNETES_VERSION
}

teardown() {
  common_teardown
}

@test "empty kernel on 1.24 installs 5.10" {
  KERNEL_VERSION="" KUBERNETES_VERSION=1.24.10 run "$SCRIPTS_DIR/upgrade_kernel.sh"
  [ "$status" -eq 0 ]
  assert_called "amazon-linux-extras install -y kernel-5.10"
  assert_output_contains "using 5.10 for Kubernetes 1.24.10"
}

@test "empty kernel on 1.25 installs 5.10" {
  KUBERNETES_VERSION=1.25.6 run "$SCRIPTS_DIR/upgrade_kernel.sh"
  [ "$status" -eq 0 ]
  assert_called "amazon-linux-extras install -y kernel-5.10"
}

@test "empty kernel below 1.24 installs 5.4" {
  local version
  for version in 1.21.14 1.22.17 1.23.16; do
    : > "$CALLS"
    KERNEL_VERSION="" KUBERNETES_VERSION=$version run "$SCRIPTS_DIR/upgrade_kernel.sh"
    [ "$status" -eq 0 ]
    assert_called "amazon-linux-extras install -y kernel-5.4"
    refute_called_matching 'kernel-5.10'
  done
}

@test "4.14 updates the stock kernel with yum" {
  KERNEL_VERSION=4.14 KUBERNETES_VERSION=1.23.16 run "$SCRIPTS_DIR/upgrade_kernel.sh"
  [ "$status" -eq 0 ]
  assert_called "yum update -y kernel"
  refute_called_matching '^amazon-linux-extras'
}

@test "an explicit kernel wins over the Kubernetes default" {
  KERNEL_VERSION=5.4 KUBERNETES_VERSION=1.25.6 run "$SCRIPTS_DIR/upgrade_kernel.sh"
  [ "$status" -eq 0 ]
  assert_called "amazon-linux-extras install -y kernel-5.4"
  KERNEL_VERSION=5.10 KUBERNETES_VERSION=1.21.14 run "$SCRIPTS_DIR/upgrade_kernel.sh"
  assert_called "amazon-linux-extras install -y kernel-5.10"
}

@test "enables psi and reboots last" {
  KERNEL_VERSION=5.10 run "$SCRIPTS_DIR/upgrade_kernel.sh"
  [ "$status" -eq 0 ]
  assert_called "grubby --update-kernel=ALL --args=psi=1"
  [ "$(tail -n 1 "$CALLS")" = "reboot " ]
  [ "$(call_line "amazon-linux-extras install -y kernel-5.10")" -lt "$(call_line "grubby --update-kernel=ALL --args=psi=1")" ]
}

@test "no kernel and no Kubernetes version is an error, nothing installed" {
  run "$SCRIPTS_DIR/upgrade_kernel.sh"
  [ "$status" -eq 1 ]
  assert_output_contains "upgrade_kernel.sh: KUBERNETES_VERSION is required when KERNEL_VERSION is empty"
  [ ! -s "$CALLS" ]
}

@test "a later line installs from its extras topic" {
  KERNEL_VERSION=5.15 run "$SCRIPTS_DIR/upgrade_kernel.sh"
  [ "$status" -eq 0 ]
  assert_called "amazon-linux-extras install -y kernel-5.15"
  refute_called_matching 'versionlock'
}

@test "a full release enables its line's topic and installs exactly that build" {
  KERNEL_VERSION=5.10.239-236.958 KUBERNETES_VERSION=1.28.5 run "$SCRIPTS_DIR/upgrade_kernel.sh"
  [ "$status" -eq 0 ]
  assert_called "amazon-linux-extras enable kernel-5.10"
  assert_called "yum install -y kernel-5.10.239-236.958*"
  refute_called_matching '^amazon-linux-extras install'
  [ "$(call_line "amazon-linux-extras enable kernel-5.10")" -lt "$(call_line "yum install -y kernel-5.10.239-236.958*")" ]
  assert_called "yum install -y yum-plugin-versionlock"
  assert_called "yum versionlock kernel-5.10.239-236.958*"
  [ "$(call_line "yum install -y kernel-5.10.239-236.958*")" -lt "$(call_line "yum versionlock kernel-5.10.239-236.958*")" ]
  [ "$(tail -n 1 "$CALLS")" = "reboot " ]
}

@test "a full 4.14 release comes from the stock repositories" {
  KERNEL_VERSION=4.14.355-280.714.amzn2 run "$SCRIPTS_DIR/upgrade_kernel.sh"
  [ "$status" -eq 0 ]
  assert_called "yum install -y kernel-4.14.355-280.714.amzn2*"
  refute_called_matching '^amazon-linux-extras'
}

@test "the release glob reaches yum unexpanded, whatever lies in the working directory" {
  mkdir -p "$SCRATCH/cwd"
  touch "$SCRATCH/cwd/kernel-5.10.239-236.958.rpm"
  cd "$SCRATCH/cwd"
  KERNEL_VERSION=5.10.239-236.958 run "$SCRIPTS_DIR/upgrade_kernel.sh"
  [ "$status" -eq 0 ]
  assert_called "yum install -y kernel-5.10.239-236.958*"
}

@test "a value that is no kernel version fails before anything is installed" {
  local value
  for value in abc 5 '5.10;reboot' '5.10.1 x'; do
    : > "$CALLS"
    KERNEL_VERSION=$value run "$SCRIPTS_DIR/upgrade_kernel.sh"
    [ "$status" -eq 1 ]
    assert_output_contains "upgrade_kernel.sh: KERNEL_VERSION '$value' is not a kernel line"
    [ ! -s "$CALLS" ]
  done
}
