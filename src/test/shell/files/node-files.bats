#!/usr/bin/env bats
# The data and unit files in files/, and lint over every node script and bats helper.

setup() {
  FILES_DIR="$(cd "${BATS_TEST_DIRNAME}/../../../../files" && pwd)"
  SHELL_TEST_DIR="$(cd "${BATS_TEST_DIRNAME}/.." && pwd)"
}

@test "kubelet-config.json holds the documented defaults" {
  local c="${FILES_DIR}/kubelet-config.json"
  [ "$(jq -r .kind "${c}")" = KubeletConfiguration ]
  [ "$(jq -r .apiVersion "${c}")" = kubelet.config.k8s.io/v1beta1 ]
  [ "$(jq -r .address "${c}")" = 0.0.0.0 ]
  [ "$(jq -r .authentication.anonymous.enabled "${c}")" = false ]
  [ "$(jq -r .authentication.webhook.cacheTTL "${c}")" = 2m0s ]
  [ "$(jq -r .authentication.x509.clientCAFile "${c}")" = /etc/kubernetes/pki/ca.crt ]
  [ "$(jq -r .authorization.mode "${c}")" = Webhook ]
  [ "$(jq -r .authorization.webhook.cacheAuthorizedTTL "${c}")" = 5m0s ]
  [ "$(jq -r .authorization.webhook.cacheUnauthorizedTTL "${c}")" = 30s ]
  [ "$(jq -r .clusterDomain "${c}")" = cluster.local ]
  [ "$(jq -r .hairpinMode "${c}")" = hairpin-veth ]
  [ "$(jq -r .readOnlyPort "${c}")" = 0 ]
  [ "$(jq -r .cgroupDriver "${c}")" = cgroupfs ]
  [ "$(jq -r .cgroupRoot "${c}")" = / ]
  [ "$(jq -r .featureGates.RotateKubeletServerCertificate "${c}")" = true ]
  [ "$(jq -r .protectKernelDefaults "${c}")" = true ]
  [ "$(jq -r .serializeImagePulls "${c}")" = false ]
  [ "$(jq -r .serverTLSBootstrap "${c}")" = true ]
  [ "$(jq -r '.tlsCipherSuites | length' "${c}")" = 8 ]
}

@test "kubelet-kubeconfig has the three placeholders and the v1beta1 exec authenticator" {
  local k="${FILES_DIR}/kubelet-kubeconfig"
  grep -q 'server: MASTER_ENDPOINT$' "${k}"
  grep -q '"CLUSTER_NAME"' "${k}"
  grep -q '"AWS_REGION"' "${k}"
  grep -q 'certificate-authority: /etc/kubernetes/pki/ca.crt$' "${k}"
  grep -q 'apiVersion: client.authentication.k8s.io/v1beta1$' "${k}"
  grep -q 'command: /usr/bin/aws-iam-authenticator$' "${k}"
}

@test "ecr-credential-provider-config matches the five ECR host patterns" {
  local e="${FILES_DIR}/ecr-credential-provider-config"
  [ "$(grep -c '^apiVersion: kubelet.config.k8s.io/v1beta1$' "${e}")" = 1 ]
  grep -q 'apiVersion: credentialprovider.kubelet.k8s.io/v1beta1$' "${e}"
  grep -q 'name: ecr-credential-provider$' "${e}"
  grep -q 'defaultCacheDuration: "12h"$' "${e}"
  local pattern
  for pattern in '*.dkr.ecr.*.amazonaws.com' '*.dkr.ecr.*.amazonaws.cn' '*.dkr.ecr-fips.*.amazonaws.com' \
    '*.dkr.ecr.us-iso-east-1.c2s.ic.gov' '*.dkr.ecr.us-isob-east-1.sc2s.sgov.gov'; do
    grep -qF -- "- \"${pattern}\"" "${e}"
  done
  grep -q -- '- get-credentials$' "${e}"
}

@test "containerd-config.toml parses and sets the documented values" {
  run python3 - "${FILES_DIR}/containerd-config.toml" << 'PY'
import sys, tomllib
c = tomllib.load(open(sys.argv[1], "rb"))
cri = c["plugins"]["io.containerd.grpc.v1.cri"]
assert c["version"] == 2 and c["root"] == "/var/lib/containerd" and c["state"] == "/run/containerd"
assert c["grpc"]["address"] == "/run/containerd/containerd.sock"
assert cri["sandbox_image"] == "SANDBOX_IMAGE"
assert cri["containerd"]["default_runtime_name"] == "runc"
runc = cri["containerd"]["runtimes"]["runc"]
assert runc["runtime_type"] == "io.containerd.runc.v2" and runc["options"]["SystemdCgroup"] is True
assert cri["registry"]["config_path"] == "/etc/containerd/certs.d:/etc/docker/certs.d"
assert cri["cni"] == {"bin_dir": "/opt/cni/bin", "conf_dir": "/etc/cni/net.d"}
print("ok")
PY
  [ "${status}" -eq 0 ]
  [ "${output}" = ok ]
}

