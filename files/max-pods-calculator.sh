#!/usr/bin/env bash
# Computes the kubelet maxPods value for an instance type from its EC2 networking limits.
set -euo pipefail

readonly PROG="max-pods-calculator.sh"

usage() {
  cat >&2 << USAGE
usage: ${PROG} [options]

Prints the maximum number of pods the VPC CNI can address on an instance type.
Options:
  --instance-type TYPE              instance type to calculate for
  --instance-type-from-imds         read the instance type (and AWS_DEFAULT_REGION) from the metadata service
  --cni-version VERSION             VPC CNI version, for example 1.11.2 (required)
  --cni-custom-networking-enabled   one ENI serves the node itself and holds no pod addresses
  --cni-prefix-delegation-enabled   count /28 prefixes instead of single addresses (CNI > 1.8, nitro only)
  --cni-max-eni N                   use at most N network interfaces
  --show-max-allowed                print the raw value without the 110/250 recommendation cap
  -h, --help                        print this help and exit 1
Calls 'aws ec2 describe-instance-types', so AWS credentials and a region are needed.
USAGE
}

die() {
  echo "${PROG}: $*" >&2
  exit 1
}

# Prints "hypervisor enis ips vcpus" for the instance type.
instance_limits() {
  local instance_type="$1"
  local description
  if ! description="$(aws ec2 describe-instance-types --instance-types "${instance_type}" --output json)"; then
    die "could not describe instance type ${instance_type}"
  fi
  jq -r '.InstanceTypes[0] // empty
    | [(.Hypervisor // "none"), .NetworkInfo.MaximumNetworkInterfaces,
       .NetworkInfo.Ipv4AddressesPerInterface, .VCpuInfo.DefaultVCpus] | map(tostring) | join(" ")' \
    <<< "${description}"
}

# Prefix delegation arrived after CNI 1.8.
supports_prefix_delegation() {
  local version="${1#v}"
  local major minor
  major="$(cut -d . -f 1 <<< "${version}")"
  minor="$(cut -d . -f 2 <<< "${version}")"
  [[ "${major}" =~ ^[0-9]+$ && "${minor}" =~ ^[0-9]+$ ]] || die "invalid CNI version '$1'"
  ((major > 1 || (major == 1 && minor > 8)))
}

main() {
  local instance_type="" from_imds=false cni_version="" custom_networking=false
  local prefix_delegation=false max_eni="" show_max_allowed=false
  while [[ $# -gt 0 ]]; do
    case "$1" in
      -h | --help)
        usage
        exit 1
        ;;
      --instance-type)
        [[ $# -ge 2 ]] || die "--instance-type needs a value"
        instance_type="$2"
        shift 2
        ;;
      --instance-type-from-imds)
        from_imds=true
        shift
        ;;
      --cni-version)
        [[ $# -ge 2 ]] || die "--cni-version needs a value"
        cni_version="$2"
        shift 2
        ;;
      --cni-custom-networking-enabled)
        custom_networking=true
        shift
        ;;
      --cni-prefix-delegation-enabled)
        prefix_delegation=true
        shift
        ;;
      --cni-max-eni)
        [[ $# -ge 2 ]] || die "--cni-max-eni needs a value"
        max_eni="$2"
        shift 2
        ;;
      --show-max-allowed)
        show_max_allowed=true
        shift
        ;;
      *)
        usage
        die "unknown argument '$1'"
        ;;
    esac
  done

  if [[ -z "${cni_version}" ]]; then
    die "You must specify a CNI Version to use. Example - 1.10.0"
  fi
  if [[ "${from_imds}" == true ]]; then
    instance_type="$(imds latest/meta-data/instance-type)"
    AWS_DEFAULT_REGION="$(imds latest/dynamic/instance-identity/document | jq -r .region)"
    export AWS_DEFAULT_REGION
  fi
  if [[ -z "${instance_type}" ]]; then
    die "You must specify an instance type (--instance-type or --instance-type-from-imds)"
  fi
  if [[ -n "${max_eni}" && ! "${max_eni}" =~ ^[0-9]+$ ]]; then
    die "--cni-max-eni must be a whole number, got '${max_eni}'"
  fi

  local limits hypervisor enis ips vcpus
  limits="$(instance_limits "${instance_type}")"
  [[ -n "${limits}" ]] || die "instance type ${instance_type} is not known to EC2"
  read -r hypervisor enis ips vcpus <<< "${limits}"

  local enis_used="${enis}"
  if [[ -n "${max_eni}" ]] && ((max_eni < enis)); then
    enis_used="${max_eni}"
  fi
  if [[ "${custom_networking}" == true ]]; then
    enis_used=$((enis_used - 1))
  fi

  local max_pods
  if [[ "${hypervisor}" == "nitro" && "${prefix_delegation}" == true ]] \
    && supports_prefix_delegation "${cni_version}"; then
    # Each secondary slot holds a /28 prefix, i.e. 16 addresses.
    max_pods=$((enis_used * ((ips - 1) * 16) + 2))
  else
    max_pods=$((enis_used * (ips - 1) + 2))
  fi

  if [[ "${show_max_allowed}" != true ]]; then
    local cap=110
    if ((vcpus > 30)); then
      cap=250
    fi
    if ((max_pods > cap)); then
      max_pods="${cap}"
    fi
  fi
  echo "${max_pods}"
}

main "$@"
