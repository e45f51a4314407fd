#!/usr/bin/env bats
# validate.sh: each leftover host-specific path fails the check; the running kernel must match the
# requested kernel or, when none was requested, the default upgrade_kernel.sh resolves.

load test_helper

LEFTOVERS=(
  /etc/hostname /etc/resolv.conf /etc/ssh/ssh_host_ed25519_key /home/ec2-user/.ssh/authorized_keys
  /root/.ssh/authorized_keys /var/lib/cloud/data /var/lib/cloud/instance /var/lib/cloud/instances
  /var/lib/cloud/sem /var/lib/dhclient/dhclient--eth0.lease /var/lib/dhcp/dhclient.leases
  /var/lib/yum/history /var/log/cloud-init-output.log /var/log/cloud-init.log /var/log/secure
  /var/log/wtmp
)

setup() {
  common_setup
  export UNAME_R=5.10.165-143.735.amzn2.x86_64
  stub uname 'echo "$UNAME_R"'
  unset KERNEL_VERSION KUBERNETES_VERSION
  # Start every test from a clean image: whatever the host has at these paths is hidden.
  {
    echo 'shopt -s nullglob'
    echo 'rm -rf /etc/hostname /etc/resolv.conf /etc/ssh/ssh_host* /home/ec2-user/.ssh/authorized_keys'
    echo 'rm -rf /root/.ssh/authorized_keys /var/lib/cloud/data /var/lib/cloud/instance /var/lib/cloud/instances'
    echo 'rm -rf /var/lib/cloud/sem /var/lib/dhclient/* /var/lib/dhcp/dhclient.* /var/lib/yum/history'
    echo 'rm -rf /var/log/cloud-init-output.log /var/log/cloud-init.log /var/log/secure /var/log/wtmp'
  } > "$SCRATCH/seed.sh"
}

teardown() {
  common_teardown
}

leave() {
  printf 'mkdir -p "$(dirname %q)" && touch %q\n' "$1" "$1" >> "$SCRATCH/seed.sh"
}

@test "a clean image with the requested kernel passes" {
  KERNEL_VERSION=5.10 run root_run "$SCRIPTS_DIR/validate.sh"
  [ "$status" -eq 0 ]
  assert_output_contains "kernel $UNAME_R matches the requested 5.10"
}

@test "/etc/machine-id and /var/log/messages are allowed" {
  leave /etc/machine-id
  leave /var/log/messages
  KERNEL_VERSION=5.10 run root_run "$SCRIPTS_DIR/validate.sh"
  [ "$status" -eq 0 ]
}

@test "each leftover path fails the check and is named" {
  local path base_seed
  base_seed="$(cat "$SCRATCH/seed.sh")"
  for path in "${LEFTOVERS[@]}"; do
    rm -rf "$SCRATCH/ovl"
    echo "$base_seed" > "$SCRATCH/seed.sh"
    leave "$path"
    KERNEL_VERSION=5.10 run root_run "$SCRIPTS_DIR/validate.sh"
    [ "$status" -eq 1 ] || {
      echo "not detected: $path"
      return 1
    }
    [ "$output" = "validate.sh: $path shouldn't exist" ]
  done
}

@test "several leftovers are all reported" {
  leave /etc/hostname
  leave /var/log/secure
  KERNEL_VERSION=5.10 run root_run "$SCRIPTS_DIR/validate.sh"
  [ "$status" -eq 1 ]
  assert_output_contains "/etc/hostname shouldn't exist"
  assert_output_contains "/var/log/secure shouldn't exist"
}

@test "a kernel mismatch fails" {
  KERNEL_VERSION=5.4 run root_run "$SCRIPTS_DIR/validate.sh"
  [ "$status" -eq 1 ]
  [ "$output" = "validate.sh: running kernel $UNAME_R is not the requested 5.4" ]
}

@test "a kernel line is a whole version prefix, not a string prefix" {
  UNAME_R=5.15.0-1.amzn2.x86_64 KERNEL_VERSION=5.1 run root_run "$SCRIPTS_DIR/validate.sh"
  [ "$status" -eq 1 ]
  UNAME_R=4.14.301-224.520.amzn2.x86_64 KERNEL_VERSION=4.14 run root_run "$SCRIPTS_DIR/validate.sh"
  [ "$status" -eq 0 ]
  UNAME_R=5.10.165-143.735.amzn2.x86_64 KERNEL_VERSION=5.10.165 run root_run "$SCRIPTS_DIR/validate.sh"
  [ "$status" -eq 0 ]
}

