#!/usr/bin/env bash
#
# install-worker.sh — turns a fresh Amazon Linux 2 build instance into an EKS worker node image.
# Runs over SSH as the ssh user (ec2-user) during an AMI build and calls sudo itself.
#
# Required environment (each must be non-empty; DOCKER_VERSION may be "none"):
#   BINARY_BUCKET_NAME, BINARY_BUCKET_REGION, DOCKER_VERSION, CONTAINERD_VERSION, RUNC_VERSION,
#   CNI_PLUGIN_VERSION, KUBERNETES_VERSION, KUBERNETES_BUILD_DATE, PULL_CNI_FROM_GITHUB,
#   PAUSE_CONTAINER_VERSION, CACHE_CONTAINER_IMAGES
# Optional environment:
#   BINARY_URLS_FILE       a file of pre-signed HTTPS URLs for the bucket objects, one
#                          "OBJECT_KEY URL" pair a line (OBJECT_KEY as in s3://BUCKET/OBJECT_KEY).
#                          ami-builder signs them with the caller's credentials and uploads the file
#                          (mode 0600) just before this script runs, so a private bucket needs no
#                          AWS access on the instance. An object listed there is fetched only
#                          through its URL, which is passed to wget on stdin and never printed; an
#                          object missing from the file falls back to the two ways below.
#   AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
#                          when AWS_ACCESS_KEY_ID is non-empty, bucket objects are fetched with
#                          `aws s3 cp`; otherwise with wget over HTTPS (public buckets only)
#   SONOBUOY_E2E_REGISTRY  installs /etc/eks/sonobuoy-e2e-registry-config pointing at this registry
#   TEMPLATE_DIR           where the uploaded files/ tree lives (default /tmp/worker)
#   INSTALL_DOCKER         deprecated override of "docker only below Kubernetes 1.25" (true/false)
# Image caching (only when CACHE_CONTAINER_IMAGES=true and the bucket region is not an iso region).
# ami-builder resolves the first three before it launches the instance (the template variables
# ecr_uri, kube_proxy_versions and vpc_cni_versions) and the shipped template passes them, so with
# that template the instance makes no EKS call and needs no EKS permission. Each one that is empty
# (an older template, a caller of its own) falls back to the instance-side lookup the original
# toolchain did, which needs AWS access from the instance. A lookup that fails stops the build with
# exit status 1; it is never read as "nothing to cache".
#   ECR_URI                registry host, e.g. 602401143452.dkr.ecr.us-west-2.amazonaws.com
#                          (account and region of the binary bucket's region)
#                          fallback: /etc/eks/get-ecr-uri.sh BINARY_BUCKET_REGION <imds services/domain>
#   KUBE_PROXY_VERSIONS    kube-proxy addon versions to cache (default and latest), separated by
#                          commas or spaces, e.g. "v1.24.7-eksbuild.2,v1.24.10-eksbuild.1";
#                          "none" means the addon has no versions for this Kubernetes minor
#                          fallback: aws eks describe-addon-versions --addon-name kube-proxy
#   VPC_CNI_VERSIONS       the same for vpc-cni, e.g. "v1.11.4-eksbuild.1,v1.12.2-eksbuild.1"
#   IMAGE_TAG_REGIONS      regions the cached images are re-tagged for, commas or spaces; not
#                          resolved by ami-builder
#                          fallback: aws ec2 describe-regions --all-regions
# Exit status: 0 on success, 1 on any failure (message on stderr prefixed with the script name).

set -o errexit -o nounset -o pipefail
IFS=$'\n\t'
export AWS_DEFAULT_OUTPUT=json

