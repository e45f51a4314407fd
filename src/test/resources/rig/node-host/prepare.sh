#!/usr/bin/env bash
#
# prepare.sh node FIXTURE
#   seeds the node's disk (the overlay upper layers) as a fresh Amazon Linux 2 build instance:
#   the stand-in commands, a plain shell rc for root, the files the node scripts edit, host-specific
#   files cleanup.sh must remove, a package database and the metadata service's answers.
# prepare.sh bucket FIXTURE KUBERNETES_VERSION BUILD_DATE CNI_PLUGIN_VERSION AUTHENTICATOR_VERSION
#   publishes the worker binaries to the fake binary bucket and the CNI plugins to the GitHub stand-in.
# Runs in the test JVM's (real) namespace and writes only below FIXTURE.

set -o errexit -o nounset -o pipefail

readonly STUBBED=(yum amazon-linux-extras package-cleanup rpm systemctl chkconfig grubby reboot
  shutdown sudo ctr containerd wget curl uname useradd groupadd usermod)

seed_node() {
  local fixture="$1" here name
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  local usr="$fixture/ovl/usr/u" etc="$fixture/ovl/etc/u" var="$fixture/ovl/var/u"
  mkdir -p "$usr/local/lib/node-host" "$usr/local/sbin"
  install -m 0755 "$here/stub" "$usr/local/lib/node-host/stub"
  echo "$fixture" > "$usr/local/lib/node-host/fixture-dir"
  for name in "${STUBBED[@]}"; do
    ln -sf ../lib/node-host/stub "$usr/local/sbin/$name"
  done

  # The host's root rc runs `pyenv init` (~90 ms per command); an instance's ec2-user has a plain one.
  mkdir -p "$fixture/ovl/root/u" "$fixture/ovl/home/u/ec2-user/.ssh"
  printf '# node host: plain shell, nothing to initialise\n' > "$fixture/ovl/root/u/.bashrc"
  cp "$fixture/ovl/root/u/.bashrc" "$fixture/ovl/root/u/.profile"
  echo "ssh-ed25519 AAAA-instance-launch-key" > "$fixture/ovl/home/u/ec2-user/.ssh/authorized_keys"

  mkdir -p "$etc/cloud" "$etc/sysconfig" "$etc/ssh"
  printf 'cloud_config_modules:\n - locale\n - package-update-upgrade-install\n - runcmd\n' \
    > "$etc/cloud/cloud.cfg"
  printf 'OPTIONS="--default-ulimit nofile=32768:65536"\nDAEMON_PIDFILE_TIMEOUT=10\n' > "$etc/sysconfig/docker"
  printf 'server 169.254.169.123 prefer iburst\n' > "$etc/chrony.conf"
  printf 'ip-10-0-0-1.us-west-2.compute.internal\n' > "$etc/hostname"
  printf 'nameserver 10.0.0.2\n' > "$etc/resolv.conf"
  printf 'instance-host-key\n' > "$etc/ssh/ssh_host_ed25519_key"

  mkdir -p "$var/lib/cloud/instances/i-0123456789abcdef0" "$var/lib/cloud/data" "$var/lib/dhclient" \
    "$var/lib/yum/history" "$var/log" "$var/lib/node-host" "$var/cache/yum"
  printf 'lease\n' > "$var/lib/dhclient/dhclient--eth0.lease"
  for name in cloud-init.log cloud-init-output.log secure wtmp messages; do
    printf 'boot log\n' > "$var/log/$name"
  done
  printf '%s\t%s\n' bash 4.2.46-34.amzn2 ec2-net-utils 1.7.3-1.amzn2 kernel 4.14.301-224.520.amzn2 \
    systemd 219-78.amzn2.0.21 yum 3.4.3-158.amzn2.0.6 > "$var/lib/node-host/rpmdb"

  mkdir -p "$fixture/clocksource" "$fixture/imds/latest/meta-data/services"
  echo xen > "$fixture/clocksource/current_clocksource"
  echo "xen tsc hpet acpi_pm" > "$fixture/clocksource/available_clocksource"
  echo ami-0source0000000000 > "$fixture/imds/latest/meta-data/ami-id"
  echo amazonaws.com > "$fixture/imds/latest/meta-data/services/domain"
  : > "$fixture/calls.log"

  # The AWS CLI v2 bundle: its installer puts the aws stand-in into --bin-dir.
  local bundle="$fixture/awscli-build"
  mkdir -p "$bundle/aws" "$fixture/downloads"
  cat > "$bundle/aws/install" << 'INSTALLER'
#!/usr/bin/env bash
set -o errexit -o nounset
bin_dir=/usr/local/bin
while (($#)); do
  [[ "$1" == --bin-dir ]] && bin_dir="$2"
  shift
done
echo "aws-installer --bin-dir $bin_dir" >> "$(cat /usr/local/lib/node-host/fixture-dir)/calls.log"
cp /usr/local/lib/node-host/stub "$bin_dir/aws"
INSTALLER
  chmod 0755 "$bundle/aws/install"
  (cd "$bundle" && zip -q -r "$fixture/downloads/awscli-exe-linux-x86_64.zip" aws)
}

# object DIR NAME CONTENT: an executable object and its .sha256 beside it.
object() {
  local dir="$1" name="$2" content="$3"
  printf '%s\n' "$content" > "$dir/$name"
  (cd "$dir" && sha256sum "$name" > "$name.sha256")
}

seed_bucket() {
  local fixture="$1" kubernetes="$2" date="$3" cni="$4" authenticator="$5"
  local dir="$fixture/bucket/$kubernetes/$date/bin/linux/amd64" archive build
  mkdir -p "$dir" "$fixture/github"
  object "$dir" kubelet "#!/bin/sh
echo 'Kubernetes v$kubernetes-eks-ffeb93d'"
  object "$dir" aws-iam-authenticator "#!/bin/sh
echo '{\"Version\":\"$authenticator\",\"Commit\":\"0000000\"}'"
  object "$dir" ecr-credential-provider "#!/bin/sh
echo ecr-credential-provider"
  archive="cni-plugins-linux-amd64-$cni.tgz"
  build="$fixture/cni-build"
  mkdir -p "$build"
  printf '#!/bin/sh\n' > "$build/bridge"
  printf '#!/bin/sh\n' > "$build/loopback"
  tar -czf "$fixture/github/$archive" -C "$build" bridge loopback
  (cd "$fixture/github" && sha512sum "$archive" > "$archive.sha512")
  cp "$fixture/github/$archive" "$dir/$archive"
  (cd "$dir" && sha256sum "$archive" > "$archive.sha256")
}

main() {
  local what="$1"
  shift
  case "$what" in
    node) seed_node "$@" ;;
    bucket) seed_bucket "$@" ;;
    *)
      echo "prepare.sh: unknown $what" >&2
      exit 1
      ;;
  esac
}

main "$@"
