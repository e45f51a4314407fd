#!/usr/bin/env bash
#
# eks-log-collector.sh — gathers what is needed to troubleshoot an EKS node (service journals, logs,
# kubelet and container runtime state, networking, VPC CNI state) into one tarball for a support case.
# Installed at /etc/eks/log-collector-script/eks-log-collector.sh; run it as root on the node.
#
# Options (the original tool's spelling, with "="):
#   --ignore_introspection=true|false  skip the VPC CNI introspection API (localhost:61679); default false
#   --ignore_metrics=true|false        skip the VPC CNI metrics endpoint (localhost:61678); default false
#   --help                             print this help
# Environment (for testing and unusual layouts):
#   COLLECT_DIR  working directory that becomes the tarball (default /tmp/eks-log-collector)
#   OUTPUT_DIR   where the tarball is written (default /var/log)
# Output: OUTPUT_DIR/eks_<instance-id>_<UTC time>_<version>.tar.gz; its path is the last line printed.
# Exit status: 0 when the tarball was written (a missing command or file is noted inside it, not an
# error), 1 on bad usage, when not run as root, or when the tarball cannot be written.

# No errexit: one failing probe must not cost the rest of the bundle.
set -o nounset -o pipefail

readonly PROG="eks-log-collector.sh"
readonly PROGRAM_VERSION="1.0.0"
readonly SERVICES=(kubelet containerd docker sandbox-image iptables-restore amazon-ssm-agent cloud-init
  cloud-final)
readonly CNI_INTROSPECTION="http://localhost:61679/v1"
readonly CNI_METRICS="http://localhost:61678/metrics"

COLLECT_DIR="${COLLECT_DIR:-/tmp/eks-log-collector}"
OUTPUT_DIR="${OUTPUT_DIR:-/var/log}"
IGNORE_INTROSPECTION=false
IGNORE_METRICS=false

usage() {
  cat << EOF
usage: $PROG [--ignore_introspection=true|false] [--ignore_metrics=true|false] [--help]

Collects node logs and state into $OUTPUT_DIR/eks_<instance-id>_<time>_$PROGRAM_VERSION.tar.gz.
Run as root. --ignore_introspection and --ignore_metrics skip the VPC CNI's local endpoints.
EOF
}

die() {
  echo "$PROG: $*" >&2
  exit 1
}

# bool_option NAME VALUE: prints VALUE when it is true or false.
bool_option() {
  case "$2" in
    true | false) echo "$2" ;;
    *) die "$1 takes true or false, not '$2'" ;;
  esac
}

parse_arguments() {
  local argument
  for argument in "$@"; do
    case "$argument" in
      --help | -h)
        usage
        exit 0
        ;;
      --ignore_introspection=*)
        IGNORE_INTROSPECTION=$(bool_option --ignore_introspection "${argument#*=}") || exit 1
        ;;
      --ignore_metrics=*)
        IGNORE_METRICS=$(bool_option --ignore_metrics "${argument#*=}") || exit 1
        ;;
      *)
        usage >&2
        die "unknown argument '$argument'"
        ;;
    esac
  done
}

# capture FILE COMMAND...: stores COMMAND's output (and errors) under COLLECT_DIR/FILE; a command that
# is not installed leaves a note instead, so the bundle shows what could not be asked.
capture() {
  local file="$COLLECT_DIR/$1"
  shift
  mkdir -p "$(dirname "$file")"
  if ! command -v "$1" > /dev/null 2>&1; then
    echo "$1: not installed on this node" > "$file"
    return 0
  fi
  timeout 120 "$@" > "$file" 2>&1 || echo "($* exited with status $?)" >> "$file"
}

# copy_paths DIR PATH...: copies each existing file or directory (links followed) under COLLECT_DIR/DIR.
copy_paths() {
  local dir="$COLLECT_DIR/$1" path
  shift
  mkdir -p "$dir"
  for path in "$@"; do
    [[ -e "$path" ]] || continue
    cp -rL --parents "$path" "$dir/" 2> /dev/null || echo "could not copy $path" >> "$dir/copy-errors.txt"
  done
}

collect_system() {
  capture system/uname.txt uname -a
  capture system/uptime.txt uptime
  capture system/df.txt df -h
  capture system/df-inodes.txt df -i
  capture system/free.txt free -m
  capture system/ps.txt ps auxww
  capture system/lsmod.txt lsmod
  capture system/mounts.txt mount
  capture system/sysctl.txt sysctl -a
  capture system/dmesg.txt dmesg
  capture system/versionlock.txt yum versionlock list
  copy_paths system /etc/os-release /etc/eks/release /proc/cmdline /proc/meminfo /proc/cpuinfo
}