readonly SCRIPT_NAME="install-worker.sh"
readonly REQUIRED_VARIABLES=(
  BINARY_BUCKET_NAME BINARY_BUCKET_REGION DOCKER_VERSION CONTAINERD_VERSION RUNC_VERSION
  CNI_PLUGIN_VERSION KUBERNETES_VERSION KUBERNETES_BUILD_DATE PULL_CNI_FROM_GITHUB
  PAUSE_CONTAINER_VERSION CACHE_CONTAINER_IMAGES
)
readonly TEMPLATE_FILES=(
  iptables-restore.service runtime.slice containerd-config.toml kubelet-containerd.service
  sandbox-image.service pull-sandbox-image.sh pull-image.sh docker-daemon.json
  logrotate-kube-proxy logrotate.conf kubelet-kubeconfig kubelet-config.json kubelet.service
  get-ecr-uri.sh eni-max-pods.txt bootstrap.sh max-pods-calculator.sh
  ecr-credential-provider-config
)
# files/ carries the project's own collector; a template whose upload lacks it still builds.
readonly LOG_COLLECTOR="log-collector-script/eks-log-collector.sh"
readonly CREDENTIAL_PROVIDER_DIR="/etc/eks/ecr-credential-provider"
readonly CLOCKSOURCE_DIR="/sys/devices/system/clocksource/clocksource0"

usage() {
  cat << EOF
usage: $SCRIPT_NAME

Installs the EKS worker components on an Amazon Linux 2 build instance.
All input comes from environment variables; see the header of this script for the contract.
EOF
}

die() {
  echo "$SCRIPT_NAME: $*" >&2
  exit 1
}

log() {
  echo "$SCRIPT_NAME: $*"
}

is_true() {
  [[ "$1" == "true" ]]
}

# vercmp prints true/false as well as setting its status; only the status matters here.
version_is() {
  vercmp "$1" "$2" "$3" > /dev/null
}

is_iso_region() {
  [[ "$1" == "us-iso-east-1" || "$1" == "us-isob-east-1" ]]
}

# Splits a comma/space separated list into one item per line, dropping empty items.
split_list() {
  local item
  local -a items
  IFS=$', \n\t' read -r -d '' -a items <<< "$1" || true
  for item in "${items[@]}"; do
    [[ -n "$item" ]] && echo "$item"
  done
  return 0
}

check_required_inputs() {
  local name
  for name in "${REQUIRED_VARIABLES[@]}"; do
    if [[ -z "${!name:-}" ]]; then
      die "Packer variable '$name' was not set. Aborting"
    fi
  done
}

# Fail before touching the machine when the uploaded files/ tree is incomplete.
check_template_files() {
  local name
  for name in "${TEMPLATE_FILES[@]}"; do
    [[ -f "$TEMPLATE_DIR/$name" ]] || die "template file $TEMPLATE_DIR/$name is missing"
  done
  if [[ -n "${SONOBUOY_E2E_REGISTRY:-}" && ! -f "$TEMPLATE_DIR/sonobuoy-e2e-registry-config" ]]; then
    die "template file $TEMPLATE_DIR/sonobuoy-e2e-registry-config is missing"
  fi
}

resolve_arch() {
  local machine
  machine=$(uname -m)
  case "$machine" in
    x86_64) echo "amd64" ;;
    aarch64) echo "arm64" ;;
    *) die "unsupported architecture '$machine'" ;;
  esac
}

s3_domain_for() {
  case "$1" in
    cn-*) echo "amazonaws.com.cn" ;;
    us-iso-east-1) echo "c2s.ic.gov" ;;
    us-isob-east-1) echo "sc2s.sgov.gov" ;;
    *) echo "amazonaws.com" ;;
  esac
}

install_packages() {
  sudo yum update -y
  sudo yum install -y aws-cfn-bootstrap chrony conntrack curl ec2-instance-connect ipvsadm jq \
    nfs-utils socat unzip wget yum-utils yum-plugin-versionlock
  # Old kernels go first: the lock must name the kernel that stays, the one running now.
  sudo package-cleanup --oldkernels --count=1 -y
  sudo yum versionlock "kernel-$(uname -r)"
  if rpm -q ec2-net-utils > /dev/null 2>&1; then
    sudo yum remove -y ec2-net-utils
  fi
}

