#!/usr/bin/env bats
# files/bootstrap.sh run in a scratch root against a fake IMDS, with aws, kubelet, systemctl and the
# container runtimes stubbed.

load test_helper

CA_B64="dGVzdA=="
ENDPOINT="https://0123456789ABCDEF.gr7.us-east-1.eks.amazonaws.com"
MAC="0e:49:61:0f:c3:11"
PAUSE_DEFAULT="602401143452.dkr.ecr.us-east-1.amazonaws.com/eks/pause:3.5"

setup_file() {
  fake_imds_start "${BATS_FILE_TMPDIR}/imds"
}

teardown_file() {
  fake_imds_stop
}

setup() {
  fake_imds_reset
  node_setup
}

teardown() {
  node_teardown
}

# Runs bootstrap with the CA and endpoint given, so no DescribeCluster happens.
bootstrap() {
  run scratch_run "${FILES_DIR}/bootstrap.sh" --b64-cluster-ca "${CA_B64}" --apiserver-endpoint "${ENDPOINT}" "$@"
}

# Runs bootstrap without CA and endpoint, so it asks the (stubbed) EKS API.
bootstrap_describing() {
  run scratch_run "${FILES_DIR}/bootstrap.sh" "$@"
}

# Scripts the DescribeCluster text answer: CA ipFamily endpoint id outpostArn serviceIpv4Cidr serviceIpv6Cidr.
describe_cluster_answer() {
  local IFS=$'\t'
  echo "$*" > "${STUB_STATE}/describe-cluster.txt"
}

kubelet_config() {
  jq -r "$1" "$(root_path /etc/kubernetes/kubelet/kubelet-config.json)"
}

kubelet_args_drop_in() {
  cat "$(root_path /etc/systemd/system/kubelet.service.d/10-kubelet-args.conf)"
}

sleeps() {
  stub_calls sleep | awk '{ print $2 }'
}

# --- the upstream cases -------------------------------------------------------------------------

@test "upstream case api-qps-k8s-1.21-below: kubeAPIQPS and kubeAPIBurst stay unset" {
  STUB_KUBELET_VERSION=v1.21.0 bootstrap test
  [ "${status}" -eq 0 ]
  [ "$(kubelet_config .kubeAPIQPS)" = null ]
  [ "$(kubelet_config .kubeAPIBurst)" = null ]
}

@test "upstream case api-qps-k8s-1.22-above: kubeAPIQPS=10 and kubeAPIBurst=20" {
  STUB_KUBELET_VERSION=v1.22.0 bootstrap test
  [ "${status}" -eq 0 ]
  [ "$(kubelet_config .kubeAPIQPS)" = 10 ]
  [ "$(kubelet_config .kubeAPIBurst)" = 20 ]
}

@test "upstream case container-runtime-defaults: dockerd below 1.24, containerd only from 1.24" {
  export STUB_KUBELET_VERSION=v1.20.15
  bootstrap test --container-runtime dockerd
  [ "${status}" -eq 0 ]
  node_reset
  bootstrap test --container-runtime containerd
  [ "${status}" -eq 0 ]
  node_reset
  bootstrap test
  [ "${status}" -eq 0 ]
  [[ "${output}" == *"Using dockerd as the container runtime"* ]]

  export STUB_KUBELET_VERSION=v1.24.10
  node_reset
  bootstrap test --container-runtime dockerd
  [ "${status}" -eq 1 ]
  [[ "${output}" == *"containerd is the only supported container runtime as of Kubernetes version 1.24"* ]]
  node_reset
  bootstrap test --container-runtime containerd
  [ "${status}" -eq 0 ]
  node_reset
  bootstrap test
  [ "${status}" -eq 0 ]
  [[ "${output}" == *"Using containerd as the container runtime"* ]]
  node_reset
  bootstrap test --enable-docker-bridge true --docker-config-json '{"bridge":"docker0"}'
  [ "${status}" -eq 0 ]
  [[ "${output}" == *"WARNING: Flag --enable-docker-bridge was set but will be ignored"* ]]
  [[ "${output}" == *"WARNING: Flag --docker-config-json was set but will be ignored"* ]]
}

@test "upstream case containerd-config: the shipped config loads; a duplicated table fails bootstrap" {
  run containerd -c "${FILES_DIR}/containerd-config.toml" config dump
  [ "${status}" -eq 0 ]
  local custom="${SCRATCH}/custom-containerd.toml"
  cat "${FILES_DIR}/containerd-config.toml" > "${custom}"
  printf '\n[cgroup]\npath = ""\n\n[cgroup]\npath = ""\n' >> "${custom}"
  STUB_KUBELET_VERSION=v1.24.10 bootstrap test --container-runtime containerd --containerd-config-file "${custom}"
  [ "${status}" -ne 0 ]
  [[ "${output}" == *"Cannot declare ('cgroup',) twice"* ]]
}