collect_journals() {
  local service
  for service in "${SERVICES[@]}"; do
    capture "journal/$service.log" journalctl --no-pager --unit "$service"
  done
  capture journal/kernel.log journalctl --no-pager --dmesg
}

collect_logs() {
  # /var/log/containers holds links into /var/log/pods; copying with links followed keeps both views.
  copy_paths var_log /var/log/messages /var/log/cloud-init.log /var/log/cloud-init-output.log \
    /var/log/user-data.log /var/log/aws-routed-eni /var/log/containers /var/log/kube-proxy.log
}

collect_kubernetes() {
  capture kubelet/version.txt kubelet --version
  copy_paths kubelet /etc/kubernetes/kubelet /etc/systemd/system/kubelet.service \
    /etc/systemd/system/kubelet.service.d /var/lib/kubelet/kubeconfig \
    /etc/eks/ecr-credential-provider/ecr-credential-provider-config
}

collect_runtime() {
  capture containerd/config-dump.toml containerd config dump
  capture containerd/containers.txt ctr --namespace k8s.io containers list
  capture containerd/images.txt ctr --namespace k8s.io images list
  capture containerd/tasks.txt ctr --namespace k8s.io tasks list
  copy_paths containerd /etc/containerd /etc/systemd/system/containerd.service.d
  if command -v docker > /dev/null 2>&1; then
    capture docker/info.txt docker info
    capture docker/ps.txt docker ps --all
    copy_paths docker /etc/docker/daemon.json /etc/sysconfig/docker
  fi
}

collect_networking() {
  capture networking/iptables.txt iptables-save
  capture networking/ip6tables.txt ip6tables-save
  capture networking/ip-addr.txt ip address show
  capture networking/ip-route.txt ip route show table all
  capture networking/ip6-route.txt ip -6 route show table all
  capture networking/ip-rule.txt ip rule show
  capture networking/ipvsadm.txt ipvsadm --list --numeric
  capture networking/conntrack.txt conntrack --stats
  copy_paths networking /etc/resolv.conf /etc/hosts /etc/cni/net.d
}

collect_cni() {
  local endpoint
  if [[ "$IGNORE_INTROSPECTION" == false ]]; then
    for endpoint in enis pods networkutils-env-settings ipamd-env-settings eni-configs; do
      capture "cni/$endpoint.json" curl --silent --show-error --max-time 5 "$CNI_INTROSPECTION/$endpoint"
    done
  fi
  if [[ "$IGNORE_METRICS" == false ]]; then
    capture cni/metrics.txt curl --silent --show-error --max-time 5 "$CNI_METRICS"
  fi
}

instance_id() {
  local id
  id=$(imds latest/meta-data/instance-id 2> /dev/null) || id=""
  [[ "$id" =~ ^i-[0-9a-f]+$ ]] || id="unknown-instance"
  echo "$id"
}

main() {
  parse_arguments "$@"
  [[ "$(id -u)" == 0 ]] || die "run this as root (sudo $0)"
  # The directory is emptied first, so it must be a directory of its own, never / or a top-level one.
  [[ "$COLLECT_DIR" == /?*/?* ]] || die "COLLECT_DIR must be an absolute path at least two levels deep, not '$COLLECT_DIR'"
  local archive
  archive="$OUTPUT_DIR/eks_$(instance_id)_$(date -u +%Y-%m-%d_%H%M-UTC)_$PROGRAM_VERSION.tar.gz"
  rm -rf "$COLLECT_DIR"
  mkdir -p "$COLLECT_DIR" || die "cannot create $COLLECT_DIR"
  echo "$PROG: collecting into $COLLECT_DIR"
  collect_system
  collect_journals
  collect_logs
  collect_kubernetes
  collect_runtime
  collect_networking
  collect_cni
  mkdir -p "$OUTPUT_DIR" || die "cannot create $OUTPUT_DIR"
  tar --create --gzip --file "$archive" --directory "$(dirname "$COLLECT_DIR")" "$(basename "$COLLECT_DIR")" \
    || die "could not write $archive"
  rm -rf "$COLLECT_DIR"
  echo "$PROG: done; attach this file to your support case:"
  echo "$archive"
}

main "$@"
