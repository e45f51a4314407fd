#!/usr/bin/env bats
# install-worker.sh: required inputs, packages and locks, per-version kubelet set-up, downloads.

load test_helper
load worker_fixture

setup() {
  worker_setup
}

teardown() {
  common_teardown
}

REQUIRED=(BINARY_BUCKET_NAME BINARY_BUCKET_REGION DOCKER_VERSION CONTAINERD_VERSION RUNC_VERSION
  CNI_PLUGIN_VERSION KUBERNETES_VERSION KUBERNETES_BUILD_DATE PULL_CNI_FROM_GITHUB
  PAUSE_CONTAINER_VERSION CACHE_CONTAINER_IMAGES)

@test "each missing required variable aborts with its name before anything is installed" {
  local name
  for name in "${REQUIRED[@]}"; do
    : > "$CALLS"
    run env "$name=" "$SCRIPTS_DIR/install-worker.sh"
    [ "$status" -eq 1 ]
    [ "$output" = "install-worker.sh: Packer variable '$name' was not set. Aborting" ]
    refute_called_matching '^yum '
  done
}

@test "an unset (not just empty) required variable aborts too" {
  unset KUBERNETES_BUILD_DATE
  run "$SCRIPTS_DIR/install-worker.sh"
  [ "$status" -eq 1 ]
  assert_output_contains "Packer variable 'KUBERNETES_BUILD_DATE' was not set. Aborting"
}

@test "a missing template file aborts before any package is touched" {
  rm "$TEMPLATE_DIR/kubelet-config.json"
  run_worker
  [ "$status" -eq 1 ]
  assert_output_contains "kubelet-config.json is missing"
  refute_called_matching '^yum '
}

@test "an unsupported architecture aborts" {
  UNAME_M=ppc64le run_worker
  [ "$status" -eq 1 ]
  assert_output_contains "unsupported architecture 'ppc64le'"
}

@test "installs the base packages and locks the kernel only after removing old kernels" {
  run_worker
  [ "$status" -eq 0 ]
  assert_called "yum update -y"
  assert_called "yum install -y aws-cfn-bootstrap chrony conntrack curl ec2-instance-connect ipvsadm jq nfs-utils socat unzip wget yum-utils yum-plugin-versionlock"
  assert_called "package-cleanup --oldkernels --count=1 -y"
  assert_called "yum versionlock kernel-$UNAME_R"
  [ "$(call_line "package-cleanup --oldkernels --count=1 -y")" -lt "$(call_line "yum versionlock kernel-$UNAME_R")" ]
  [ "$(call_line "yum update -y")" -lt "$(call_line "package-cleanup --oldkernels --count=1 -y")" ]
  assert_called "yum install -y amazon-ssm-agent"
}

@test "installs and version-locks runc and containerd" {
  run_worker
  [ "$status" -eq 0 ]
  assert_called "yum install -y runc-1.1.4-1.amzn2"
  assert_called "yum versionlock runc-*"
  assert_called "yum install -y containerd-1.6.6-1.amzn2.0.2"
  assert_called "yum versionlock containerd-*"
  [ "$(call_line "yum install -y runc-1.1.4-1.amzn2")" -lt "$(call_line "yum versionlock runc-*")" ]
  assert_file_contains "$(upper /etc/eks/containerd/containerd-config.toml)" SANDBOX_IMAGE
  [ -x "$(upper /etc/eks/containerd/pull-image.sh)" ]
  [ -x "$(upper /etc/eks/containerd/pull-sandbox-image.sh)" ]
  assert_file_contains "$(upper /etc/systemd/system/containerd.service.d/10-compat-symlink.conf)" \
    "ExecStartPre=/bin/ln -sf /run/containerd/containerd.sock /run/dockershim.sock"
  assert_file_contains "$(upper /etc/modules-load.d/containerd.conf)" br_netfilter
  assert_file_contains "$(upper /etc/sysctl.d/99-kubernetes-cri.conf)" "net.ipv4.ip_forward = 1"
}