configure_time() {
  sudo chkconfig chronyd on
  sudo tee -a /etc/chrony.conf > /dev/null << 'EOF'
# Let chronyd copy the system time to the real-time clock every 11 minutes.
# This cannot be combined with an 'rtcfile' directive.
rtcsync
EOF
  if grep -q xen "$CLOCKSOURCE_DIR/current_clocksource" 2> /dev/null \
    && grep -q tsc "$CLOCKSOURCE_DIR/available_clocksource" 2> /dev/null; then
    echo "tsc" | sudo tee "$CLOCKSOURCE_DIR/current_clocksource" > /dev/null
    log "switched the clock source from xen to tsc"
  else
    log "tsc as a clock source is not applicable, skipping"
  fi
}

configure_sshd() {
  echo "Ciphers aes128-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com" \
    | sudo tee -a /etc/ssh/sshd_config > /dev/null
  sudo systemctl restart sshd.service
}

install_awscli() {
  local machine cli_dir
  if is_iso_region "$BINARY_BUCKET_REGION"; then
    log "installing the awscli package"
    sudo yum install -y awscli
    return
  fi
  machine=$(uname -m)
  cli_dir=$(mktemp -d)
  log "installing the AWS CLI v2 bundle"
  curl --silent --show-error --retry 10 --retry-delay 1 -L \
    "https://awscli.amazonaws.com/awscli-exe-linux-$machine.zip" -o "$cli_dir/awscliv2.zip"
  unzip -q "$cli_dir/awscliv2.zip" -d "$cli_dir"
  sudo "$cli_dir/aws/install" --bin-dir /bin/
  rm -rf "$cli_dir"
}

# Inserts the image credential provider flags after `--cloud-provider aws` in a kubelet unit.
add_credential_provider_flags() {
  local unit="$1"
  local flags="\\\\\\n    --image-credential-provider-config $CREDENTIAL_PROVIDER_DIR/ecr-credential-provider-config \\\\\\n    --image-credential-provider-bin-dir $CREDENTIAL_PROVIDER_DIR"
  grep -q -- "--cloud-provider aws" "$unit" || die "$unit has no '--cloud-provider aws' to extend"
  sudo sed -i "s,--cloud-provider aws,--cloud-provider aws $flags," "$unit"
}

install_containerd() {
  sudo yum install -y "runc-$RUNC_VERSION"
  sudo yum versionlock 'runc-*'
  sudo yum install -y "containerd-$CONTAINERD_VERSION"
  sudo yum versionlock 'containerd-*'

  sudo mkdir -p /etc/eks/containerd
  if [[ -f /etc/eks/containerd/containerd-config.toml ]]; then
    # A derived image (the GPU AMI) placed its own config before this script ran.
    log "keeping the existing /etc/eks/containerd/containerd-config.toml"
  else
    sudo mv "$TEMPLATE_DIR/containerd-config.toml" /etc/eks/containerd/containerd-config.toml
  fi
  if version_is "$KUBERNETES_VERSION" gteq 1.22.0; then
    add_credential_provider_flags "$TEMPLATE_DIR/kubelet-containerd.service"
  fi
  local name
  for name in kubelet-containerd.service sandbox-image.service pull-sandbox-image.sh pull-image.sh; do
    sudo mv "$TEMPLATE_DIR/$name" "/etc/eks/containerd/$name"
  done
  sudo chmod +x /etc/eks/containerd/pull-sandbox-image.sh /etc/eks/containerd/pull-image.sh

  sudo mkdir -p /etc/systemd/system/containerd.service.d
  sudo tee /etc/systemd/system/containerd.service.d/10-compat-symlink.conf > /dev/null << 'EOF'
[Service]
ExecStartPre=/bin/ln -sf /run/containerd/containerd.sock /run/dockershim.sock
EOF
  sudo mkdir -p /etc/modules-load.d /etc/sysctl.d
  printf '%s\n' overlay br_netfilter | sudo tee -a /etc/modules-load.d/containerd.conf > /dev/null
  printf '%s\n' "net.bridge.bridge-nf-call-ip6tables = 1" "net.bridge.bridge-nf-call-iptables = 1" \
    "net.ipv4.ip_forward = 1" | sudo tee -a /etc/sysctl.d/99-kubernetes-cri.conf > /dev/null
}

