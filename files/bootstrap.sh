#!/usr/bin/env bash
# Joins this instance to an EKS cluster: writes the kubelet configuration, configures the container
# runtime and starts kubelet. Installed as /etc/eks/bootstrap.sh and run from user data at boot.
set -euo pipefail

readonly PROG="bootstrap.sh"

err_report() {
  echo "Exited with error on line $1" >&2
}
trap 'err_report $LINENO' ERR

IFS=$'\n\t'

readonly KUBELET_CONFIG="/etc/kubernetes/kubelet/kubelet-config.json"
readonly KUBECONFIG_PATH="/var/lib/kubelet/kubeconfig"
readonly BOOTSTRAP_KUBECONFIG_PATH="/var/lib/kubelet/bootstrap-kubeconfig"
readonly CA_CERTIFICATE_FILE_PATH="/etc/kubernetes/pki/ca.crt"
readonly MAX_PODS_FILE="/etc/eks/eni-max-pods.txt"
readonly ECR_CREDENTIAL_PROVIDER_CONFIG="/etc/eks/ecr-credential-provider/ecr-credential-provider-config"
readonly CONTAINERD_TEMPLATE="/etc/eks/containerd/containerd-config.toml"
readonly DESCRIBE_CLUSTER_RESULT="/tmp/describe_cluster_result.txt"
readonly KUBELET_DROP_IN_DIR="/etc/systemd/system/kubelet.service.d"

usage() {
  cat << USAGE
usage: ${PROG} [options] <cluster-name>

Bootstraps an instance into an EKS cluster. Every option takes a value.

  -h, --help                        print this help and exit 1
  --use-max-pods true|false         set maxPods in the kubelet config (default: true)
  --b64-cluster-ca CA               base64 cluster CA; with --apiserver-endpoint skips DescribeCluster
  --apiserver-endpoint URL          EKS API server endpoint; with --b64-cluster-ca skips DescribeCluster
  --kubelet-extra-args ARGS         extra kubelet arguments, written to a systemd drop-in
  --enable-docker-bridge true|false dockerd only: restore the docker0 bridge (default: false)
  --aws-api-retry-attempts N        DescribeCluster retries (default: 3)
  --docker-config-json JSON         dockerd only: content of /etc/docker/daemon.json
  --containerd-config-file FILE     containerd only: replaces the containerd config template
  --pause-container-account ACCOUNT ECR account of the pause image (default: the region's EKS account)
  --pause-container-version TAG     pause image tag (default: 3.5)
  --dns-cluster-ip IP               cluster DNS address (default: derived from the service CIDR or VPC)
  --container-runtime RUNTIME       containerd or dockerd (default: dockerd below 1.24, containerd from 1.24)
  --ip-family ipv4|ipv6             cluster IP family (default: the cluster's, else ipv4)
  --service-ipv6-cidr CIDR          IPv6 service CIDR; implies --ip-family ipv6 (a CIDR DescribeCluster
                                    reports replaces it)
  --enable-local-outpost true|false local cluster on Outposts (default: detected from the cluster)
  --cluster-id ID                   cluster id, required for local clusters on Outposts

Every option can also be given as an environment variable (USE_MAX_PODS, B64_CLUSTER_CA,
APISERVER_ENDPOINT, KUBELET_EXTRA_ARGS, ENABLE_DOCKER_BRIDGE, API_RETRY_ATTEMPTS, DOCKER_CONFIG_JSON,
CONTAINERD_CONFIG_FILE, PAUSE_CONTAINER_ACCOUNT, PAUSE_CONTAINER_VERSION, DNS_CLUSTER_IP,
CONTAINER_RUNTIME, IP_FAMILY, SERVICE_IPV6_CIDR, ENABLE_LOCAL_OUTPOST, CLUSTER_ID); options win.
Environment only:
  SERVICE_IPV4_CIDR      IPv4 service CIDR used to derive the DNS address
  PAUSE_CONTAINER_IMAGE  pause image without tag (default: <region's ECR registry>/eks/pause)
  RETRY_SLEEP_SCALE      multiplies every DescribeCluster backoff sleep (default 1; 0 disables sleeping)
USAGE
}

die() {
  echo "${PROG}: $*" >&2
  exit 1
}

require_value() {
  if [[ $# -lt 2 ]]; then
    die "option $1 requires a value"
  fi
}

POSITIONAL=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h | --help)
      usage
      exit 1
      ;;
    --use-max-pods)
      require_value "$@"
      USE_MAX_PODS="$2"
      shift 2
      ;;
    --b64-cluster-ca)
      require_value "$@"
      B64_CLUSTER_CA="$2"
      shift 2
      ;;
    --apiserver-endpoint)
      require_value "$@"
      APISERVER_ENDPOINT="$2"
      shift 2
      ;;
    --kubelet-extra-args)
      require_value "$@"
      KUBELET_EXTRA_ARGS="$2"
      shift 2
      ;;
    --enable-docker-bridge)
      require_value "$@"
      ENABLE_DOCKER_BRIDGE="$2"
      shift 2
      ;;
    --aws-api-retry-attempts)
      require_value "$@"
      API_RETRY_ATTEMPTS="$2"
      shift 2
      ;;
    --docker-config-json)
      require_value "$@"
      DOCKER_CONFIG_JSON="$2"
      shift 2
      ;;
    --containerd-config-file)
      require_value "$@"
      CONTAINERD_CONFIG_FILE="$2"
      shift 2
      ;;
    --pause-container-account)
      require_value "$@"
      PAUSE_CONTAINER_ACCOUNT="$2"
      shift 2
      ;;
    --pause-container-version)
      require_value "$@"
      PAUSE_CONTAINER_VERSION="$2"
      shift 2
      ;;
    --dns-cluster-ip)
      require_value "$@"
      DNS_CLUSTER_IP="$2"
      shift 2
      ;;
    --container-runtime)
      require_value "$@"
      CONTAINER_RUNTIME="$2"
      shift 2
      ;;
    --ip-family)
      require_value "$@"
      IP_FAMILY="$2"
      shift 2
      ;;
    --service-ipv6-cidr)
      require_value "$@"
      SERVICE_IPV6_CIDR="$2"
      shift 2
      ;;
    --enable-local-outpost)
      require_value "$@"
      ENABLE_LOCAL_OUTPOST="$2"
      shift 2
      ;;
    --cluster-id)
      require_value "$@"
      CLUSTER_ID="$2"
      shift 2
      ;;
    *)
      POSITIONAL+=("$1")
      shift
      ;;
  esac
