# Fixture for install-worker.sh: template directory, fake binary bucket and GitHub release, and
# stubs for every system command the script calls. Load after test_helper.bash.

worker_setup() {
  common_setup
  export BINARY_BUCKET_NAME=amazon-eks BINARY_BUCKET_REGION=us-west-2
  export DOCKER_VERSION=20.10.17-1.amzn2.0.1 CONTAINERD_VERSION=1.6.6-1.amzn2.0.2
  export RUNC_VERSION=1.1.4-1.amzn2 CNI_PLUGIN_VERSION=v0.8.6
  export KUBERNETES_VERSION=1.23.16 KUBERNETES_BUILD_DATE=2023-01-30
  export PULL_CNI_FROM_GITHUB=true PAUSE_CONTAINER_VERSION=3.5 CACHE_CONTAINER_IMAGES=false
  export TEMPLATE_DIR="$SCRATCH/worker" BUCKET_ROOT="$SCRATCH/bucket" GITHUB_ROOT="$SCRATCH/github"
  export AUTH_VERSION=v0.5.9 CORRUPT_OBJECT="" UNAME_M=x86_64 UNAME_R=5.10.165-143.735.amzn2.x86_64
  export PULL_FAIL="$SCRATCH/pull-fail" ADDON_DIR="$SCRATCH/addons" AWS_FAIL_CALL=""
  export SIGNED_LOG="$SCRATCH/signed-urls.log" REFUSED_KEYS="$SCRATCH/refused-keys"
  unset BINARY_URLS_FILE
  mkdir -p "$ADDON_DIR"
  : > "$PULL_FAIL"
  : > "$SIGNED_LOG"
  : > "$REFUSED_KEYS"
  make_templates
  make_worker_stubs
  make_seed
  mkdir -p "$SCRATCH/clocksource"
  echo xen > "$SCRATCH/clocksource/current_clocksource"
  echo "xen tsc hpet acpi_pm" > "$SCRATCH/clocksource/available_clocksource"
}

make_templates() {
  local t="$TEMPLATE_DIR" name
  mkdir -p "$t/log-collector-script"
  for name in iptables-restore.service runtime.slice sandbox-image.service pull-sandbox-image.sh \
    docker-daemon.json logrotate-kube-proxy logrotate.conf kubelet-kubeconfig eni-max-pods.txt \
    bootstrap.sh max-pods-calculator.sh ecr-credential-provider-config \
    log-collector-script/eks-log-collector.sh; do
    echo "# template $name" > "$t/$name"
  done
  echo 'sandbox_image = "SANDBOX_IMAGE"' > "$t/containerd-config.toml"
  echo 'dockerLibraryRegistry: SONOBUOY_E2E_REGISTRY/library' > "$t/sonobuoy-e2e-registry-config"
  for name in kubelet.service kubelet-containerd.service; do
    cat > "$t/$name" << 'EOF'
[Service]
ExecStart=/usr/bin/kubelet --cloud-provider aws \
    --config /etc/kubernetes/kubelet/kubelet-config.json \
    --kubeconfig /var/lib/kubelet/kubeconfig
EOF
  done
  echo '{"kind":"KubeletConfiguration","featureGates":{"RotateKubeletServerCertificate":true}}' \
    > "$t/kubelet-config.json"
  cat > "$t/get-ecr-uri.sh" << 'EOF'
#!/usr/bin/env bash
echo "get-ecr-uri $*" >> "$CALLS"
echo "602401143452.dkr.ecr.$1.$2"
EOF
  cat > "$t/pull-image.sh" << 'EOF'
#!/usr/bin/env bash
echo "pull-image $1" >> "$CALLS"
! grep -Fxq -- "$1" "$PULL_FAIL"
EOF
}

