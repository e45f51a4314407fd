# Fake IMDSv2 server for bats tests (see fake_imds.py).
#   fake_imds_start DIR   start a server keeping its data, port and request log in DIR; exports IMDS_ENDPOINT
#   fake_imds_stop        stop it
#   imds_set PATH VALUE   change one answer (PATH without a leading slash)
#   imds_unset PATH       make PATH answer 404
#   imds_requests         print the request log ("METHOD PATH")

FAKE_IMDS_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# The default instance: an m4.xlarge in us-east-1 inside a 192.168.0.0/16 VPC with one IPv6 address.
fake_imds_default_data() {
  local mac="0e:49:61:0f:c3:11"
  jq -n --arg mac "${mac}" '{
    "latest/meta-data/instance-type": "m4.xlarge",
    "latest/meta-data/instance-id": "i-0123456789abcdef0",
    "latest/meta-data/ami-id": "ami-0a0b0c0d0e0f01234",
    "latest/meta-data/placement/region": "us-east-1",
    "latest/meta-data/placement/availability-zone": "us-east-1a",
    "latest/meta-data/services/domain": "amazonaws.com",
    "latest/meta-data/local-ipv4": "192.168.34.7",
    "latest/meta-data/mac": $mac,
    "latest/meta-data/network/interfaces/macs/": ($mac + "/"),
    ("latest/meta-data/network/interfaces/macs/" + $mac + "/vpc-ipv4-cidr-blocks"): "192.168.0.0/16",
    ("latest/meta-data/network/interfaces/macs/" + $mac + "/ipv6s"): "2001:db8:1234:1a00::42",
    "latest/dynamic/instance-identity/document": ({
      "accountId": "123456789012",
      "architecture": "x86_64",
      "availabilityZone": "us-east-1a",
      "imageId": "ami-0a0b0c0d0e0f01234",
      "instanceId": "i-0123456789abcdef0",
      "instanceType": "m4.xlarge",
      "privateIp": "192.168.34.7",
      "region": "us-east-1"
    } | tostring)
  }'
}

fake_imds_start() {
  FAKE_IMDS_DIR="$1"
  mkdir -p "${FAKE_IMDS_DIR}"
  fake_imds_default_data > "${FAKE_IMDS_DIR}/data.json"
  : > "${FAKE_IMDS_DIR}/requests.log"
  rm -f "${FAKE_IMDS_DIR}/port"
  # fd 3 belongs to bats; a background child holding it would make bats wait forever.
  "${PYTHON:-python3}" "${FAKE_IMDS_LIB_DIR}/fake_imds.py" "${FAKE_IMDS_DIR}/data.json" \
    "${FAKE_IMDS_DIR}/port" "${FAKE_IMDS_DIR}/requests.log" 3>&- > /dev/null 2>&1 &
  FAKE_IMDS_PID=$!
  echo "${FAKE_IMDS_PID}" > "${FAKE_IMDS_DIR}/pid"
  local tries=0
  until [[ -s "${FAKE_IMDS_DIR}/port" ]]; do
    tries=$((tries + 1))
    if ((tries > 100)); then
      echo "fake IMDS did not start" >&2
      return 1
    fi
    sleep 0.05
  done
  IMDS_ENDPOINT="127.0.0.1:$(cat "${FAKE_IMDS_DIR}/port")"
  export FAKE_IMDS_DIR IMDS_ENDPOINT
}

fake_imds_stop() {
  local pid_file="${FAKE_IMDS_DIR:-}/pid"
  if [[ -f "${pid_file}" ]]; then
    kill "$(cat "${pid_file}")" 2> /dev/null || true
    rm -f "${pid_file}"
  fi
}

imds_set() {
  local updated
  updated="$(jq --arg k "$1" --arg v "$2" '.[$k] = $v' "${FAKE_IMDS_DIR}/data.json")"
  printf '%s\n' "${updated}" > "${FAKE_IMDS_DIR}/data.json"
}

imds_unset() {
  local updated
  updated="$(jq --arg k "$1" 'del(.[$k])' "${FAKE_IMDS_DIR}/data.json")"
  printf '%s\n' "${updated}" > "${FAKE_IMDS_DIR}/data.json"
}

imds_requests() {
  cat "${FAKE_IMDS_DIR}/requests.log"
}

# Restores the default answers and clears the request log (call from setup when the server is per file).
fake_imds_reset() {
  fake_imds_default_data > "${FAKE_IMDS_DIR}/data.json"
  : > "${FAKE_IMDS_DIR}/requests.log"
}