done

CLUSTER_NAME="${POSITIONAL[0]:-}"

USE_MAX_PODS="${USE_MAX_PODS:-true}"
B64_CLUSTER_CA="${B64_CLUSTER_CA:-}"
APISERVER_ENDPOINT="${APISERVER_ENDPOINT:-}"
SERVICE_IPV4_CIDR="${SERVICE_IPV4_CIDR:-}"
SERVICE_IPV6_CIDR="${SERVICE_IPV6_CIDR:-}"
DNS_CLUSTER_IP="${DNS_CLUSTER_IP:-}"
KUBELET_EXTRA_ARGS="${KUBELET_EXTRA_ARGS:-}"
ENABLE_DOCKER_BRIDGE="${ENABLE_DOCKER_BRIDGE:-false}"
API_RETRY_ATTEMPTS="${API_RETRY_ATTEMPTS:-3}"
DOCKER_CONFIG_JSON="${DOCKER_CONFIG_JSON:-}"
CONTAINERD_CONFIG_FILE="${CONTAINERD_CONFIG_FILE:-}"
PAUSE_CONTAINER_ACCOUNT="${PAUSE_CONTAINER_ACCOUNT:-}"
PAUSE_CONTAINER_VERSION="${PAUSE_CONTAINER_VERSION:-3.5}"
IP_FAMILY="${IP_FAMILY:-}"
ENABLE_LOCAL_OUTPOST="${ENABLE_LOCAL_OUTPOST:-}"
CLUSTER_ID="${CLUSTER_ID:-}"
RETRY_SLEEP_SCALE="${RETRY_SLEEP_SCALE:-1}"