make_worker_stubs() {
  local name
  for name in yum amazon-linux-extras package-cleanup chkconfig systemctl groupadd useradd usermod \
    grubby reboot; do
    stub "$name"
  done
  stub uname 'case "${1:-}" in -m) echo "$UNAME_M" ;; -r) echo "$UNAME_R" ;; *) echo Linux ;; esac'
  stub rpm 'exit 1'
  # IMDS_DOMAIN: the services/domain answer; "fail" makes that call fail.
  stub imds 'case "$1" in
  *services/domain) [[ "${IMDS_DOMAIN-amazonaws.com}" != fail ]] || exit 22; echo "${IMDS_DOMAIN-amazonaws.com}" ;;
  *ami-id) echo ami-0base ;;
  *) exit 1 ;;
esac'
  stub ctr
  stub curl 'while (($#)); do if [[ "$1" == -o ]]; then echo zip > "$2"; fi; shift; done'
  stub unzip 'dir="${*: -1}"; mkdir -p "$dir/aws"
printf "#!/usr/bin/env bash\necho \"aws-installer \$*\" >> \"\$CALLS\"\n" > "$dir/aws/install"
chmod +x "$dir/aws/install"'
  # A URL read from stdin (--input-file=-) is logged to $SIGNED_LOG, not to the calls; the
  # stand-in signer's host https://presigned.test/KEY?SIGNATURE serves KEY unless it is listed in
  # $REFUSED_KEYS (an expired or refused URL).
  stub wget 'out="" url=""
while (($#)); do case "$1" in --output-document) out="$2"; shift ;; --input-file=-) read -r url; echo "$url" >> "$SIGNED_LOG" ;; --*) ;; *) url="$1" ;; esac; shift; done
case "$url" in
  https://github.com/*) src="$GITHUB_ROOT/${url##*/}" ;;
  https://presigned.test/*) key="${url#https://presigned.test/}"; key="${key%%\?*}"
    ! grep -Fxq -- "$key" "$REFUSED_KEYS" || exit 8
    src="$BUCKET_ROOT/$key" ;;
  https://*.s3.*/*) rest="${url#https://}"; src="$BUCKET_ROOT/${rest#*/}" ;;
  *) exit 8 ;;
esac
[[ -f "$src" ]] || exit 8
cp "$src" "${out:-${url##*/}}"'
  stub aws 'if [[ -n "${AWS_FAIL_CALL:-}" && "$1 $2" == "$AWS_FAIL_CALL" ]]; then
  echo "An error occurred (AccessDeniedException) when calling the operation: not authorized" >&2
  exit 254
fi
case "$1 $2" in
  "s3 cp") src="${5#s3://*/}"; [[ -f "$BUCKET_ROOT/$src" ]] || exit 1; cp "$BUCKET_ROOT/$src" "$6" ;;
  "eks describe-addon-versions") cat "$ADDON_DIR/$4.json" 2> /dev/null || echo "{\"addons\":[]}" ;;
  "ec2 describe-regions") echo "{\"Regions\":[{\"RegionName\":\"us-west-2\"},{\"RegionName\":\"eu-west-1\"},{\"RegionName\":\"us-east-1\"}]}" ;;
  *) ;;
esac'
}

make_seed() {
  cat > "$SCRATCH/seed.sh" << 'EOF'
mkdir -p /etc/cloud /etc/sysconfig /etc/ssh
printf 'cloud_config_modules:\n - locale\n - package-update-upgrade-install\n - runcmd\n' > /etc/cloud/cloud.cfg
printf 'OPTIONS="--default-ulimit nofile=32768:65536"\nDAEMON_PIDFILE_TIMEOUT=10\n' > /etc/sysconfig/docker
touch /etc/ssh/sshd_config /etc/chrony.conf /etc/sysctl.conf
EOF
}