docker_wanted() {
  if [[ -n "${INSTALL_DOCKER+set}" ]]; then
    echo "$SCRIPT_NAME: WARNING: using override INSTALL_DOCKER=$INSTALL_DOCKER; this option is deprecated" >&2
    is_true "$INSTALL_DOCKER"
    return
  fi
  version_is "$KUBERNETES_VERSION" lt 1.25.0
}

install_docker() {
  sudo yum install -y device-mapper-persistent-data lvm2
  if ! docker_wanted; then
    log "not installing docker for Kubernetes $KUBERNETES_VERSION"
    return
  fi
  sudo amazon-linux-extras enable docker
  sudo groupadd -og 1950 docker
  sudo useradd --gid docker docker
  sudo yum install -y "docker-$DOCKER_VERSION*"
  sudo yum versionlock 'docker-*'
  sudo usermod -aG docker "${USER:-$(id -un)}"
  # bootstrap.sh owns the daemon options through daemon.json.
  sudo sed -i '/OPTIONS/d' /etc/sysconfig/docker
  sudo mkdir -p /etc/docker
  sudo mv "$TEMPLATE_DIR/docker-daemon.json" /etc/docker/daemon.json
  sudo chown root:root /etc/docker/daemon.json
  sudo systemctl daemon-reload
}

install_logrotate() {
  sudo mkdir -p /etc/logrotate.d
  sudo mv "$TEMPLATE_DIR/logrotate-kube-proxy" /etc/logrotate.d/kube-proxy
  sudo mv "$TEMPLATE_DIR/logrotate.conf" /etc/logrotate.conf
  sudo chown root:root /etc/logrotate.d/kube-proxy /etc/logrotate.conf
  sudo mkdir -p /var/log/journal
}

# Prints the pre-signed URL BINARY_URLS_FILE lists for one object key; prints nothing when there
# is no file or the key is not in it.
presigned_url() {
  local key="$1"
  [[ -n "${BINARY_URLS_FILE:-}" ]] || return 0
  awk -v key="$key" '$1 == key { print $2; exit }' "$BINARY_URLS_FILE"
}

# Downloads one object of the binary bucket into the current directory.
fetch_from_bucket() {
  local name="$1" url
  # Runs in a command substitution, where errexit is off: an unreadable file must stop here.
  url=$(presigned_url "$OBJECT_PATH/$name") || die "cannot read BINARY_URLS_FILE $BINARY_URLS_FILE"
  # The contract is exit status 1 with a named cause, not the downloader's own status.
  if [[ -n "$url" ]]; then
    # The URL carries a signature (and with temporary credentials a session token): it goes to
    # wget on stdin, so it is in no process listing, and no message names it.
    printf '%s\n' "$url" | wget --quiet --output-document "$name" --input-file=- \
      || die "could not download $S3_PATH/$name through its pre-signed URL (refused, missing or expired)"
    return
  fi
  if [[ -n "${BINARY_URLS_FILE:-}" ]]; then
    log "no pre-signed URL for $OBJECT_PATH/$name in BINARY_URLS_FILE; fetching it without one"
  fi
  if [[ -n "${AWS_ACCESS_KEY_ID:-}" ]]; then
    aws s3 cp --region "$BINARY_BUCKET_REGION" "$S3_PATH/$name" "./$name" \
      || die "could not download $S3_PATH/$name"
  else
    wget --quiet --output-document "$name" "$S3_URL_BASE/$name" \
      || die "could not download $S3_URL_BASE/$name"
  fi
}

verify_checksum() {
  local algorithm="$1" checksum_file="$2"
  if ! "${algorithm}sum" --check --strict "$checksum_file" > /dev/null; then
    die "$algorithm checksum mismatch for ${checksum_file%.*}"
  fi
}

install_binaries() {
  local binary
  for binary in kubelet aws-iam-authenticator; do
    fetch_from_bucket "$binary"
    fetch_from_bucket "$binary.sha256"
    verify_checksum sha256 "$binary.sha256"
    chmod +x "$binary"
    sudo mv "$binary" /usr/bin/
    rm -f "$binary.sha256"
  done
}