# Replaces every occurrence of a placeholder in a file with a literal value.
replace_placeholder() {
  local placeholder="$1"
  local value="$2"
  local file="$3"
  local escaped
  escaped="$(printf '%s' "${value}" | sed -e 's/[\\|&]/\\&/g')"
  sed -i "s|${placeholder}|${escaped}|g" "${file}"
}

# Applies a jq filter to the kubelet config in place; extra arguments go to jq before the filter.
edit_kubelet_config() {
  local updated
  updated="$(jq "$@" "${KUBELET_CONFIG}")"
  printf '%s\n' "${updated}" > "${KUBELET_CONFIG}"
}

# Millicores of CPU to reserve out of total_millicores for the slice [start, end) at pct hundredths of a percent.
reserve_in_range() {
  local total="$1"
  local start="$2"
  local end="$3"
  local pct="$4"
  local upper="${end}"
  if ((total <= start)); then
    echo 0
    return
  fi
  if ((total < end)); then
    upper="${total}"
  fi
  echo $(((upper - start) * pct / 10000))
}

# 6% of the first core, 1% of the second, 0.5% of cores 3-4 and 0.25% of every core above 4.
cpu_millicores_to_reserve() {
  local total=$(($(nproc) * 1000))
  local bounds=(0 1000 2000 4000 "${total}")
  local percents=(600 100 50 25)
  local reserved=0 i
  for i in "${!percents[@]}"; do
    reserved=$((reserved + $(reserve_in_range "${total}" "${bounds[i]}" "${bounds[i + 1]}" "${percents[i]}")))
  done
  echo "${reserved}"
}

memory_mebibytes_to_reserve() {
  local max_pods="$1"
  echo $((11 * max_pods + 255))
}

# Queries the cluster, retrying throttled or failed calls (the wait included) with exponential backoff.
describe_cluster() {
  local attempt rc jitter sleep_seconds
  for ((attempt = 0; attempt <= API_RETRY_ATTEMPTS; attempt++)); do
    if ((attempt > 0)); then
      echo "Attempt ${attempt} of ${API_RETRY_ATTEMPTS}"
    fi
    rc=0
    {
      aws eks wait cluster-active \
        --region="${AWS_DEFAULT_REGION}" \
        --name="${CLUSTER_NAME}" \
        && aws eks describe-cluster \
          --region="${AWS_DEFAULT_REGION}" \
          --name="${CLUSTER_NAME}" \
          --output=text \
          --query 'cluster.{certificateAuthorityData: certificateAuthority.data, endpoint: endpoint, serviceIpv4Cidr: kubernetesNetworkConfig.serviceIpv4Cidr, serviceIpv6Cidr: kubernetesNetworkConfig.serviceIpv6Cidr, clusterIpFamily: kubernetesNetworkConfig.ipFamily, outpostArn: outpostConfig.outpostArns[0], id: id}' \
          > "${DESCRIBE_CLUSTER_RESULT}"
    } || rc=$?
    if ((rc == 0)); then
      return 0
    fi
    if ((attempt == API_RETRY_ATTEMPTS)); then
      echo "${PROG}: DescribeCluster failed after $((API_RETRY_ATTEMPTS + 1)) attempts" >&2
      exit "${rc}"
    fi
    jitter=$((RANDOM % 10 + 1))
    sleep_seconds=$((((5 << (attempt + 1)) + jitter) * RETRY_SLEEP_SCALE))
    if ((sleep_seconds > 0)); then
      sleep "${sleep_seconds}"
    fi
  done
}

# Prints column N of the DescribeCluster text output (columns are sorted by key name).
describe_cluster_column() {
  awk -v column="$1" '{ print $column }' "${DESCRIBE_CLUSTER_RESULT}"
}

# --- Kubernetes version and container runtime -----------------------------------------------------

KUBELET_VERSION="$(kubelet --version | grep -Eo '[0-9]+\.[0-9]+\.[0-9]+' | head -n 1)"
echo "Using kubelet version ${KUBELET_VERSION}"