@test "upstream case ecr-credential-provider-config: v1alpha1 for 1.22, v1beta1 kept for 1.24" {
  local config
  config="$(root_path /etc/eks/ecr-credential-provider/ecr-credential-provider-config)"
  STUB_KUBELET_VERSION=v1.22.17 bootstrap test
  [ "${status}" -eq 0 ]
  grep -q '^apiVersion: kubelet.config.k8s.io/v1alpha1$' "${config}"
  grep -q 'apiVersion: credentialprovider.kubelet.k8s.io/v1alpha1$' "${config}"
  [ "$(grep -c v1beta1 "${config}")" -eq 0 ]
  node_reset
  config="$(root_path /etc/eks/ecr-credential-provider/ecr-credential-provider-config)"
  STUB_KUBELET_VERSION=v1.24.10 bootstrap test
  [ "${status}" -eq 0 ]
  grep -q '^apiVersion: kubelet.config.k8s.io/v1beta1$' "${config}"
  grep -q 'apiVersion: credentialprovider.kubelet.k8s.io/v1beta1$' "${config}"
}

@test "upstream case ip-family-service-ipv6-cidr-mismatch: ipv4 with a service IPv6 CIDR fails" {
  bootstrap test --ip-family ipv4 --service-ipv6-cidr fe80::/108
  [ "${status}" -eq 1 ]
  [[ "${output}" == *"--ip-family should be ipv6 when --service-ipv6-cidr is specified"* ]]
}

@test "upstream case ipv4-cluster-dns-ip: --dns-cluster-ip is written as clusterDNS" {
  bootstrap test --ip-family ipv4 --dns-cluster-ip 192.168.0.1
  [ "${status}" -eq 0 ]
  [ "$(kubelet_config '.clusterDNS[0]')" = 192.168.0.1 ]
  [ "$(kubelet_config '.clusterDNS | length')" = 1 ]
}

@test "upstream case ipv6-cluster-dns-ip: an IPv6 --dns-cluster-ip is written as clusterDNS" {
  bootstrap test --ip-family ipv6 --dns-cluster-ip fe80::2a
  [ "${status}" -eq 0 ]
  [ "$(kubelet_config '.clusterDNS[0]')" = fe80::2a ]
}

@test "upstream case ipv6-dns-cluster-ip-given-service-ipv6-cidr: fe80::1 gives fe80::1a" {
  bootstrap test --ip-family ipv6 --service-ipv6-cidr fe80::1
  [ "${status}" -eq 0 ]
  [ "$(kubelet_config '.clusterDNS[0]')" = fe80::1a ]
}

@test "upstream case ipv6-ip-family-and-service-ipv6-cidr: ipv6 without CIDR or DNS IP fails" {
  bootstrap test --ip-family ipv6
  [ "${status}" -eq 1 ]
  [[ "${output}" == *"One of --service-ipv6-cidr or --dns-cluster-ip must be provided when --ip-family is ipv6"* ]]
}

# --- arguments ----------------------------------------------------------------------------------

@test "-h and --help print the help and exit 1" {
  run "${FILES_DIR}/bootstrap.sh" --help
  [ "${status}" -eq 1 ]
  [[ "${output}" == *"usage: bootstrap.sh [options] <cluster-name>"* ]]
  [[ "${output}" == *"RETRY_SLEEP_SCALE"* ]]
  run "${FILES_DIR}/bootstrap.sh" -h
  [ "${status}" -eq 1 ]
  [ "$(stub_call_count kubelet)" -eq 0 ]
}

@test "the help lists all 16 options" {
  run "${FILES_DIR}/bootstrap.sh" --help
  local flag
  for flag in --use-max-pods --b64-cluster-ca --apiserver-endpoint --kubelet-extra-args --enable-docker-bridge \
    --aws-api-retry-attempts --docker-config-json --containerd-config-file --pause-container-account \
    --pause-container-version --dns-cluster-ip --container-runtime --ip-family --service-ipv6-cidr \
    --enable-local-outpost --cluster-id; do
    [[ "${output}" == *"  ${flag} "* ]] || {
      echo "missing ${flag}" >&2
      return 1
    }
  done
}