@test "a full kernel release must be the running build" {
  KERNEL_VERSION=5.10.165-143.735 run root_run "$SCRIPTS_DIR/validate.sh"
  [ "$status" -eq 0 ]
  assert_output_contains "kernel $UNAME_R matches the requested 5.10.165-143.735"
  KERNEL_VERSION=5.10.165-143.735.amzn2.x86_64 run root_run "$SCRIPTS_DIR/validate.sh"
  [ "$status" -eq 0 ]
  KERNEL_VERSION=5.10.239-236.958 run root_run "$SCRIPTS_DIR/validate.sh"
  [ "$status" -eq 1 ]
  [ "$output" = "validate.sh: running kernel $UNAME_R is not the requested 5.10.239-236.958" ]
  KERNEL_VERSION=5.10.165-143.73 run root_run "$SCRIPTS_DIR/validate.sh"
  [ "$status" -eq 1 ]
}

@test "empty kernel resolves to 5.10 for 1.24 and later" {
  KERNEL_VERSION="" KUBERNETES_VERSION=1.24.10 run root_run "$SCRIPTS_DIR/validate.sh"
  [ "$status" -eq 0 ]
  assert_output_contains "matches 5.10, the default for Kubernetes 1.24.10"
  UNAME_R=5.4.231-137.341.amzn2.x86_64 KERNEL_VERSION="" KUBERNETES_VERSION=1.25.6 run root_run "$SCRIPTS_DIR/validate.sh"
  [ "$status" -eq 1 ]
  [ "$output" = "validate.sh: running kernel 5.4.231-137.341.amzn2.x86_64 is not 5.10, the default for Kubernetes 1.25.6" ]
}

@test "empty kernel resolves to 5.4 below 1.24" {
  KERNEL_VERSION="" KUBERNETES_VERSION=1.23.16 run root_run "$SCRIPTS_DIR/validate.sh"
  [ "$status" -eq 1 ]
  assert_output_contains "is not 5.4, the default for Kubernetes 1.23.16"
  UNAME_R=5.4.231-137.341.amzn2.x86_64 KUBERNETES_VERSION=1.23.16 run root_run "$SCRIPTS_DIR/validate.sh"
  [ "$status" -eq 0 ]
}

@test "KUBERNETES_VERSION wins over the installed kubelet's version" {
  stub kubelet 'echo "Kubernetes v1.23.16-eks-48e63af"'
  KUBERNETES_VERSION=1.24.10 run root_run "$SCRIPTS_DIR/validate.sh"
  [ "$status" -eq 0 ]
  assert_output_contains "matches 5.10, the default for Kubernetes 1.24.10"
  refute_called_matching '^kubelet'
}

@test "only KERNEL_VERSION passed, and empty: the kubelet's version picks the default kernel" {
  # An upstream-shaped template passes KERNEL_VERSION alone to validate.sh.
  stub kubelet 'echo "Kubernetes v1.24.10-eks-48e63af"'
  KERNEL_VERSION="" run root_run "$SCRIPTS_DIR/validate.sh"
  [ "$status" -eq 0 ]
  assert_output_contains "matches 5.10, the default for Kubernetes 1.24.10 (from kubelet --version)"
  assert_called "kubelet --version"
  stub kubelet 'echo "Kubernetes v1.23.16-eks-48e63af"'
  KERNEL_VERSION="" run root_run "$SCRIPTS_DIR/validate.sh"
  [ "$status" -eq 1 ]
  [ "$output" = "validate.sh: running kernel $UNAME_R is not 5.4, the default for Kubernetes 1.23.16 (from kubelet --version)" ]
}

@test "empty kernel, no Kubernetes version and no usable kubelet is an error" {
  local message="validate.sh: KERNEL_VERSION and KUBERNETES_VERSION are empty and \`kubelet --version\` gave no version, so the expected kernel is unknown; pass KERNEL_VERSION or KUBERNETES_VERSION"
  stub kubelet 'exit 127'
  run root_run "$SCRIPTS_DIR/validate.sh"
  [ "$status" -eq 1 ]
  [ "$output" = "$message" ]
  stub kubelet 'echo "Kubernetes"'
  run root_run "$SCRIPTS_DIR/validate.sh"
  [ "$status" -eq 1 ]
  [ "$output" = "$message" ]
}