IS_124_OR_GREATER=false
DEFAULT_CONTAINER_RUNTIME=dockerd
if vercmp "${KUBELET_VERSION}" gteq "1.24.0" > /dev/null; then
  IS_124_OR_GREATER=true
  DEFAULT_CONTAINER_RUNTIME=containerd
fi
CONTAINER_RUNTIME="${CONTAINER_RUNTIME:-${DEFAULT_CONTAINER_RUNTIME}}"
echo "Using ${CONTAINER_RUNTIME} as the container runtime"

if [[ "${IS_124_OR_GREATER}" == true && "${CONTAINER_RUNTIME}" != containerd ]]; then
  die "ERROR: containerd is the only supported container runtime as of Kubernetes version 1.24"
fi
if [[ "${CONTAINER_RUNTIME}" != containerd && "${CONTAINER_RUNTIME}" != dockerd ]]; then
  die "Container runtime ${CONTAINER_RUNTIME} is not supported."
fi

# Kubelet 1.22 and 1.23 only understand the alpha credential provider API.
if vercmp "${KUBELET_VERSION}" gteq "1.22.0" > /dev/null && vercmp "${KUBELET_VERSION}" lt "1.24.0" > /dev/null; then
  if [[ -f "${ECR_CREDENTIAL_PROVIDER_CONFIG}" ]]; then
    sed -i \
      -e 's|kubelet.config.k8s.io/v1beta1|kubelet.config.k8s.io/v1alpha1|g' \
      -e 's|credentialprovider.kubelet.k8s.io/v1beta1|credentialprovider.kubelet.k8s.io/v1alpha1|g' \
      "${ECR_CREDENTIAL_PROVIDER_CONFIG}"
  fi
fi

# --- Arguments ----------------------------------------------------------------------------------------

if [[ -z "${CLUSTER_NAME}" ]]; then
  die "CLUSTER_NAME is not defined"
fi

if [[ -n "${IP_FAMILY}" ]]; then
  IP_FAMILY="$(tr '[:upper:]' '[:lower:]' <<< "${IP_FAMILY}")"
  if [[ "${IP_FAMILY}" != ipv4 && "${IP_FAMILY}" != ipv6 ]]; then
    die "Invalid --ip-family. Only ipv4 or ipv6 are allowed"
  fi
fi
if [[ -n "${SERVICE_IPV6_CIDR}" ]]; then
  if [[ "${IP_FAMILY}" == ipv4 ]]; then
    die "--ip-family should be ipv6 when --service-ipv6-cidr is specified"
  fi
  IP_FAMILY=ipv6
fi

# --- Instance facts -----------------------------------------------------------------------------------

AWS_DEFAULT_REGION="$(imds latest/dynamic/instance-identity/document | jq -r .region)"
AWS_SERVICES_DOMAIN="$(imds latest/meta-data/services/domain)"
export AWS_DEFAULT_REGION

MACHINE="$(uname -m)"
if [[ "${MACHINE}" != x86_64 && "${MACHINE}" != aarch64 ]]; then
  die "Unknown machine architecture '${MACHINE}'"
fi

ECR_URI="$(/etc/eks/get-ecr-uri.sh "${AWS_DEFAULT_REGION}" "${AWS_SERVICES_DOMAIN}" "${PAUSE_CONTAINER_ACCOUNT}")"
PAUSE_CONTAINER_IMAGE="${PAUSE_CONTAINER_IMAGE:-${ECR_URI}/eks/pause}"
PAUSE_CONTAINER="${PAUSE_CONTAINER_IMAGE}:${PAUSE_CONTAINER_VERSION}"

# --- Cluster facts ------------------------------------------------------------------------------------

mkdir -p "$(dirname "${CA_CERTIFICATE_FILE_PATH}")"

