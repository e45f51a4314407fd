# Shared set-up for the files/ bats tests: stubs, a fake IMDS and a scratch root holding an installed node.

# shellcheck disable=SC2034  # variables are used by the .bats files that load this helper
REPO_ROOT="$(cd "${BATS_TEST_DIRNAME}/../../../.." && pwd)"
FILES_DIR="${REPO_ROOT}/files"
NODE_FIXTURES="${BATS_TEST_DIRNAME}/fixtures"
export NODE_FIXTURES

load ../lib/stubs
load ../lib/fake_imds
load ../lib/scratch_root

# The commands a node script may call that must never reach the real system.
node_default_stubs() {
  stub aws "$(
    cat << 'BODY'
case "$1 $2" in
  "ec2 describe-instance-types")
    echo "AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-}" > "$(stub_state_file aws-region)"
    type=""
    while [[ $# -gt 0 ]]; do
      if [[ "$1" == --instance-types ]]; then type="$2"; fi
      shift
    done
    file="${NODE_FIXTURES}/describe-instance-types/${type}.json"
    if [[ -f "${file}" ]]; then cat "${file}"; exit 0; fi
    echo "An error occurred (InvalidInstanceType): instance type not found" >&2
    exit 254
    ;;
  "eks wait")
    status="$(next_status eks-wait)"
    if [[ "${status}" != 0 ]]; then
      echo "Waiter ClusterActive failed: An error occurred (TooManyRequestsException): Rate exceeded" >&2
    fi
    exit "${status}"
    ;;
  "eks describe-cluster")
    status="$(next_status eks-describe)"
    if [[ "${status}" != 0 ]]; then
      echo "An error occurred (TooManyRequestsException) when calling the DescribeCluster operation" >&2
      exit "${status}"
    fi
    cat "$(stub_state_file describe-cluster.txt)"
    ;;
  "ecr get-login-password")
    status="$(next_status ecr-login)"
    if [[ "${status}" != 0 ]]; then exit "${status}"; fi
    if [[ -f "$(stub_state_file ecr-password)" ]]; then cat "$(stub_state_file ecr-password)"; else echo "ecr-secret"; fi
    ;;
  *)
    echo "aws stub: unexpected call: $*" >&2
    exit 2
    ;;
esac
BODY
  )"
  stub kubelet 'echo "Kubernetes ${STUB_KUBELET_VERSION:-v1.23.9-eks-ba74326}"'
  stub systemctl
  stub sudo 'exec "$@"'
  stub sleep
  stub iptables-save 'echo "*filter"; echo ":FORWARD ACCEPT [0:0]"; echo "COMMIT"'
  stub nproc 'echo "${STUB_NPROC:-4}"'
  stub uname 'if [[ "${1:-}" == -m ]]; then echo "${STUB_UNAME_M:-x86_64}"; else exec /usr/bin/uname "$@"; fi'
  stub getent 'if [[ -f "$(stub_state_file getent)" ]]; then cat "$(stub_state_file getent)"; else exit 2; fi'
  stub ctr "$(
    cat << 'BODY'
if [[ " $* " == *" image ls "* ]]; then
  if [[ -f "$(stub_state_file ctr-images)" ]]; then cat "$(stub_state_file ctr-images)"; fi
  exit 0
fi
if [[ " $* " == *" content fetch "* ]]; then
  exit "$(next_status ctr-fetch)"
fi
BODY
  )"
  # Stands in for containerd's config loader: the TOML must parse (duplicate tables are rejected).
  stub containerd "$(
    cat << 'BODY'
config=/etc/containerd/config.toml
while [[ $# -gt 0 ]]; do
  case "$1" in
    -c | --config) config="$2"; shift 2 ;;
    *) shift ;;
  esac
done
"${PYTHON:-python3}" -c 'import sys, tomllib; tomllib.load(open(sys.argv[1], "rb"))' "${config}" 2> "$(stub_state_file containerd-error)" \
  || { echo "containerd: failed to load TOML ${config}: $(cat "$(stub_state_file containerd-error)")" >&2; exit 1; }
cat "${config}"
BODY
  )"
}

# Installs the node files where the AMI build puts them, plus a small max-pods table. The layout is
# made once per .bats file (in BATS_FILE_TMPDIR) and copied into each test's scratch root: some thirty
# installs a test cost more than most of the tests themselves.
node_install_files() {
  local cache="${BATS_FILE_TMPDIR:?}/node-install-layers"
  if [[ ! -d "${cache}" ]]; then
    local test_scratch="${SCRATCH}"
    SCRATCH="${cache}.partial"
    rm -rf "${SCRATCH}"
    node_install_files_into_scratch
    mv "${SCRATCH}" "${cache}"
    SCRATCH="${test_scratch}"
  fi
  cp -a "${cache}/layers/." "${SCRATCH}/layers/"
}

node_install_files_into_scratch() {
  local file
  for file in "${FILES_DIR}"/*; do
    [[ -f "${file}" ]] && scratch_install "${file}" "/etc/eks/$(basename "${file}")"
  done
  for file in containerd-config.toml kubelet-containerd.service sandbox-image.service pull-sandbox-image.sh pull-image.sh; do
    scratch_install "${FILES_DIR}/${file}" "/etc/eks/containerd/${file}"
  done
  scratch_install "${FILES_DIR}/kubelet-config.json" /etc/kubernetes/kubelet/kubelet-config.json
  scratch_install "${FILES_DIR}/kubelet-kubeconfig" /var/lib/kubelet/kubeconfig
  scratch_install "${FILES_DIR}/ecr-credential-provider-config" \
    /etc/eks/ecr-credential-provider/ecr-credential-provider-config
  scratch_install "${FILES_DIR}/docker-daemon.json" /etc/docker/daemon.json
  scratch_install "${FILES_DIR}/kubelet.service" /etc/systemd/system/kubelet.service
  scratch_install "${NODE_FIXTURES}/eni-max-pods.txt" /etc/eks/eni-max-pods.txt
}

node_setup() {
  NODE_BASE_PATH="${NODE_BASE_PATH:-${PATH}}"
  scratch_root_init
  PATH="${FILES_DIR}/bin:${NODE_BASE_PATH}"
  stub_init "${SCRATCH}/stubs"
  node_default_stubs
  node_install_files
  export IMDS_RETRIES=1 IMDS_RETRY_DELAY_SECONDS=1
}

node_teardown() {
  scratch_root_cleanup
}

# Starts a fresh node in the same test (for tests that run several independent scenarios).
node_reset() {
  scratch_root_cleanup
  node_setup
  if [[ -n "${FAKE_IMDS_DIR:-}" ]]; then
    fake_imds_reset
  fi
}