@test "every option that takes a value fails without one, before anything runs" {
  local flag
  for flag in --use-max-pods --b64-cluster-ca --apiserver-endpoint --kubelet-extra-args --enable-docker-bridge \
    --aws-api-retry-attempts --docker-config-json --containerd-config-file --pause-container-account \
    --pause-container-version --dns-cluster-ip --container-runtime --ip-family --service-ipv6-cidr \
    --enable-local-outpost --cluster-id; do
    run scratch_run "${FILES_DIR}/bootstrap.sh" test "${flag}"
    [ "${status}" -eq 1 ] || {
      echo "${flag}: status ${status}" >&2
      return 1
    }
    [ "${output}" = "bootstrap.sh: option ${flag} requires a value" ] || {
      echo "${flag}: ${output}" >&2
      return 1
    }
  done
  [ "$(stub_call_count kubelet)" -eq 0 ]
}

@test "a missing cluster name fails with CLUSTER_NAME is not defined" {
  bootstrap
  [ "${status}" -eq 1 ]
  [[ "${output}" == *"CLUSTER_NAME is not defined"* ]]
}

@test "the first positional word is the cluster name, unknown words included" {
  bootstrap my-cluster --unknown-flag
  [ "${status}" -eq 0 ]
  grep -q '"my-cluster"' "$(root_path /var/lib/kubelet/kubeconfig)"
}

@test "the CA and endpoint flags fill the CA file and kubeconfig without calling EKS" {
  bootstrap my-cluster
  [ "${status}" -eq 0 ]
  [ "$(cat "$(root_path /etc/kubernetes/pki/ca.crt)")" = test ]
  local kubeconfig
  kubeconfig="$(root_path /var/lib/kubelet/kubeconfig)"
  grep -q "server: ${ENDPOINT}$" "${kubeconfig}"
  grep -q '"us-east-1"' "${kubeconfig}"
  grep -q '"my-cluster"' "${kubeconfig}"
  [ "$(grep -cE 'MASTER_ENDPOINT|CLUSTER_NAME|AWS_REGION' "${kubeconfig}")" -eq 0 ]
  [ "$(stub_call_count aws)" -eq 0 ]
}

@test "--use-max-pods true (default) sets maxPods from the table; false leaves it out" {
  bootstrap test
  [ "$(kubelet_config .maxPods)" = 58 ]
  node_reset
  bootstrap test --use-max-pods false
  [ "${status}" -eq 0 ]
  [ "$(kubelet_config .maxPods)" = null ]
  [ "$(kubelet_config .kubeReserved.memory)" = 893Mi ]
}

@test "options override environment variables, which override defaults" {
  USE_MAX_PODS=false bootstrap test
  [ "$(kubelet_config .maxPods)" = null ]
  node_reset
  USE_MAX_PODS=false bootstrap test --use-max-pods true
  [ "$(kubelet_config .maxPods)" = 58 ]
  node_reset
  DNS_CLUSTER_IP=10.9.0.10 KUBELET_EXTRA_ARGS="--node-labels=env=1" bootstrap test
  [ "$(kubelet_config '.clusterDNS[0]')" = 10.9.0.10 ]
  grep -q "KUBELET_EXTRA_ARGS=--node-labels=env=1'" \
    "$(root_path /etc/systemd/system/kubelet.service.d/30-kubelet-extra-args.conf)"
  node_reset
  STUB_KUBELET_VERSION=v1.23.9 CONTAINER_RUNTIME=containerd bootstrap test
  [[ "${output}" == *"Using containerd as the container runtime"* ]]
}