IS_LOCAL_OUTPOST_DETECTED=false
if [[ -z "${B64_CLUSTER_CA}" || -z "${APISERVER_ENDPOINT}" ]]; then
  describe_cluster
  B64_CLUSTER_CA="$(describe_cluster_column 1)"
  APISERVER_ENDPOINT="$(describe_cluster_column 3)"
  CLUSTER_ID_IN_DESCRIBE="$(describe_cluster_column 4)"
  OUTPOST_ARN="$(describe_cluster_column 5)"
  SERVICE_IPV4_CIDR="$(describe_cluster_column 6)"
  # The cluster's IPv6 service CIDR overrides --service-ipv6-cidr. "None" (an IPv4 cluster) is no
  # CIDR: the original took it literally and wrote clusterDNS "Nonea"; here the flag's value stays.
  CLUSTER_SERVICE_IPV6_CIDR="$(describe_cluster_column 7)"
  if [[ -n "${CLUSTER_SERVICE_IPV6_CIDR}" && "${CLUSTER_SERVICE_IPV6_CIDR}" != None ]]; then
    SERVICE_IPV6_CIDR="${CLUSTER_SERVICE_IPV6_CIDR}"
  fi
  if [[ -z "${IP_FAMILY}" ]]; then
    IP_FAMILY="$(describe_cluster_column 2)"
  fi
  if [[ -n "${OUTPOST_ARN}" && "${OUTPOST_ARN}" != None ]]; then
    IS_LOCAL_OUTPOST_DETECTED=true
  fi
  if [[ -n "${CLUSTER_ID_IN_DESCRIBE}" && "${CLUSTER_ID_IN_DESCRIBE}" != None ]]; then
    CLUSTER_ID="${CLUSTER_ID_IN_DESCRIBE}"
  fi
fi

if [[ -z "${IP_FAMILY}" || "${IP_FAMILY}" == None ]]; then
  IP_FAMILY=ipv4
fi
IP_FAMILY="$(tr '[:upper:]' '[:lower:]' <<< "${IP_FAMILY}")"

base64 -d <<< "${B64_CLUSTER_CA}" > "${CA_CERTIFICATE_FILE_PATH}"

replace_placeholder MASTER_ENDPOINT "${APISERVER_ENDPOINT}" "${KUBECONFIG_PATH}"
replace_placeholder AWS_REGION "${AWS_DEFAULT_REGION}" "${KUBECONFIG_PATH}"

ENABLE_LOCAL_OUTPOST="${ENABLE_LOCAL_OUTPOST:-${IS_LOCAL_OUTPOST_DETECTED}}"
if [[ "${ENABLE_LOCAL_OUTPOST}" == true ]]; then
  # A local cluster's endpoint may not resolve from the Outpost subnet at boot; pin what resolves now.
  APISERVER_DOMAIN_NAME="$(awk -F/ '{ print $3 }' <<< "${APISERVER_ENDPOINT}" | awk -F: '{ print $1 }')"
  getent hosts "${APISERVER_DOMAIN_NAME}" | shuf >> /etc/hosts || true
  if [[ -z "${CLUSTER_ID}" ]]; then
    die "Cluster ID is required when local outpost support is enabled"
  fi
  replace_placeholder CLUSTER_NAME "${CLUSTER_ID}" "${KUBECONFIG_PATH}"
  mv "${KUBECONFIG_PATH}" "${BOOTSTRAP_KUBECONFIG_PATH}"
  KUBELET_EXTRA_ARGS="--bootstrap-kubeconfig ${BOOTSTRAP_KUBECONFIG_PATH} ${KUBELET_EXTRA_ARGS}"
else
  replace_placeholder CLUSTER_NAME "${CLUSTER_NAME}" "${KUBECONFIG_PATH}"
fi

# --- Kubelet configuration ----------------------------------------------------------------------------

MAC="$(imds latest/meta-data/network/interfaces/macs/ | head -n 1 | sed 's|/$||')"