@test "docker-daemon.json keeps the bridge off, bounded logs, live-restore and unlimited memlock" {
  local d="${FILES_DIR}/docker-daemon.json"
  [ "$(jq -c . "${d}")" = '{"bridge":"none","log-driver":"json-file","log-opts":{"max-size":"10m","max-file":"10"},"live-restore":true,"max-concurrent-downloads":10,"default-ulimits":{"memlock":{"Hard":-1,"Name":"memlock","Soft":-1}}}' ]
}

@test "the kubelet units start kubelet with the right runtime flags" {
  local c="${FILES_DIR}/kubelet-containerd.service" d="${FILES_DIR}/kubelet.service"
  grep -qx 'After=containerd.service sandbox-image.service' "${c}"
  grep -qx 'Requires=containerd.service sandbox-image.service' "${c}"
  grep -qx 'Slice=runtime.slice' "${c}"
  grep -q -- '--container-runtime remote' "${c}"
  grep -q -- '--container-runtime-endpoint unix:///run/containerd/containerd.sock' "${c}"
  grep -qx 'Restart=on-failure' "${c}"
  grep -qx 'RestartForceExitStatus=SIGPIPE' "${c}"
  grep -qx 'KillMode=process' "${c}"
  grep -qx 'After=docker.service iptables-restore.service' "${d}"
  grep -qx 'Requires=docker.service' "${d}"
  grep -q -- '--container-runtime docker' "${d}"
  grep -q -- '--network-plugin cni' "${d}"
  grep -qx 'Restart=always' "${d}"
  local unit
  for unit in "${c}" "${d}"; do
    grep -q -- '--cloud-provider aws' "${unit}"
    grep -q -- '--kubeconfig /var/lib/kubelet/kubeconfig' "${unit}"
    grep -q -- '--config /etc/kubernetes/kubelet/kubelet-config.json' "${unit}"
    grep -qx 'ExecStartPre=/sbin/iptables -P FORWARD ACCEPT -w 5' "${unit}"
    grep -q '\$KUBELET_ARGS \$KUBELET_EXTRA_ARGS' "${unit}"
  done
}

@test "the helper units and slice are what bootstrap and install-worker expect" {
  grep -qx 'ExecStart=/etc/eks/containerd/pull-sandbox-image.sh' "${FILES_DIR}/sandbox-image.service"
  grep -qx 'Requires=containerd.service' "${FILES_DIR}/sandbox-image.service"
  grep -qx 'Type=oneshot' "${FILES_DIR}/sandbox-image.service"
  grep -q 'iptables-restore.* /etc/sysconfig/iptables$' "${FILES_DIR}/iptables-restore.service"
  grep -qx 'After=docker.service' "${FILES_DIR}/iptables-restore.service"
  grep -qx 'Description=Kubernetes and container runtime slice' "${FILES_DIR}/runtime.slice"
}

@test "logrotate files rotate kube-proxy daily and the system weekly" {
  local k="${FILES_DIR}/logrotate-kube-proxy" l="${FILES_DIR}/logrotate.conf"
  grep -q '^/var/log/kube-proxy.log {' "${k}"
  for word in copytruncate missingok 'rotate 5' daily compress; do grep -qx "    ${word}" "${k}"; done
  for word in weekly 'rotate 4' create dateext compress 'include /etc/logrotate.d'; do grep -qx "${word}" "${l}"; done
  grep -qx '    create 0664 root utmp' "${l}"
  grep -qx '    create 0600 root utmp' "${l}"
}

@test "sonobuoy-e2e-registry-config derives five registries from the placeholder" {
  local s="${FILES_DIR}/sonobuoy-e2e-registry-config"
  [ "$(grep -c SONOBUOY_E2E_REGISTRY "${s}")" = 5 ]
  for key in dockerLibraryRegistry e2eRegistry gcRegistry googleContainerRegistry sampleRegistry; do
    grep -q "^${key}: SONOBUOY_E2E_REGISTRY" "${s}"
  done
}

@test "every node script is executable" {
  local script
  for script in bootstrap.sh max-pods-calculator.sh get-ecr-uri.sh pull-image.sh pull-sandbox-image.sh bin/imds bin/vercmp \
    log-collector-script/eks-log-collector.sh; do
    [ -x "${FILES_DIR}/${script}" ]
  done
}

@test "node scripts and bats helpers pass shellcheck at warning severity" {
  run shellcheck -S warning "${FILES_DIR}"/*.sh "${FILES_DIR}"/bin/* "${FILES_DIR}"/log-collector-script/*.sh \
    "${SHELL_TEST_DIR}"/lib/*.bash "${SHELL_TEST_DIR}"/files/*.bash "${SHELL_TEST_DIR}"/files/*.bats
  [ "${status}" -eq 0 ] || {
    echo "${output}" >&2
    return 1
  }
}

@test "node scripts, bats helpers and bats files are formatted with shfmt -i 2 -bn -ci -sr" {
  run shfmt -d -i 2 -bn -ci -sr "${FILES_DIR}"/*.sh "${FILES_DIR}"/bin/* "${FILES_DIR}"/log-collector-script/*.sh \
    "${SHELL_TEST_DIR}"/lib/*.bash "${SHELL_TEST_DIR}"/files/*.bash "${SHELL_TEST_DIR}"/files/*.bats
  [ "${status}" -eq 0 ] || {
    echo "${output}" >&2
    return 1
  }
}