# bucket_object NAME CONTENT: puts NAME and NAME.sha256 into the fake bucket for the current
# version/date/arch; CORRUPT_OBJECT=NAME makes the checksum wrong.
bucket_object() {
  local name="$1" content="$2" arch dir
  arch=amd64
  [[ "$UNAME_M" == aarch64 ]] && arch=arm64
  dir="$BUCKET_ROOT/$KUBERNETES_VERSION/$KUBERNETES_BUILD_DATE/bin/linux/$arch"
  mkdir -p "$dir"
  printf '%s' "$content" > "$dir/$name"
  (cd "$dir" && sha256sum "$name" > "$name.sha256")
  if [[ "$CORRUPT_OBJECT" == "$name" ]]; then
    echo "0000000000000000000000000000000000000000000000000000000000000000  $name" > "$dir/$name.sha256"
  fi
}

make_bucket() {
  local arch=amd64 archive build
  [[ "$UNAME_M" == aarch64 ]] && arch=arm64
  bucket_object kubelet "kubelet binary"
  bucket_object aws-iam-authenticator "#!/bin/sh
echo '{\"Version\":\"$AUTH_VERSION\",\"Commit\":\"abc\"}'"
  bucket_object ecr-credential-provider "ecr credential provider"
  archive="cni-plugins-linux-$arch-$CNI_PLUGIN_VERSION.tgz"
  build="$SCRATCH/cni-build"
  mkdir -p "$build" "$GITHUB_ROOT"
  echo bridge > "$build/bridge"
  echo loopback > "$build/loopback"
  tar -czf "$GITHUB_ROOT/$archive" -C "$build" bridge loopback
  (cd "$GITHUB_ROOT" && sha512sum "$archive" > "$archive.sha512")
  if [[ "$CORRUPT_OBJECT" == "$archive.sha512" ]]; then
    echo "$(printf '0%.0s' {1..128})  $archive" > "$GITHUB_ROOT/$archive.sha512"
  fi
  # The bucket holds the same archive bytes as GitHub.
  local dir="$BUCKET_ROOT/$KUBERNETES_VERSION/$KUBERNETES_BUILD_DATE/bin/linux/$arch"
  cp "$GITHUB_ROOT/$archive" "$dir/$archive"
  (cd "$dir" && sha256sum "$archive" > "$archive.sha256")
  if [[ "$CORRUPT_OBJECT" == "$archive" ]]; then
    echo "$(printf '0%.0s' {1..64})  $archive" > "$dir/$archive.sha256"
  fi
}

# fresh_root: forget what an earlier run in the same test wrote (the overlays, the consumed
# templates and the recorded calls).
fresh_root() {
  rm -rf "$SCRATCH/ovl" "$TEMPLATE_DIR"
  make_templates
  : > "$CALLS"
}

run_worker() {
  make_bucket
  run root_run "$SCRIPTS_DIR/install-worker.sh"
}

# addon_fixture NAME DEFAULT OTHER...: a DescribeAddonVersions answer for NAME.
addon_fixture() {
  local name="$1" default="$2" version versions=""
  shift 2
  for version in "$default" "$@"; do
    local is_default=false
    [[ "$version" == "$default" ]] && is_default=true
    versions+="${versions:+,}{\"addonVersion\":\"$version\",\"compatibilities\":[{\"clusterVersion\":\"1.x\",\"defaultVersion\":$is_default}]}"
  done
  echo "{\"addons\":[{\"addonName\":\"$name\",\"addonVersions\":[$versions]}]}" > "$ADDON_DIR/$name.json"
}

# url_file KEY...: writes $SCRATCH/binary-urls (mode 0600) with a stand-in pre-signed URL for each
# object KEY below the current version/date/amd64 folder, as ami-builder uploads it, and points
# BINARY_URLS_FILE at it.
url_file() {
  local prefix="$KUBERNETES_VERSION/$KUBERNETES_BUILD_DATE/bin/linux/amd64" name
  export BINARY_URLS_FILE="$SCRATCH/binary-urls"
  (
    umask 077
    : > "$BINARY_URLS_FILE"
    for name in "$@"; do
      printf '%s https://presigned.test/%s?X-Amz-Expires=3600&X-Amz-Signature=%s\n' \
        "$prefix/$name" "$prefix/$name" "SIG0${name//[^a-z0-9]/}SECRET" >> "$BINARY_URLS_FILE"
    done
  )
}
