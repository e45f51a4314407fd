#!/bin/sh
#
# generate-version-info.sh OUTPUT_FILE — records what went into the image as JSON:
#   {"packages":{"NAME":"VERSION-RELEASE",...},"binaries":{"kubelet":"v…","awscli":"…"},"images":[…]}
# packages: every installed RPM, keys sorted (a duplicate name keeps the last one rpm lists);
# images: cached containerd images (namespace k8s.io) without the registry host, digests dropped,
# sorted and unique; an empty array when nothing is cached.
# Runs under /bin/sh as the ssh user; no environment input. POSIX sh has no pipefail, so every
# command whose failure matters runs on its own and is captured before it is piped anywhere.

set -eu

SCRIPT_NAME="generate-version-info.sh"

usage() {
  echo "usage: $SCRIPT_NAME OUTPUT_FILE"
}

die() {
  echo "$SCRIPT_NAME: $*" >&2
  exit 1
}

packages_json() {
  rpm_list=$(rpm --query --all --queryformat '%{NAME}\t%{VERSION}-%{RELEASE}\n') \
    || die "rpm could not list the installed packages"
  printf '%s\n' "$rpm_list" | jq --raw-input --slurp '
    split("\n") | map(select(length > 0) | split("\t") | {(.[0]): .[1]})
    | add // {} | to_entries | sort_by(.key) | from_entries'
}

kubelet_version() {
  kubelet_output=$(kubelet --version) || die "kubelet --version failed"
  printf '%s\n' "$kubelet_output" | awk '{ print $2; exit }'
}

awscli_version() {
  # AWS CLI v1 prints its version on stderr.
  aws_output=$(aws --version 2>&1) || die "aws --version failed"
  printf '%s\n' "$aws_output" | awk '{ print $1; exit }' | cut -d / -f 2
}

images_json() {
  image_list=$(sudo ctr -n k8s.io image ls -q) || die "ctr could not list the cached images"
  printf '%s\n' "$image_list" | cut -d / -f 2- | grep -v sha256 | jq --raw-input --slurp '
    split("\n") | map(select(length > 0)) | unique'
}

main() {
  if [ "$#" -ne 1 ]; then
    usage >&2
    exit 1
  fi
  case "$1" in
    -h | --help)
      usage
      exit 0
      ;;
  esac
  output_file="$1"
  packages=$(packages_json)
  kubelet=$(kubelet_version)
  awscli=$(awscli_version)
  images=$(images_json)
  jq --null-input --argjson packages "$packages" --arg kubelet "$kubelet" --arg awscli "$awscli" \
    --argjson images "$images" \
    '{packages: $packages, binaries: {kubelet: $kubelet, awscli: $awscli}, images: $images}' \
    > "$output_file"
}

main "$@"