if [[ -z "${DNS_CLUSTER_IP}" ]]; then
  if [[ "${IP_FAMILY}" == ipv6 ]]; then
    if [[ -z "${SERVICE_IPV6_CIDR}" ]]; then
      die "One of --service-ipv6-cidr or --dns-cluster-ip must be provided when --ip-family is ipv6"
    fi
    DNS_CLUSTER_IP="${SERVICE_IPV6_CIDR%%/*}a"
  elif [[ -n "${SERVICE_IPV4_CIDR}" && "${SERVICE_IPV4_CIDR}" != None ]]; then
    SERVICE_IPV4_NETWORK="${SERVICE_IPV4_CIDR%%/*}"
    DNS_CLUSTER_IP="${SERVICE_IPV4_NETWORK%.*}.10"
  else
    # EKS picks 172.20.0.0/16 for services when the VPC itself uses 10.0.0.0/8 addresses.
    TEN_RANGE="$(imds "latest/meta-data/network/interfaces/macs/${MAC}/vpc-ipv4-cidr-blocks" | grep -c '^10\.' || true)"
    if ((TEN_RANGE > 0)); then
      DNS_CLUSTER_IP=172.20.0.10
    else
      DNS_CLUSTER_IP=10.100.0.10
    fi
  fi
fi
edit_kubelet_config --arg ip "${DNS_CLUSTER_IP}" '.clusterDNS = [$ip]'

if [[ "${IP_FAMILY}" == ipv4 ]]; then
  INTERNAL_IP="$(imds latest/meta-data/local-ipv4)"
else
  INTERNAL_IP="$(imds "latest/meta-data/network/interfaces/macs/${MAC}/ipv6s" | head -n 1)"
fi
INSTANCE_TYPE="$(imds latest/meta-data/instance-type)"

if vercmp "${KUBELET_VERSION}" gteq "1.22.0" > /dev/null; then
  # Kubelet's own defaults (5/10) are too low for nodes that run many pods.
  edit_kubelet_config '.kubeAPIQPS = (.kubeAPIQPS // 10) | .kubeAPIBurst = (.kubeAPIBurst // 20)'
fi

MAX_PODS=""
if [[ -n "${INSTANCE_TYPE}" && -f "${MAX_PODS_FILE}" ]]; then
  MAX_PODS="$(awk -v type="${INSTANCE_TYPE}" '$1 == type { print $2; exit }' "${MAX_PODS_FILE}")"
fi
if [[ -z "${MAX_PODS}" ]]; then
  echo "No entry for type '${INSTANCE_TYPE}' in ${MAX_PODS_FILE}; asking the EC2 API"
  MAX_PODS="$(/etc/eks/max-pods-calculator.sh --instance-type-from-imds --cni-version 1.10.0 --show-max-allowed)"
fi
if [[ ! "${MAX_PODS}" =~ ^[0-9]+$ ]]; then
  die "could not determine max pods for instance type '${INSTANCE_TYPE}'"
fi

CPU_MILLICORES_TO_RESERVE="$(cpu_millicores_to_reserve)"
MEMORY_MEBIBYTES_TO_RESERVE="$(memory_mebibytes_to_reserve "${MAX_PODS}")"
edit_kubelet_config \
  --arg cpu "${CPU_MILLICORES_TO_RESERVE}m" \
  --arg memory "${MEMORY_MEBIBYTES_TO_RESERVE}Mi" \
  '.evictionHard = {"memory.available": "100Mi", "nodefs.available": "10%", "nodefs.inodesFree": "5%"}
   | .kubeReserved = {"cpu": $cpu, "ephemeral-storage": "1Gi", "memory": $memory}'

if [[ "${USE_MAX_PODS}" == true ]]; then
  edit_kubelet_config --argjson pods "${MAX_PODS}" '.maxPods = $pods'
fi

mkdir -p "${KUBELET_DROP_IN_DIR}"
cat > "${KUBELET_DROP_IN_DIR}/10-kubelet-args.conf" << EOF
[Service]
Environment='KUBELET_ARGS=--node-ip=${INTERNAL_IP} --pod-infra-container-image=${PAUSE_CONTAINER} --v=2'
EOF

if [[ -n "${KUBELET_EXTRA_ARGS}" ]]; then
  cat > "${KUBELET_DROP_IN_DIR}/30-kubelet-extra-args.conf" << EOF
[Service]
Environment='KUBELET_EXTRA_ARGS=${KUBELET_EXTRA_ARGS}'
EOF
fi

# --- Container runtime --------------------------------------------------------------------------------