# The node kubeconfig uses client.authentication.k8s.io/v1beta1, which older authenticators lack.
check_authenticator_version() {
  local version
  version=$(/usr/bin/aws-iam-authenticator version | jq -r '.Version // empty')
  [[ -n "$version" ]] || die "cannot read the aws-iam-authenticator version"
  if version_is "$version" lt v0.5.9; then
    die "aws-iam-authenticator version $version is less than v0.5.9"
  fi
}

install_cni_plugins() {
  local archive="cni-plugins-linux-$ARCH-$CNI_PLUGIN_VERSION.tgz"
  if is_true "$PULL_CNI_FROM_GITHUB"; then
    local base="https://github.com/containernetworking/plugins/releases/download/$CNI_PLUGIN_VERSION"
    wget --quiet --output-document "$archive" "$base/$archive" || die "could not download $base/$archive"
    wget --quiet --output-document "$archive.sha512" "$base/$archive.sha512" \
      || die "could not download $base/$archive.sha512"
    verify_checksum sha512 "$archive.sha512"
    rm -f "$archive.sha512"
  else
    fetch_from_bucket "$archive"
    fetch_from_bucket "$archive.sha256"
    verify_checksum sha256 "$archive.sha256"
    rm -f "$archive.sha256"
  fi
  sudo tar -xzf "$archive" -C /opt/cni/bin
  rm -f "$archive"
}

set_feature_gate() {
  local file="$1" gate="$2" tmp
  tmp=$(mktemp)
  jq --arg gate "$gate" '.featureGates[$gate] = true' "$file" > "$tmp"
  cat "$tmp" > "$file"
  rm -f "$tmp"
}

install_kubelet_config() {
  sudo mkdir -p /etc/kubernetes/kubelet /etc/systemd/system/kubelet.service.d
  sudo mv "$TEMPLATE_DIR/kubelet-kubeconfig" /var/lib/kubelet/kubeconfig
  sudo chown root:root /var/lib/kubelet/kubeconfig
  if [[ "$KUBERNETES_VERSION" == 1.20* ]]; then
    set_feature_gate "$TEMPLATE_DIR/kubelet-config.json" CSIServiceAccountToken
  fi
  if version_is "$KUBERNETES_VERSION" gteq 1.22.0; then
    add_credential_provider_flags "$TEMPLATE_DIR/kubelet.service"
    set_feature_gate "$TEMPLATE_DIR/kubelet-config.json" KubeletCredentialProviders
  fi
  sudo mv "$TEMPLATE_DIR/kubelet.service" /etc/systemd/system/kubelet.service
  sudo mv "$TEMPLATE_DIR/kubelet-config.json" /etc/kubernetes/kubelet/kubelet-config.json
  sudo chown root:root /etc/systemd/system/kubelet.service /etc/kubernetes/kubelet/kubelet-config.json
  sudo systemctl daemon-reload
  # bootstrap.sh enables the kubelet once the node knows its cluster.
  sudo systemctl disable kubelet
}

install_eks_files() {
  local name
  for name in get-ecr-uri.sh eni-max-pods.txt bootstrap.sh max-pods-calculator.sh; do
    sudo mv "$TEMPLATE_DIR/$name" "/etc/eks/$name"
  done
  sudo chmod +x /etc/eks/get-ecr-uri.sh /etc/eks/bootstrap.sh /etc/eks/max-pods-calculator.sh
  if [[ -n "${SONOBUOY_E2E_REGISTRY:-}" ]]; then
    sudo mv "$TEMPLATE_DIR/sonobuoy-e2e-registry-config" /etc/eks/sonobuoy-e2e-registry-config
    sudo sed -i "s,SONOBUOY_E2E_REGISTRY,$SONOBUOY_E2E_REGISTRY,g" /etc/eks/sonobuoy-e2e-registry-config
  fi
}