@test "yum globs as package versions reach yum unexpanded" {
  # Files in the script's working directory that an unquoted glob would expand to.
  stub mktemp 'dir=$(/usr/bin/mktemp "$@")
if [[ "${1:-}" == -d ]]; then touch "$dir/containerd-1.7.99" "$dir/runc-1.99" "$dir/docker-20.10.99"; fi
echo "$dir"'
  CONTAINERD_VERSION='1.7.*' RUNC_VERSION='1.*' DOCKER_VERSION='20.10.*' KUBERNETES_VERSION=1.23.16 run_worker
  [ "$status" -eq 0 ]
  assert_called "yum install -y containerd-1.7.*"
  assert_called "yum install -y runc-1.*"
  assert_called "yum install -y docker-20.10.**"
  assert_called "yum versionlock containerd-*"
}

@test "removes ec2-net-utils only when it is installed" {
  run_worker
  refute_called_matching '^yum remove'
  stub rpm '[[ "$*" == "-q ec2-net-utils" ]]'
  fresh_root
  run_worker
  [ "$status" -eq 0 ]
  assert_called "yum remove -y ec2-net-utils"
}

@test "keeps a containerd config a derived image placed before the build" {
  echo 'mkdir -p /etc/eks/containerd; echo gpu > /etc/eks/containerd/containerd-config.toml' >> "$SCRATCH/seed.sh"
  run_worker
  [ "$status" -eq 0 ]
  [ "$(cat "$(upper /etc/eks/containerd/containerd-config.toml)")" = gpu ]
}

@test "1.21: docker installed and locked, no credential provider, no extra feature gates" {
  KUBERNETES_VERSION=1.21.14 run_worker
  [ "$status" -eq 0 ]
  assert_called "amazon-linux-extras enable docker"
  assert_called "groupadd -og 1950 docker"
  assert_called "yum install -y docker-20.10.17-1.amzn2.0.1*"
  assert_called "yum versionlock docker-*"
  assert_called "usermod -aG docker ec2-user"
  [ -f "$(upper /etc/docker/daemon.json)" ]
  ! grep -q OPTIONS "$(upper /etc/sysconfig/docker)" || false
  ! grep -q image-credential-provider "$(upper /etc/systemd/system/kubelet.service)" || false
  ! grep -q image-credential-provider "$(upper /etc/eks/containerd/kubelet-containerd.service)" || false
  [ "$(jq -c .featureGates "$(upper /etc/kubernetes/kubelet/kubelet-config.json)")" = '{"RotateKubeletServerCertificate":true}' ]
  [ ! -e "$(upper /etc/eks/ecr-credential-provider)" ]
}

@test "1.20: adds the CSIServiceAccountToken feature gate" {
  KUBERNETES_VERSION=1.20.15 run_worker
  [ "$status" -eq 0 ]
  [ "$(jq .featureGates.CSIServiceAccountToken "$(upper /etc/kubernetes/kubelet/kubelet-config.json)")" = true ]
  [ "$(jq .featureGates.KubeletCredentialProviders "$(upper /etc/kubernetes/kubelet/kubelet-config.json)")" = null ]
}

@test "1.22: credential provider flags in both kubelet units, feature gate and provider installed" {
  KUBERNETES_VERSION=1.22.17 run_worker
  [ "$status" -eq 0 ]
  local unit
  for unit in /etc/systemd/system/kubelet.service /etc/eks/containerd/kubelet-containerd.service; do
    assert_file_contains "$(upper "$unit")" "--image-credential-provider-config /etc/eks/ecr-credential-provider/ecr-credential-provider-config \\"
    assert_file_contains "$(upper "$unit")" "--image-credential-provider-bin-dir /etc/eks/ecr-credential-provider \\"
    # the flags follow the cloud provider and the unit still continues to --config
    [ "$(grep -A1 -- '--cloud-provider aws' "$(upper "$unit")" | tail -n 1 | awk '{print $1}')" = "--image-credential-provider-config" ]
    assert_file_contains "$(upper "$unit")" "--config /etc/kubernetes/kubelet/kubelet-config.json"
  done
  local config
  config="$(upper /etc/kubernetes/kubelet/kubelet-config.json)"
  [ "$(jq .featureGates.KubeletCredentialProviders "$config")" = true ]
  [ "$(jq .featureGates.RotateKubeletServerCertificate "$config")" = true ]
  [ "$(jq .featureGates.CSIServiceAccountToken "$config")" = null ]
  [ -x "$(upper /etc/eks/ecr-credential-provider/ecr-credential-provider)" ]
  [ -f "$(upper /etc/eks/ecr-credential-provider/ecr-credential-provider-config)" ]
  assert_called "yum install -y docker-20.10.17-1.amzn2.0.1*"
}