if [[ "${CONTAINER_RUNTIME}" == containerd ]]; then
  if [[ "${ENABLE_DOCKER_BRIDGE}" == true ]]; then
    echo "WARNING: Flag --enable-docker-bridge was set but will be ignored as it's not relevant to containerd"
  fi
  if [[ -n "${DOCKER_CONFIG_JSON}" ]]; then
    echo "WARNING: Flag --docker-config-json was set but will be ignored as it's not relevant to containerd"
  fi
  mkdir -p /etc/containerd /etc/cni/net.d /etc/systemd/system/containerd.service.d
  printf '[Service]\nSlice=runtime.slice\n' > /etc/systemd/system/containerd.service.d/00-runtime-slice.conf

  if [[ -n "${CONTAINERD_CONFIG_FILE}" ]]; then
    cp -v "${CONTAINERD_CONFIG_FILE}" "${CONTAINERD_TEMPLATE}"
  fi
  replace_placeholder SANDBOX_IMAGE "${PAUSE_CONTAINER}" "${CONTAINERD_TEMPLATE}"

  edit_kubelet_config '.cgroupDriver = "systemd" | .systemReservedCgroup = "/system" | .kubeReservedCgroup = "/runtime"'

  # The image may carry a config rendered for the build region; replace it when this node differs.
  if ! cmp -s "${CONTAINERD_TEMPLATE}" /etc/containerd/config.toml; then
    cp -v "${CONTAINERD_TEMPLATE}" /etc/containerd/config.toml
    cp -v /etc/eks/containerd/sandbox-image.service /etc/systemd/system/sandbox-image.service
    chown root:root /etc/systemd/system/sandbox-image.service
    systemctl daemon-reload
    systemctl enable containerd sandbox-image
    systemctl restart sandbox-image containerd
  fi
  cp -v /etc/eks/containerd/kubelet-containerd.service /etc/systemd/system/kubelet.service
  chown root:root /etc/systemd/system/kubelet.service
  # Fails bootstrap on a config containerd cannot parse, instead of a kubelet that never gets ready.
  containerd config dump > /dev/null
else
  mkdir -p /etc/docker /etc/sysconfig
  iptables-save > /etc/sysconfig/iptables
  cp -v /etc/eks/iptables-restore.service /etc/systemd/system/iptables-restore.service
  chown root:root /etc/systemd/system/iptables-restore.service
  systemctl daemon-reload
  systemctl enable iptables-restore

  if [[ -n "${DOCKER_CONFIG_JSON}" ]]; then
    printf '%s\n' "${DOCKER_CONFIG_JSON}" > /etc/docker/daemon.json
  fi
  if [[ "${ENABLE_DOCKER_BRIDGE}" == true ]]; then
    # live-restore keeps docker from recreating docker0 on restart, so it has to go with the bridge.
    DAEMON_JSON="$(jq '.bridge = "docker0" | ."live-restore" = false' /etc/docker/daemon.json)"
    printf '%s\n' "${DAEMON_JSON}" > /etc/docker/daemon.json
  fi
  systemctl daemon-reload
  systemctl enable docker
  systemctl restart docker
fi

systemctl daemon-reload
systemctl enable kubelet
systemctl start kubelet

# --- GPU clocks ---------------------------------------------------------------------------------------

if command -v nvidia-smi > /dev/null 2>&1; then
  echo "nvidia-smi found"
  if nvidia-smi -q > /tmp/nvidia-smi-check; then
    nvidia-smi -pm 1
    nvidia-smi --auto-boost-default=0
    GPUNAME="$(nvidia-smi -L | head -n 1)"
    echo "${GPUNAME}"
    # Application clocks (memory,graphics MHz) at the maximum each board sustains.
    case "${GPUNAME}" in
      *A100*) nvidia-smi -ac 1215,1410 ;;
      *V100*) nvidia-smi -ac 877,1530 ;;
      *K80*) nvidia-smi -ac 2505,875 ;;
      *T4*) nvidia-smi -ac 5001,1590 ;;
      *M60*) nvidia-smi -ac 2505,1177 ;;
      *) echo "unsupported gpu" ;;
    esac
  else
    cat /tmp/nvidia-smi-check
  fi
fi