install_credential_provider() {
  if ! version_is "$KUBERNETES_VERSION" gteq 1.22.0; then
    return
  fi
  fetch_from_bucket ecr-credential-provider
  chmod +x ecr-credential-provider
  sudo mkdir -p "$CREDENTIAL_PROVIDER_DIR"
  sudo mv ecr-credential-provider "$CREDENTIAL_PROVIDER_DIR/"
  sudo mv "$TEMPLATE_DIR/ecr-credential-provider-config" "$CREDENTIAL_PROVIDER_DIR/"
}

resolve_ecr_uri() {
  local domain
  if [[ -n "${ECR_URI:-}" ]]; then
    echo "$ECR_URI"
    return
  fi
  # Runs in a command substitution, where errexit is off: every failure has to be caught here.
  domain=$(imds latest/meta-data/services/domain) \
    || die "cannot read services/domain from IMDS to find the ECR registry; set ECR_URI or check IMDS access"
  [[ -n "$domain" ]] \
    || die "IMDS returned an empty services/domain, so the ECR registry is unknown; set ECR_URI"
  # The images come from the registry next to the binary bucket, not from the build region.
  /etc/eks/get-ecr-uri.sh "$BINARY_BUCKET_REGION" "$domain" \
    || die "/etc/eks/get-ecr-uri.sh failed for $BINARY_BUCKET_REGION"
}

# Prints the addon versions to cache for one addon, default first, one per line, no duplicates.
addon_versions() {
  local addon="$1" given="$2" k8s_minor="$3" response count variable
  variable="$(tr 'a-z-' 'A-Z_' <<< "$addon")_VERSIONS"
  if [[ "$given" == "none" ]]; then
    return
  fi
  if [[ -n "$given" ]]; then
    split_list "$given" | awk '!seen[$0]++'
    return
  fi
  # Runs in a command substitution, where errexit is off: a failed call must not read as "no addons".
  response=$(aws eks describe-addon-versions --addon-name "$addon" --kubernetes-version="$k8s_minor") \
    || die "aws eks describe-addon-versions --addon-name $addon failed (the instance needs eks:DescribeAddonVersions); set $variable to skip the lookup"
  count=$(jq '.addons | length' <<< "$response") || count=""
  [[ "$count" =~ ^[0-9]+$ ]] \
    || die "aws eks describe-addon-versions --addon-name $addon gave an answer without an addons list"
  # An empty list is a real answer (the addon has no versions for this minor): cache nothing for it.
  if ((count == 0)); then
    return
  fi
  {
    jq -r '[.addons[].addonVersions[] | select(any(.compatibilities[]?; .defaultVersion == true))
      | .addonVersion] | first // empty' <<< "$response"
    jq -r '.addons[].addonVersions[].addonVersion' <<< "$response" | sort -V | tail -n 1
  } | awk 'NF && !seen[$0]++'
}

# Pulls an image; for an eksbuild.N tag it walks N down to 1 because the addon's platform number
# does not always match an image tag. Prints the reference that was pulled.
pull_with_countdown() {
  local image="$1" build candidate
  build=1
  if [[ "$image" =~ eksbuild\.([0-9]+) ]]; then
    build="${BASH_REMATCH[1]}"
  fi
  while ((build >= 1)); do
    candidate=$(sed -E "s/eksbuild\.[0-9]+/eksbuild.$build/" <<< "$image")
    if sudo /etc/eks/containerd/pull-image.sh "$candidate" >&2; then
      echo "$candidate"
      return 0
    fi
    build=$((build - 1))
  done
  return 1
}

retag_image() {
  local image="$1" region="$2" regional fips
  regional="${image/"$BINARY_BUCKET_REGION"/"$region"}"
  sudo ctr -n k8s.io image tag "$image" "$regional" || true
  if [[ "$region" =~ (us-east-1|us-east-2|us-west-1|us-west-2|us-gov-east-1|us-gov-east-2) ]]; then
    fips="${regional/.ecr./.ecr-fips.}"
    sudo ctr -n k8s.io image tag "$image" "$fips" || true
    sudo ctr -n k8s.io image tag "$image" "${fips/-eksbuild.1/}" || true
  fi
  # vpc-cni's vX.Y.Z-eksbuild.1 is the same image as the plain vX.Y.Z tag.
  if [[ "$image" == *-cni*-eksbuild.1 ]]; then
    sudo ctr -n k8s.io image tag "$image" "${regional/-eksbuild.1/}" || true
  fi
}