@test "1.22: a one-line ExecStart keeps a valid command line after the flags are inserted" {
  echo 'ExecStart=/usr/bin/kubelet --cloud-provider aws --config /etc/kubernetes/kubelet/kubelet-config.json' \
    > "$TEMPLATE_DIR/kubelet-containerd.service"
  KUBERNETES_VERSION=1.22.17 run_worker
  [ "$status" -eq 0 ]
  local joined
  joined=$(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$(upper /etc/eks/containerd/kubelet-containerd.service)" | tr -s ' ')
  [ "$joined" = "ExecStart=/usr/bin/kubelet --cloud-provider aws --image-credential-provider-config /etc/eks/ecr-credential-provider/ecr-credential-provider-config --image-credential-provider-bin-dir /etc/eks/ecr-credential-provider --config /etc/kubernetes/kubelet/kubelet-config.json" ]
}

@test "1.25: docker is not installed" {
  KUBERNETES_VERSION=1.25.6 DOCKER_VERSION=none run_worker
  [ "$status" -eq 0 ]
  assert_called "yum install -y device-mapper-persistent-data lvm2"
  refute_called_matching 'docker'
  [ ! -e "$(upper /etc/docker/daemon.json)" ]
  assert_file_contains "$(upper /etc/systemd/system/kubelet.service)" "--image-credential-provider-bin-dir"
}

@test "INSTALL_DOCKER overrides the version rule with a deprecation warning" {
  INSTALL_DOCKER=false run_worker
  [ "$status" -eq 0 ]
  assert_output_contains "INSTALL_DOCKER=false; this option is deprecated"
  refute_called_matching 'enable docker'
}

@test "kubelet is configured but left disabled for bootstrap.sh" {
  run_worker
  [ "$status" -eq 0 ]
  assert_called "systemctl disable kubelet"
  [ -f "$(upper /var/lib/kubelet/kubeconfig)" ]
  [ -d "$(upper /etc/kubernetes/manifests)" ]
  [ -d "$(upper /var/lib/kubernetes)" ]
  [ -d "$(upper /etc/systemd/system/kubelet.service.d)" ]
  [ -f "$(upper /etc/systemd/system/runtime.slice)" ]
  [ -f "$(upper /etc/eks/iptables-restore.service)" ]
}

@test "partition aws: binaries over HTTPS from amazonaws.com" {
  PULL_CNI_FROM_GITHUB=false run_worker
  [ "$status" -eq 0 ]
  local base="https://amazon-eks.s3.us-west-2.amazonaws.com/1.23.16/2023-01-30/bin/linux/amd64"
  assert_called "wget --quiet --output-document kubelet $base/kubelet"
  assert_called "wget --quiet --output-document kubelet.sha256 $base/kubelet.sha256"
  assert_called "wget --quiet --output-document aws-iam-authenticator $base/aws-iam-authenticator"
  assert_called "wget --quiet --output-document cni-plugins-linux-amd64-v0.8.6.tgz $base/cni-plugins-linux-amd64-v0.8.6.tgz"
  assert_called "wget --quiet --output-document ecr-credential-provider $base/ecr-credential-provider"
  [ "$(cat "$(upper /usr/bin/kubelet)")" = "kubelet binary" ]
  [ -x "$(upper /usr/bin/kubelet)" ]
  [ -x "$(upper /usr/bin/aws-iam-authenticator)" ]
  refute_called_matching '^aws s3'
  refute_called_matching '^yum install -y awscli'
}

@test "partition aws-cn: amazonaws.com.cn in both China regions" {
  local region
  for region in cn-north-1 cn-northwest-1; do
    fresh_root
    BINARY_BUCKET_REGION=$region run_worker
    [ "$status" -eq 0 ]
    assert_called "wget --quiet --output-document kubelet https://amazon-eks.s3.$region.amazonaws.com.cn/1.23.16/2023-01-30/bin/linux/amd64/kubelet"
    refute_called_matching '^yum install -y awscli'
  done
}

@test "partition aws-us-gov: amazonaws.com and the AWS CLI v2 bundle" {
  local region
  for region in us-gov-west-1 us-gov-east-1; do
    fresh_root
    BINARY_BUCKET_REGION=$region run_worker
    [ "$status" -eq 0 ]
    assert_called "wget --quiet --output-document kubelet https://amazon-eks.s3.$region.amazonaws.com/1.23.16/2023-01-30/bin/linux/amd64/kubelet"
    grep -Eq '^aws-installer --bin-dir /bin/$' "$CALLS"
    refute_called_matching '^yum install -y awscli'
  done
}

@test "partition aws-iso: c2s.ic.gov and the awscli package" {
  BINARY_BUCKET_REGION=us-iso-east-1 run_worker
  [ "$status" -eq 0 ]
  assert_called "wget --quiet --output-document kubelet https://amazon-eks.s3.us-iso-east-1.c2s.ic.gov/1.23.16/2023-01-30/bin/linux/amd64/kubelet"
  assert_called "yum install -y awscli"
  refute_called_matching '^curl|^aws-installer'
}

@test "partition aws-iso-b: sc2s.sgov.gov and the awscli package" {
  BINARY_BUCKET_REGION=us-isob-east-1 run_worker
  [ "$status" -eq 0 ]
  assert_called "wget --quiet --output-document kubelet https://amazon-eks.s3.us-isob-east-1.sc2s.sgov.gov/1.23.16/2023-01-30/bin/linux/amd64/kubelet"
  assert_called "yum install -y awscli"
}

@test "outside the iso regions the AWS CLI v2 bundle is installed into /bin" {
  run_worker
  [ "$status" -eq 0 ]
  assert_called "curl --silent --show-error --retry 10 --retry-delay 1 -L https://awscli.amazonaws.com/awscli-exe-linux-x86_64.zip -o $(grep -o '/tmp/tmp[^ ]*/awscliv2.zip' "$CALLS" | head -n 1)"
  grep -Eq '^aws-installer --bin-dir /bin/$' "$CALLS"
}

@test "with AWS_ACCESS_KEY_ID the bucket is read with aws s3 cp" {
  AWS_ACCESS_KEY_ID=AKIAEXAMPLE PULL_CNI_FROM_GITHUB=false run_worker
  [ "$status" -eq 0 ]
  local path="s3://amazon-eks/1.23.16/2023-01-30/bin/linux/amd64"
  assert_called "aws s3 cp --region us-west-2 $path/kubelet ./kubelet"
  assert_called "aws s3 cp --region us-west-2 $path/kubelet.sha256 ./kubelet.sha256"
  assert_called "aws s3 cp --region us-west-2 $path/aws-iam-authenticator ./aws-iam-authenticator"
  assert_called "aws s3 cp --region us-west-2 $path/cni-plugins-linux-amd64-v0.8.6.tgz ./cni-plugins-linux-amd64-v0.8.6.tgz"
  assert_called "aws s3 cp --region us-west-2 $path/ecr-credential-provider ./ecr-credential-provider"
  refute_called_matching '^wget'
}

@test "with BINARY_URLS_FILE every object comes through its pre-signed URL, which is never shown" {
  local cni=cni-plugins-linux-amd64-v0.8.6.tgz name
  url_file kubelet kubelet.sha256 aws-iam-authenticator aws-iam-authenticator.sha256 \
    "$cni" "$cni.sha256" ecr-credential-provider
  # Forwarded keys too: the pre-signed URL still wins, so the AWS CLI is never asked.
  AWS_ACCESS_KEY_ID=AKIAEXAMPLE PULL_CNI_FROM_GITHUB=false run_worker
  [ "$status" -eq 0 ]
  for name in kubelet kubelet.sha256 aws-iam-authenticator aws-iam-authenticator.sha256 \
    "$cni" "$cni.sha256" ecr-credential-provider; do
    assert_called "wget --quiet --output-document $name --input-file=-"
    grep -Fq "https://presigned.test/1.23.16/2023-01-30/bin/linux/amd64/$name?X-Amz-Expires=3600&X-Amz-Signature=" \
      "$SIGNED_LOG"
  done
  [ "$(wc -l < "$SIGNED_LOG")" -eq 7 ]
  [ "$(cat "$(upper /usr/bin/kubelet)")" = "kubelet binary" ]
  [ -x "$(upper /etc/eks/ecr-credential-provider/ecr-credential-provider)" ]
  refute_called_matching '^aws s3'
  # Neither the script's output nor any command line carries a URL or its signature.
  [[ "$output" != *presigned.test* && "$output" != *SECRET* && "$output" != *X-Amz-* ]]
  refute_called_matching 'presigned\.test|SECRET|X-Amz-'
}

@test "an object missing from BINARY_URLS_FILE falls back to HTTPS and says so" {
  url_file kubelet kubelet.sha256
  run_worker
  [ "$status" -eq 0 ]
  assert_called "wget --quiet --output-document kubelet --input-file=-"
  assert_called "wget --quiet --output-document aws-iam-authenticator https://amazon-eks.s3.us-west-2.amazonaws.com/1.23.16/2023-01-30/bin/linux/amd64/aws-iam-authenticator"
  assert_output_contains "install-worker.sh: no pre-signed URL for 1.23.16/2023-01-30/bin/linux/amd64/aws-iam-authenticator in BINARY_URLS_FILE; fetching it without one"
  [ "$(wc -l < "$SIGNED_LOG")" -eq 2 ]
}

@test "a refused pre-signed URL aborts naming the object, not the URL" {
  url_file kubelet kubelet.sha256 aws-iam-authenticator aws-iam-authenticator.sha256
  echo 1.23.16/2023-01-30/bin/linux/amd64/kubelet.sha256 > "$REFUSED_KEYS"
  AWS_ACCESS_KEY_ID=AKIAEXAMPLE run_worker
  [ "$status" -eq 1 ]
  assert_output_contains "install-worker.sh: could not download s3://amazon-eks/1.23.16/2023-01-30/bin/linux/amd64/kubelet.sha256 through its pre-signed URL (refused, missing or expired)"
  [[ "$output" != *presigned.test* && "$output" != *SECRET* ]]
  refute_called_matching '^aws s3'
  [ ! -e "$(upper /usr/bin/kubelet)" ]
}

@test "an unreadable BINARY_URLS_FILE aborts before anything is installed" {
  BINARY_URLS_FILE="$SCRATCH/no-such-file" run_worker
  [ "$status" -eq 1 ]
  assert_output_contains "install-worker.sh: BINARY_URLS_FILE $SCRATCH/no-such-file is not a readable file"
  refute_called_matching '^yum'
}

@test "arm64 machines fetch the arm64 binaries" {
  UNAME_M=aarch64 PULL_CNI_FROM_GITHUB=false run_worker
  [ "$status" -eq 0 ]
  assert_called "wget --quiet --output-document kubelet https://amazon-eks.s3.us-west-2.amazonaws.com/1.23.16/2023-01-30/bin/linux/arm64/kubelet"
  assert_called "wget --quiet --output-document cni-plugins-linux-arm64-v0.8.6.tgz https://amazon-eks.s3.us-west-2.amazonaws.com/1.23.16/2023-01-30/bin/linux/arm64/cni-plugins-linux-arm64-v0.8.6.tgz"
}

@test "CNI plugins from GitHub are sha512-checked and unpacked into /opt/cni/bin" {
  run_worker
  [ "$status" -eq 0 ]
  assert_called "wget --quiet --output-document cni-plugins-linux-amd64-v0.8.6.tgz https://github.com/containernetworking/plugins/releases/download/v0.8.6/cni-plugins-linux-amd64-v0.8.6.tgz"
  assert_called "wget --quiet --output-document cni-plugins-linux-amd64-v0.8.6.tgz.sha512 https://github.com/containernetworking/plugins/releases/download/v0.8.6/cni-plugins-linux-amd64-v0.8.6.tgz.sha512"
  [ "$(cat "$(upper /opt/cni/bin/bridge)")" = bridge ]
  [ -f "$(upper /opt/cni/bin/loopback)" ]
}

@test "a kubelet checksum mismatch aborts before the binary is installed" {
  CORRUPT_OBJECT=kubelet run_worker
  [ "$status" -eq 1 ]
  assert_output_contains "install-worker.sh: sha256 checksum mismatch for kubelet"
  [ ! -e "$(upper /usr/bin/kubelet)" ]
}

@test "an aws-iam-authenticator checksum mismatch aborts" {
  CORRUPT_OBJECT=aws-iam-authenticator run_worker
  [ "$status" -eq 1 ]
  assert_output_contains "sha256 checksum mismatch for aws-iam-authenticator"
}

@test "a CNI checksum mismatch aborts, from GitHub (sha512) and from the bucket (sha256)" {
  CORRUPT_OBJECT=cni-plugins-linux-amd64-v0.8.6.tgz.sha512 run_worker
  [ "$status" -eq 1 ]
  assert_output_contains "sha512 checksum mismatch for cni-plugins-linux-amd64-v0.8.6.tgz"
  fresh_root
  CORRUPT_OBJECT=cni-plugins-linux-amd64-v0.8.6.tgz PULL_CNI_FROM_GITHUB=false run_worker
  [ "$status" -eq 1 ]
  assert_output_contains "sha256 checksum mismatch for cni-plugins-linux-amd64-v0.8.6.tgz"
}

@test "a missing bucket object aborts" {
  make_bucket
  rm "$BUCKET_ROOT/1.23.16/2023-01-30/bin/linux/amd64/kubelet.sha256"
  run root_run "$SCRIPTS_DIR/install-worker.sh"
  [ "$status" -eq 1 ]
  assert_output_contains "install-worker.sh: could not download https://amazon-eks.s3.us-west-2.amazonaws.com/1.23.16/2023-01-30/bin/linux/amd64/kubelet.sha256"
  [ ! -e "$(upper /usr/bin/kubelet)" ]
}

@test "a missing bucket object fetched with forwarded credentials aborts with status 1 and names it" {
  make_bucket
  rm "$BUCKET_ROOT/1.23.16/2023-01-30/bin/linux/amd64/aws-iam-authenticator"
  AWS_ACCESS_KEY_ID=AKIDEXAMPLE run root_run "$SCRIPTS_DIR/install-worker.sh"
  [ "$status" -eq 1 ]
  assert_output_contains "install-worker.sh: could not download s3://amazon-eks/1.23.16/2023-01-30/bin/linux/amd64/aws-iam-authenticator"
}

@test "a CNI archive missing from the GitHub release aborts with status 1 and names it" {
  make_bucket
  rm "$GITHUB_ROOT/cni-plugins-linux-amd64-v0.8.6.tgz"
  run root_run "$SCRIPTS_DIR/install-worker.sh"
  [ "$status" -eq 1 ]
  assert_output_contains "could not download https://github.com/containernetworking/plugins/releases/download/v0.8.6/cni-plugins-linux-amd64-v0.8.6.tgz"
}

@test "aws-iam-authenticator older than v0.5.9 aborts" {
  AUTH_VERSION=v0.5.8 run_worker
  [ "$status" -eq 1 ]
  assert_output_contains "aws-iam-authenticator version v0.5.8 is less than v0.5.9"
  fresh_root
  AUTH_VERSION=v0.6.2 run_worker
  [ "$status" -eq 0 ]
}

@test "time, ssh, sysctls, release file, log collector and cloud-init are configured" {
  run_worker
  [ "$status" -eq 0 ]
  assert_called "chkconfig chronyd on"
  assert_file_contains "$(upper /etc/chrony.conf)" rtcsync
  [ "$(cat "$SCRATCH/clocksource/current_clocksource")" = tsc ]
  assert_file_contains "$(upper /etc/ssh/sshd_config)" "Ciphers aes128-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com"
  assert_called "systemctl restart sshd.service"
  local release
  release="$(upper /etc/eks/release)"
  assert_file_contains "$release" 'BASE_AMI_ID="ami-0base"'
  assert_file_contains "$release" "BUILD_KERNEL=\"$UNAME_R\""
  assert_file_contains "$release" 'ARCH="x86_64"'
  grep -q '^BUILD_TIME=".\+"$' "$release"
  for line in vm.overcommit_memory=1 kernel.panic=10 kernel.panic_on_oops=1; do
    assert_file_contains "$(upper /etc/sysctl.d/99-amazon.conf)" "$line"
  done
  for line in fs.inotify.max_user_watches=524288 fs.inotify.max_user_instances=8192 vm.max_map_count=524288; do
    assert_file_contains "$(upper /etc/sysctl.conf)" "$line"
  done
  [ -x "$(upper /etc/eks/log-collector-script/eks-log-collector.sh)" ]
  grep -q '^ *# - package-update-upgrade-install$' "$(upper /etc/cloud/cloud.cfg)"
  ! grep -q '^ *- package-update-upgrade-install' "$(upper /etc/cloud/cloud.cfg)" || false
  grep -q '^ - runcmd$' "$(upper /etc/cloud/cloud.cfg)"
  [ -f "$(upper /etc/logrotate.d/kube-proxy)" ]
  [ -f "$(upper /etc/logrotate.conf)" ]
}

@test "without an uploaded log collector the image is built anyway, with a warning" {
  rm -rf "$TEMPLATE_DIR/log-collector-script"
  run_worker
  [ "$status" -eq 0 ]
  assert_output_contains "WARNING: $TEMPLATE_DIR/log-collector-script/eks-log-collector.sh was not uploaded"
  [ ! -e "$(upper /etc/eks/log-collector-script)" ]
  [ -f "$(upper /etc/eks/release)" ]
}

@test "the clock source stays when tsc is not available" {
  echo "xen hpet" > "$SCRATCH/clocksource/available_clocksource"
  run_worker
  [ "$status" -eq 0 ]
  [ "$(cat "$SCRATCH/clocksource/current_clocksource")" = xen ]
  assert_output_contains "tsc as a clock source is not applicable"
}

@test "EKS scripts are installed executable; sonobuoy config only with a registry" {
  run_worker
  [ "$status" -eq 0 ]
  [ -x "$(upper /etc/eks/bootstrap.sh)" ]
  [ -x "$(upper /etc/eks/get-ecr-uri.sh)" ]
  [ -x "$(upper /etc/eks/max-pods-calculator.sh)" ]
  [ -f "$(upper /etc/eks/eni-max-pods.txt)" ]
  [ ! -e "$(upper /etc/eks/sonobuoy-e2e-registry-config)" ]
  fresh_root
  SONOBUOY_E2E_REGISTRY=registry.example.com run_worker
  [ "$status" -eq 0 ]
  [ "$(cat "$(upper /etc/eks/sonobuoy-e2e-registry-config)")" = "dockerLibraryRegistry: registry.example.com/library" ]
}

@test "--help prints the usage; an unknown argument fails" {
  run "$SCRIPTS_DIR/install-worker.sh" --help
  [ "$status" -eq 0 ]
  assert_output_contains "usage: install-worker.sh"
  run "$SCRIPTS_DIR/install-worker.sh" bogus
  [ "$status" -eq 1 ]
}