@test "--kubelet-extra-args goes verbatim into the 30-kubelet-extra-args drop-in" {
  bootstrap test --kubelet-extra-args '--node-labels=a=b,c=d --register-with-taints=x=y:NoSchedule'
  [ "${status}" -eq 0 ]
  [ "$(cat "$(root_path /etc/systemd/system/kubelet.service.d/30-kubelet-extra-args.conf)")" = "[Service]
Environment='KUBELET_EXTRA_ARGS=--node-labels=a=b,c=d --register-with-taints=x=y:NoSchedule'" ]
}

@test "without extra args no 30-kubelet-extra-args drop-in is written" {
  bootstrap test
  [ "${status}" -eq 0 ]
  [ ! -e "$(root_path /etc/systemd/system/kubelet.service.d/30-kubelet-extra-args.conf)" ]
}

@test "the 10-kubelet-args drop-in carries node IP, pause image and verbosity" {
  bootstrap test
  [ "${status}" -eq 0 ]
  [ "$(kubelet_args_drop_in)" = "[Service]
Environment='KUBELET_ARGS=--node-ip=192.168.34.7 --pod-infra-container-image=${PAUSE_DEFAULT} --v=2'" ]
}

@test "--pause-container-account and --pause-container-version choose the pause image" {
  bootstrap test --pause-container-account 111122223333 --pause-container-version 3.9
  [ "${status}" -eq 0 ]
  [[ "$(kubelet_args_drop_in)" == *"--pod-infra-container-image=111122223333.dkr.ecr.us-east-1.amazonaws.com/eks/pause:3.9 "* ]]
}

@test "the pause account follows the region table and PAUSE_CONTAINER_IMAGE replaces the image" {
  imds_set latest/dynamic/instance-identity/document '{"region":"af-south-1"}'
  bootstrap test
  [[ "$(kubelet_args_drop_in)" == *"=877085696533.dkr.ecr.af-south-1.amazonaws.com/eks/pause:3.5 "* ]]
  node_reset
  PAUSE_CONTAINER_IMAGE=registry.example/pause bootstrap test
  [[ "$(kubelet_args_drop_in)" == *"--pod-infra-container-image=registry.example/pause:3.5 "* ]]
}

@test "--ip-family is case-insensitive and must be ipv4 or ipv6" {
  bootstrap test --ip-family IPv6 --dns-cluster-ip fd00::a
  [ "${status}" -eq 0 ]
  node_reset
  bootstrap test --ip-family ipv5
  [ "${status}" -eq 1 ]
  [[ "${output}" == *"Invalid --ip-family. Only ipv4 or ipv6 are allowed"* ]]
}

@test "--service-ipv6-cidr alone implies ipv6: IPv6 node IP and DNS address" {
  bootstrap test --service-ipv6-cidr fd00::/108
  [ "${status}" -eq 0 ]
  [ "$(kubelet_config '.clusterDNS[0]')" = fd00::a ]
  [[ "$(kubelet_args_drop_in)" == *"--node-ip=2001:db8:1234:1a00::42 "* ]]
}

@test "an unknown machine architecture fails" {
  STUB_UNAME_M=ppc64le bootstrap test
  [ "${status}" -eq 1 ]
  [[ "${output}" == *"Unknown machine architecture 'ppc64le'"* ]]
}

@test "a failing command reports the line through the ERR trap" {
  stub kubelet 'exit 3'
  bootstrap test
  [ "${status}" -ne 0 ]
  [[ "${output}" == *"Exited with error on line "* ]]
}

# --- runtimes -----------------------------------------------------------------------------------

@test "an unsupported runtime below 1.24 fails before anything is configured" {
  STUB_KUBELET_VERSION=v1.23.9 bootstrap test --container-runtime cri-o
  [ "${status}" -eq 1 ]
  [[ "${output}" == *"Container runtime cri-o is not supported."* ]]
  [ "$(stub_call_count systemctl)" -eq 0 ]
}

@test "dockerd: iptables saved and restored, docker and kubelet enabled with the docker unit" {
  STUB_KUBELET_VERSION=v1.23.9 bootstrap test
  [ "${status}" -eq 0 ]
  grep -q ':FORWARD ACCEPT' "$(root_path /etc/sysconfig/iptables)"
  cmp "${FILES_DIR}/iptables-restore.service" "$(root_path /etc/systemd/system/iptables-restore.service)"
  cmp "${FILES_DIR}/kubelet.service" "$(root_path /etc/systemd/system/kubelet.service)"
  stub_calls systemctl | grep -qx 'systemctl enable iptables-restore'
  stub_calls systemctl | grep -qx 'systemctl enable docker'
  stub_calls systemctl | grep -qx 'systemctl restart docker'
  stub_calls systemctl | grep -qx 'systemctl enable kubelet'
  stub_calls systemctl | grep -qx 'systemctl start kubelet'
  [ "$(kubelet_config .cgroupDriver)" = cgroupfs ]
  cmp "${FILES_DIR}/docker-daemon.json" "$(root_path /etc/docker/daemon.json)"
}

@test "dockerd: --docker-config-json replaces daemon.json" {
  STUB_KUBELET_VERSION=v1.23.9 bootstrap test --docker-config-json '{"bridge":"none","debug":true}'
  [ "${status}" -eq 0 ]
  [ "$(jq -c . "$(root_path /etc/docker/daemon.json)")" = '{"bridge":"none","debug":true}' ]
}

@test "dockerd: --enable-docker-bridge true sets docker0 and turns live-restore off" {
  STUB_KUBELET_VERSION=v1.23.9 bootstrap test --enable-docker-bridge true
  [ "${status}" -eq 0 ]
  local daemon
  daemon="$(root_path /etc/docker/daemon.json)"
  [ "$(jq -r .bridge "${daemon}")" = docker0 ]
  [ "$(jq -r '."live-restore"' "${daemon}")" = false ]
  [ "$(jq -r '."max-concurrent-downloads"' "${daemon}")" = 10 ]
}

@test "containerd: unit, slice drop-in, rendered config, cgroup settings and config validation" {
  STUB_KUBELET_VERSION=v1.24.10 bootstrap test
  [ "${status}" -eq 0 ]
  cmp "${FILES_DIR}/kubelet-containerd.service" "$(root_path /etc/systemd/system/kubelet.service)"
  [ "$(cat "$(root_path /etc/systemd/system/containerd.service.d/00-runtime-slice.conf)")" = "[Service]
Slice=runtime.slice" ]
  grep -qF "sandbox_image = \"${PAUSE_DEFAULT}\"" "$(root_path /etc/containerd/config.toml)"
  cmp "${FILES_DIR}/sandbox-image.service" "$(root_path /etc/systemd/system/sandbox-image.service)"
  [ -d "$(root_path /etc/cni/net.d)" ]
  [ "$(kubelet_config .cgroupDriver)" = systemd ]
  [ "$(kubelet_config .systemReservedCgroup)" = /system ]
  [ "$(kubelet_config .kubeReservedCgroup)" = /runtime ]
  stub_calls systemctl | grep -qx 'systemctl enable containerd sandbox-image'
  stub_calls systemctl | grep -qx 'systemctl restart sandbox-image containerd'
  stub_calls containerd | grep -qx 'containerd config dump'
  [ "$(stub_call_count iptables-save)" -eq 0 ]
}

@test "containerd: an unchanged config does not restart containerd" {
  local rendered
  rendered="$(root_path /etc/containerd/config.toml)"
  mkdir -p "$(dirname "${rendered}")"
  sed "s|SANDBOX_IMAGE|${PAUSE_DEFAULT}|" "${FILES_DIR}/containerd-config.toml" > "${rendered}"
  STUB_KUBELET_VERSION=v1.24.10 bootstrap test
  [ "${status}" -eq 0 ]
  [ "$(stub_calls systemctl | grep -c 'restart sandbox-image containerd')" -eq 0 ]
  stub_calls systemctl | grep -qx 'systemctl start kubelet'
}

@test "containerd: --containerd-config-file replaces the template before the pause image is filled in" {
  local custom="${SCRATCH}/custom.toml"
  printf 'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\nsandbox_image = "SANDBOX_IMAGE"\n# custom\n' > "${custom}"
  STUB_KUBELET_VERSION=v1.24.10 bootstrap test --containerd-config-file "${custom}"
  [ "${status}" -eq 0 ]
  local config
  config="$(root_path /etc/containerd/config.toml)"
  grep -qx '# custom' "${config}"
  grep -qF "sandbox_image = \"${PAUSE_DEFAULT}\"" "${config}"
}

# --- EKS API ------------------------------------------------------------------------------------

@test "DescribeCluster fills CA, endpoint, service CIDR and IP family when they are not given" {
  describe_cluster_answer "$(printf 'cluster-ca' | base64)" ipv4 https://api.example.eks.amazonaws.com None None 172.16.0.0/12 None
  bootstrap_describing prod
  [ "${status}" -eq 0 ]
  [ "$(stub_calls aws)" = "aws eks wait cluster-active --region=us-east-1 --name=prod
$(stub_calls aws | sed -n 2p)" ]
  stub_calls aws | sed -n 2p | grep -q '^aws eks describe-cluster --region=us-east-1 --name=prod --output=text --query '
  [ "$(cat "$(root_path /etc/kubernetes/pki/ca.crt)")" = cluster-ca ]
  grep -q 'server: https://api.example.eks.amazonaws.com$' "$(root_path /var/lib/kubelet/kubeconfig)"
  [ "$(kubelet_config '.clusterDNS[0]')" = 172.16.0.10 ]
  [ "$(stub_call_count sleep)" -eq 0 ]
}

@test "DescribeCluster is asked when only one of CA and endpoint is given, and its answer wins" {
  describe_cluster_answer "$(printf 'from-api' | base64)" ipv4 https://api.example None None None None
  run scratch_run "${FILES_DIR}/bootstrap.sh" --b64-cluster-ca "${CA_B64}" test
  [ "${status}" -eq 0 ]
  [ "$(stub_call_count aws)" -eq 2 ]
  [ "$(cat "$(root_path /etc/kubernetes/pki/ca.crt)")" = from-api ]
}

@test "a throttled wait cluster-active is retried with backoff and then succeeds" {
  describe_cluster_answer "${CA_B64}" ipv4 "${ENDPOINT}" None None 10.100.0.0/16 None
  stub_statuses eks-wait 255 0
  bootstrap_describing test
  [ "${status}" -eq 0 ]
  [ "$(stub_calls aws | grep -c 'eks wait cluster-active')" -eq 2 ]
  [ "$(stub_calls aws | grep -c 'eks describe-cluster')" -eq 1 ]
  [[ "${output}" == *"Attempt 1 of 3"* ]]
  mapfile -t waited < <(sleeps)
  [ "${#waited[@]}" -eq 1 ]
  ((waited[0] >= 11 && waited[0] <= 20))
  [ "$(kubelet_config '.clusterDNS[0]')" = 10.100.0.10 ]
}

@test "failed describe-cluster calls back off exponentially until one succeeds" {
  describe_cluster_answer "${CA_B64}" ipv4 "${ENDPOINT}" None None None None
  stub_statuses eks-describe 255 255 0
  bootstrap_describing test
  [ "${status}" -eq 0 ]
  mapfile -t waited < <(sleeps)
  [ "${#waited[@]}" -eq 2 ]
  ((waited[0] >= 11 && waited[0] <= 20))
  ((waited[1] >= 21 && waited[1] <= 30))
}

@test "--aws-api-retry-attempts bounds the attempts; the last failure's status is the exit status" {
  stub_statuses eks-wait 255 255 255 255
  bootstrap_describing test --aws-api-retry-attempts 2
  [ "${status}" -eq 255 ]
  [ "$(stub_calls aws | grep -c 'eks wait cluster-active')" -eq 3 ]
  [ "$(stub_call_count sleep)" -eq 2 ]
  [[ "${output}" == *"DescribeCluster failed after 3 attempts"* ]]
}

@test "API_RETRY_ATTEMPTS and RETRY_SLEEP_SCALE=0 retry without sleeping" {
  stub_statuses eks-describe 1 1 1 1 1 1
  API_RETRY_ATTEMPTS=5 RETRY_SLEEP_SCALE=0 bootstrap_describing test
  [ "${status}" -eq 1 ]
  [ "$(stub_calls aws | grep -c 'eks describe-cluster')" -eq 6 ]
  [ "$(stub_call_count sleep)" -eq 0 ]
}

@test "the cluster's IPv6 family and service CIDR are used when no family is given" {
  describe_cluster_answer "${CA_B64}" ipv6 "${ENDPOINT}" None None None fd00:10:20::/108
  bootstrap_describing test
  [ "${status}" -eq 0 ]
  [ "$(kubelet_config '.clusterDNS[0]')" = fd00:10:20::a ]
  [[ "$(kubelet_args_drop_in)" == *"--node-ip=2001:db8:1234:1a00::42 "* ]]
}

@test "the cluster's service IPv6 CIDR overrides --service-ipv6-cidr" {
  describe_cluster_answer "${CA_B64}" ipv6 "${ENDPOINT}" None None None fd00:10:20::/108
  bootstrap_describing test --service-ipv6-cidr fd00:99::/108
  [ "${status}" -eq 0 ]
  [ "$(kubelet_config '.clusterDNS[0]')" = fd00:10:20::a ]
  [[ "$(kubelet_args_drop_in)" == *"--node-ip=2001:db8:1234:1a00::42 "* ]]
}

@test "a cluster without a service IPv6 CIDR (None) keeps --service-ipv6-cidr" {
  describe_cluster_answer "${CA_B64}" ipv4 "${ENDPOINT}" None None 10.100.0.0/16 None
  bootstrap_describing test --service-ipv6-cidr fd00:99::/108
  [ "${status}" -eq 0 ]
  [ "$(kubelet_config '.clusterDNS[0]')" = fd00:99::a ]
  [[ "$(kubelet_args_drop_in)" == *"--node-ip=2001:db8:1234:1a00::42 "* ]]
}

@test "an explicit --ip-family wins over the cluster's family" {
  describe_cluster_answer "${CA_B64}" ipv6 "${ENDPOINT}" None None 10.100.0.0/16 fd00::/108
  bootstrap_describing test --ip-family ipv4
  [ "${status}" -eq 0 ]
  [ "$(kubelet_config '.clusterDNS[0]')" = 10.100.0.10 ]
  [[ "$(kubelet_args_drop_in)" == *"--node-ip=192.168.34.7 "* ]]
}

# --- local clusters on Outposts -------------------------------------------------------------------

@test "--enable-local-outpost true uses the cluster id and a bootstrap kubeconfig" {
  printf '10.1.2.3        0123456789abcdef.gr7.us-east-1.eks.amazonaws.com\n' > "${STUB_STATE}/getent"
  bootstrap test --enable-local-outpost true --cluster-id 0f2b9c6e-1d2c-4a57-9c3b-1234567890ab \
    --kubelet-extra-args --node-labels=a=b
  [ "${status}" -eq 0 ]
  [ ! -e "$(root_path /var/lib/kubelet/kubeconfig)" ]
  grep -q '"0f2b9c6e-1d2c-4a57-9c3b-1234567890ab"' "$(root_path /var/lib/kubelet/bootstrap-kubeconfig)"
  grep -q "KUBELET_EXTRA_ARGS=--bootstrap-kubeconfig /var/lib/kubelet/bootstrap-kubeconfig --node-labels=a=b'" \
    "$(root_path /etc/systemd/system/kubelet.service.d/30-kubelet-extra-args.conf)"
  grep -q '^10.1.2.3 .*eks.amazonaws.com$' "$(root_path /etc/hosts)"
  stub_calls getent | grep -qx 'getent hosts 0123456789ABCDEF.gr7.us-east-1.eks.amazonaws.com'
}

@test "--enable-local-outpost true without a cluster id fails" {
  bootstrap test --enable-local-outpost true
  [ "${status}" -eq 1 ]
  [[ "${output}" == *"Cluster ID is required when local outpost support is enabled"* ]]
}

@test "an outpost ARN in DescribeCluster turns on local mode with the cluster's id" {
  describe_cluster_answer "${CA_B64}" ipv4 "${ENDPOINT}" cluster-id-123 arn:aws:outposts:us-east-1:123456789012:outpost/op-1 10.100.0.0/16 None
  bootstrap_describing test --cluster-id ignored
  [ "${status}" -eq 0 ]
  grep -q '"cluster-id-123"' "$(root_path /var/lib/kubelet/bootstrap-kubeconfig)"
}

@test "--enable-local-outpost false overrides detection and --cluster-id alone changes nothing" {
  describe_cluster_answer "${CA_B64}" ipv4 "${ENDPOINT}" cluster-id-123 arn:aws:outposts:us-east-1:123456789012:outpost/op-1 10.100.0.0/16 None
  bootstrap_describing test --enable-local-outpost false --cluster-id abc
  [ "${status}" -eq 0 ]
  grep -q '"test"' "$(root_path /var/lib/kubelet/kubeconfig)"
  [ ! -e "$(root_path /var/lib/kubelet/bootstrap-kubeconfig)" ]
}

# --- DNS address --------------------------------------------------------------------------------

@test "SERVICE_IPV4_CIDR gives the .10 address of the service network" {
  SERVICE_IPV4_CIDR=10.100.0.0/16 bootstrap test
  [ "$(kubelet_config '.clusterDNS[0]')" = 10.100.0.10 ]
  node_reset
  SERVICE_IPV4_CIDR=192.168.128.0/20 bootstrap test
  [ "$(kubelet_config '.clusterDNS[0]')" = 192.168.128.10 ]
}

@test "without a service CIDR a VPC outside 10.0.0.0/8 gives 10.100.0.10" {
  bootstrap test
  [ "$(kubelet_config '.clusterDNS[0]')" = 10.100.0.10 ]
}

@test "without a service CIDR a VPC CIDR in 10.0.0.0/8 gives 172.20.0.10" {
  imds_set "latest/meta-data/network/interfaces/macs/${MAC}/vpc-ipv4-cidr-blocks" "10.0.0.0/16"
  bootstrap test
  [ "$(kubelet_config '.clusterDNS[0]')" = 172.20.0.10 ]
}

@test "one 10.x block among several VPC CIDRs is enough for 172.20.0.10" {
  imds_set "latest/meta-data/network/interfaces/macs/${MAC}/vpc-ipv4-cidr-blocks" "$(printf '192.168.0.0/16\n10.20.0.0/16')"
  bootstrap test
  [ "$(kubelet_config '.clusterDNS[0]')" = 172.20.0.10 ]
}

@test "a service CIDR of None from the cluster falls back to the VPC rule" {
  imds_set "latest/meta-data/network/interfaces/macs/${MAC}/vpc-ipv4-cidr-blocks" "10.0.0.0/16"
  describe_cluster_answer "${CA_B64}" None "${ENDPOINT}" None None None None
  bootstrap_describing test
  [ "${status}" -eq 0 ]
  [ "$(kubelet_config '.clusterDNS[0]')" = 172.20.0.10 ]
}

# --- max pods and reservations ------------------------------------------------------------------

@test "max pods come from the table for the instance type" {
  local row type pods memory
  for row in "m4.xlarge 58 893Mi" "m5.large 29 574Mi" "t3.micro 4 299Mi" "c5.18xlarge 737 8362Mi" "m4.large 20 475Mi"; do
    read -r type pods memory <<< "${row}"
    node_reset
    imds_set latest/meta-data/instance-type "${type}"
    bootstrap test
    [ "${status}" -eq 0 ]
    [ "$(kubelet_config .maxPods)" = "${pods}" ] || {
      echo "${type}: maxPods $(kubelet_config .maxPods)" >&2
      return 1
    }
    [ "$(kubelet_config .kubeReserved.memory)" = "${memory}" ]
  done
}

@test "an instance type missing from the table falls back to the calculator" {
  imds_set latest/meta-data/instance-type m5.8xlarge
  bootstrap test
  [ "${status}" -eq 0 ]
  [ "$(kubelet_config .maxPods)" = 234 ]
  [ "$(kubelet_config .kubeReserved.memory)" = 2829Mi ]
  stub_calls aws | grep -q -- 'ec2 describe-instance-types --instance-types m5.8xlarge'
}

@test "the table match is on the whole instance type, not a prefix" {
  imds_set latest/meta-data/instance-type m4.x
  bootstrap test
  [ "${status}" -ne 0 ]
  stub_calls aws | grep -q -- '--instance-types m4.x '
}

@test "kubeReserved CPU follows the tiered formula at 1, 2, 4, 8, 16 and 96 vCPUs" {
  local row cpus expected
  for row in "1 60m" "2 70m" "4 80m" "8 90m" "16 110m" "96 310m" "3 75m" "48 190m"; do
    read -r cpus expected <<< "${row}"
    node_reset
    STUB_NPROC="${cpus}" bootstrap test
    [ "${status}" -eq 0 ]
    [ "$(kubelet_config .kubeReserved.cpu)" = "${expected}" ] || {
      echo "${cpus} vCPU: $(kubelet_config .kubeReserved.cpu), expected ${expected}" >&2
      return 1
    }
  done
}

@test "kubeReserved and evictionHard replace whatever the config had" {
  local config updated
  config="$(root_path /etc/kubernetes/kubelet/kubelet-config.json)"
  updated="$(jq '.kubeReserved = {"pid": "100"} | .evictionHard = {"imagefs.available": "15%"} | .kubeAPIQPS = 50' "${config}")"
  printf '%s\n' "${updated}" > "${config}"
  STUB_KUBELET_VERSION=v1.24.10 bootstrap test
  [ "${status}" -eq 0 ]
  [ "$(jq -c .kubeReserved "${config}")" = '{"cpu":"80m","ephemeral-storage":"1Gi","memory":"893Mi"}' ]
  [ "$(jq -c .evictionHard "${config}")" = '{"memory.available":"100Mi","nodefs.available":"10%","nodefs.inodesFree":"5%"}' ]
  [ "$(kubelet_config .systemReserved)" = null ]
  [ "$(kubelet_config .kubeAPIQPS)" = 50 ]
  [ "$(kubelet_config .kubeAPIBurst)" = 20 ]
}

# --- GPU ----------------------------------------------------------------------------------------

@test "GPU nodes get persistence mode, no auto boost and the board's application clocks" {
  local row gpu clocks
  for row in "A100-SXM4-40GB 1215,1410" "Tesla V100-SXM2-16GB 877,1530" "Tesla K80 2505,875" \
    "Tesla T4 5001,1590" "Tesla M60 2505,1177"; do
    gpu="${row% *}"
    clocks="${row##* }"
    node_reset
    stub nvidia-smi "if [[ \"\$1\" == -L ]]; then echo 'GPU 0: ${gpu} (UUID: GPU-1)'; fi"
    bootstrap test
    [ "${status}" -eq 0 ]
    stub_calls nvidia-smi | grep -qx 'nvidia-smi -pm 1'
    stub_calls nvidia-smi | grep -qx 'nvidia-smi --auto-boost-default=0'
    stub_calls nvidia-smi | grep -qx "nvidia-smi -ac ${clocks}" || {
      echo "${gpu}: $(stub_calls nvidia-smi)" >&2
      return 1
    }
  done
}

@test "an unknown GPU keeps its clocks" {
  stub nvidia-smi 'if [[ "$1" == -L ]]; then echo "GPU 0: NVIDIA A10G (UUID: GPU-1)"; fi'
  bootstrap test
  [ "${status}" -eq 0 ]
  [[ "${output}" == *"unsupported gpu"* ]]
  [ "$(stub_calls nvidia-smi | grep -c -- ' -ac ')" -eq 0 ]
}