tag_regions() {
  local response
  if [[ -n "${IMAGE_TAG_REGIONS:-}" ]]; then
    split_list "$IMAGE_TAG_REGIONS"
    return
  fi
  response=$(aws ec2 describe-regions --all-regions) \
    || die "aws ec2 describe-regions failed (the instance needs ec2:DescribeRegions); set IMAGE_TAG_REGIONS to skip the lookup"
  jq -r '.Regions[].RegionName' <<< "$response" \
    || die "aws ec2 describe-regions gave an answer without a Regions list"
}

cache_images() {
  local ecr_uri pause_image k8s_minor version image pulled region
  local kube_proxy_versions vpc_cni_versions region_list
  local -a images pulled_images regions
  # Each lookup runs in a command substitution and dies there with its own message; `|| exit 1`
  # carries that failure out, whatever errexit does in the calling context.
  ecr_uri=$(resolve_ecr_uri) || exit 1
  [[ -n "$ecr_uri" ]] || die "could not resolve the ECR registry for $BINARY_BUCKET_REGION"
  pause_image="$ecr_uri/eks/pause:$PAUSE_CONTAINER_VERSION"

  sed "s,SANDBOX_IMAGE,$pause_image,g" /etc/eks/containerd/containerd-config.toml \
    | sudo tee /etc/eks/containerd/containerd-cached-pause-config.toml > /dev/null
  sudo mkdir -p /etc/containerd
  sudo cp /etc/eks/containerd/containerd-cached-pause-config.toml /etc/containerd/config.toml
  sudo cp /etc/eks/containerd/sandbox-image.service /etc/systemd/system/sandbox-image.service
  sudo chown root:root /etc/systemd/system/sandbox-image.service
  sudo systemctl daemon-reload
  sudo systemctl start containerd
  sudo systemctl enable containerd sandbox-image

  k8s_minor=$(cut -d. -f1-2 <<< "$KUBERNETES_VERSION")
  # Resolved up front so that a failed lookup stops the build before the first pull.
  kube_proxy_versions=$(addon_versions kube-proxy "${KUBE_PROXY_VERSIONS:-}" "$k8s_minor") || exit 1
  vpc_cni_versions=$(addon_versions vpc-cni "${VPC_CNI_VERSIONS:-}" "$k8s_minor") || exit 1
  region_list=$(tag_regions) || exit 1

  images=("$pause_image")
  for version in $kube_proxy_versions; do
    [[ "$version" == *-* ]] || die "kube-proxy addon version '$version' has no platform suffix"
    # Only the minimal kube-proxy image exists from Kubernetes 1.24 on.
    if ! version_is "$k8s_minor" gteq 1.24; then
      images+=("$ecr_uri/eks/kube-proxy:${version%%-*}-${version#*-}")
    fi
    images+=("$ecr_uri/eks/kube-proxy:${version%%-*}-minimal-${version#*-}")
  done
  for version in $vpc_cni_versions; do
    images+=("$ecr_uri/amazon-k8s-cni-init:$version" "$ecr_uri/amazon-k8s-cni:$version")
  done

  pulled_images=()
  for image in "${images[@]}"; do
    pulled=$(pull_with_countdown "$image") || die "could not pull $image (tried every eksbuild down to 1)"
    pulled_images+=("$pulled")
  done

  mapfile -t regions <<< "$region_list"
  for region in "${regions[@]}"; do
    [[ -n "$region" ]] || continue
    for image in "${pulled_images[@]}"; do
      retag_image "$image" "$region"
    done
  done
  log "cached ${#pulled_images[@]} images, tagged for ${#regions[@]} regions"
}

write_release_file() {
  local base_ami_id tmp
  base_ami_id=$(imds latest/meta-data/ami-id)
  tmp=$(mktemp)
  cat > "$tmp" << EOF
BASE_AMI_ID="$base_ami_id"
BUILD_TIME="$(date)"
BUILD_KERNEL="$(uname -r)"
ARCH="$(uname -m)"
EOF
  sudo mv "$tmp" /etc/eks/release
  sudo chown -R root:root /etc/eks
}

