#!/usr/bin/env bats
# cleanup.sh: yum caches cleaned and every host-specific path removed; machine-id left empty.

load test_helper

REMOVED=(
  /tmp/worker/bootstrap.sh /etc/hostname /etc/resolv.conf /etc/ssh/ssh_host_rsa_key
  /etc/ssh/ssh_host_rsa_key.pub /home/ec2-user/.ssh/authorized_keys /root/.ssh/authorized_keys
  /var/lib/cloud/data /var/lib/cloud/instance /var/lib/cloud/instances /var/lib/cloud/sem
  /var/lib/dhclient/dhclient--eth0.lease /var/lib/dhcp/dhclient.eth0.leases /var/lib/yum/history
  /var/log/cloud-init-output.log /var/log/cloud-init.log /var/log/secure /var/log/wtmp
  /var/log/messages /tmp/imds-tokens/1700000000 /var/cache/yum/x86_64/2/repomd.xml
)
KEPT=(/etc/ssh/sshd_config /var/lib/cloud/scripts/keep /var/log/kept.log /home/ec2-user/.bashrc)

setup() {
  common_setup
  stub yum
  local path
  : > "$SCRATCH/seed.sh"
  for path in "${REMOVED[@]}" "${KEPT[@]}" /etc/machine-id; do
    printf 'mkdir -p "$(dirname %q)" && echo data > %q\n' "$path" "$path" >> "$SCRATCH/seed.sh"
  done
}

teardown() {
  common_teardown
}

# Runs cleanup.sh in the isolated root, then reports what exists afterwards.
run_cleanup() {
  local checks="$SCRATCH/checks.sh" path
  {
    echo "\"$SCRIPTS_DIR/cleanup.sh\" || exit \$?"
    for path in "${REMOVED[@]}" /tmp/worker /tmp/imds-tokens /var/cache/yum; do
      echo "[ -e $path ] && echo \"LEFT $path\""
    done
    for path in "${KEPT[@]}"; do
      echo "[ -e $path ] || echo \"LOST $path\""
    done
    echo '[ -f /etc/machine-id ] && [ ! -s /etc/machine-id ] && echo "MACHINE-ID EMPTY"'
    echo 'true'
  } > "$checks"
  run root_run bash "$checks"
}

@test "removes every host-specific path and keeps the rest" {
  run_cleanup
  [ "$status" -eq 0 ]
  [[ "$output" != *LEFT* ]]
  [[ "$output" != *LOST* ]]
}

@test "recreates /etc/machine-id empty" {
  run_cleanup
  assert_output_contains "MACHINE-ID EMPTY"
}

@test "cleans the yum caches" {
  run_cleanup
  assert_called "yum clean all"
}

@test "a missing path is not an error" {
  : > "$SCRATCH/seed.sh"
  run_cleanup
  [ "$status" -eq 0 ]
  assert_output_contains "cleanup.sh: done"
}

@test "each listed path is removed on its own" {
  local path
  for path in "${REMOVED[@]}"; do
    rm -rf "$SCRATCH/ovl"
    printf 'mkdir -p "$(dirname %q)" && echo data > %q\n' "$path" "$path" > "$SCRATCH/seed.sh"
    run_cleanup
    [ "$status" -eq 0 ]
    [[ "$output" != *"LEFT $path"* ]] || {
      echo "left: $path"
      return 1
    }
  done
}