configure_sysctls() {
  # protectKernelDefaults in the kubelet config requires these values to be set already.
  printf '%s\n' vm.overcommit_memory=1 kernel.panic=10 kernel.panic_on_oops=1 \
    | sudo tee -a /etc/sysctl.d/99-amazon.conf > /dev/null
  printf '%s\n' fs.inotify.max_user_watches=524288 fs.inotify.max_user_instances=8192 \
    vm.max_map_count=524288 | sudo tee -a /etc/sysctl.conf > /dev/null
}

disable_boot_time_updates() {
  sudo sed -i 's/^\( *\)- package-update-upgrade-install/\1# Removed so that nodes do not drift by updating packages at boot.\n\1# - package-update-upgrade-install/' \
    /etc/cloud/cloud.cfg
}

install_log_collector() {
  if [[ ! -f "$TEMPLATE_DIR/$LOG_COLLECTOR" ]]; then
    echo "$SCRIPT_NAME: WARNING: $TEMPLATE_DIR/$LOG_COLLECTOR was not uploaded; the image has no log collector" >&2
    return
  fi
  sudo mkdir -p /etc/eks/log-collector-script
  sudo cp "$TEMPLATE_DIR/$LOG_COLLECTOR" /etc/eks/log-collector-script/
  sudo chmod +x "/etc/eks/$LOG_COLLECTOR"
}

main() {
  if (($# > 0)); then
    case "$1" in
      -h | --help)
        usage
        exit 0
        ;;
      *)
        usage >&2
        exit 1
        ;;
    esac
  fi
  check_required_inputs
  TEMPLATE_DIR="${TEMPLATE_DIR:-/tmp/worker}"
  check_template_files
  if [[ -n "${BINARY_URLS_FILE:-}" && ! -r "$BINARY_URLS_FILE" ]]; then
    die "BINARY_URLS_FILE $BINARY_URLS_FILE is not a readable file"
  fi
  ARCH=$(resolve_arch)

  WORK_DIR=$(mktemp -d)
  # Downloads land in a private directory; the trap clears whatever a failure leaves behind.
  trap 'rm -rf "$WORK_DIR"' EXIT
  cd "$WORK_DIR"

  install_packages
  configure_time
  configure_sshd
  sudo mkdir -p /etc/eks
  sudo mv "$TEMPLATE_DIR/iptables-restore.service" /etc/eks/iptables-restore.service
  install_awscli
  sudo mv "$TEMPLATE_DIR/runtime.slice" /etc/systemd/system/runtime.slice
  install_containerd
  install_docker
  install_logrotate
  sudo mkdir -p /etc/kubernetes/manifests /var/lib/kubernetes /var/lib/kubelet /opt/cni/bin

  local s3_domain
  s3_domain=$(s3_domain_for "$BINARY_BUCKET_REGION")
  OBJECT_PATH="$KUBERNETES_VERSION/$KUBERNETES_BUILD_DATE/bin/linux/$ARCH"
  S3_URL_BASE="https://$BINARY_BUCKET_NAME.s3.$BINARY_BUCKET_REGION.$s3_domain/$OBJECT_PATH"
  S3_PATH="s3://$BINARY_BUCKET_NAME/$OBJECT_PATH"
  install_binaries
  check_authenticator_version
  install_cni_plugins
  install_kubelet_config
  install_eks_files
  install_credential_provider

  if is_true "$CACHE_CONTAINER_IMAGES" && ! is_iso_region "$BINARY_BUCKET_REGION"; then
    cache_images
  elif is_true "$CACHE_CONTAINER_IMAGES"; then
    log "image caching is not available in $BINARY_BUCKET_REGION, skipping"
  fi

  sudo yum install -y amazon-ssm-agent
  write_release_file
  configure_sysctls
  install_log_collector
  disable_boot_time_updates
  log "done"
}

main "$@"
