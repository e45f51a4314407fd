#!/usr/bin/env bash
# Pulls one image from ECR into containerd's k8s.io namespace, retrying with backoff.
set -euo pipefail

readonly PROG="pull-image.sh"
readonly MAX_RETRIES=3

usage() {
  cat >&2 << USAGE
usage: ${PROG} IMAGE

IMAGE is an ECR reference such as 602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/pause:3.5; the
region is its fourth dot-separated field. Each step is tried $((MAX_RETRIES + 1)) times, sleeping
(5 << (attempt + 1)) + random(1..10) seconds between tries.
Environment:
  RETRY_SLEEP_SCALE  multiplies every backoff sleep (default 1; 0 retries without sleeping)
USAGE
}

# Runs "$@" until it succeeds; prints its stdout once. Exits with the last status when all tries fail.
retry() {
  local attempt rc output jitter sleep_seconds
  for ((attempt = 0; attempt <= MAX_RETRIES; attempt++)); do
    if ((attempt > 0)); then
      echo "${PROG}: attempt ${attempt} of ${MAX_RETRIES}" >&2
    fi
    rc=0
    output="$("$@")" || rc=$?
    if ((rc == 0)); then
      if [[ -n "${output}" ]]; then
        printf '%s\n' "${output}"
      fi
      return 0
    fi
    if ((attempt == MAX_RETRIES)); then
      echo "${PROG}: giving up on '$1' after $((MAX_RETRIES + 1)) attempts" >&2
      exit "${rc}"
    fi
    jitter=$((RANDOM % 10 + 1))
    sleep_seconds=$((((5 << (attempt + 1)) + jitter) * ${RETRY_SLEEP_SCALE:-1}))
    if ((sleep_seconds > 0)); then
      sleep "${sleep_seconds}"
    fi
  done
}

main() {
  if [[ $# -ne 1 ]]; then
    usage
    exit 1
  fi
  local image="$1"
  local region password
  region="$(cut -d . -f 4 <<< "${image}")"
  if [[ -z "${region}" ]]; then
    echo "${PROG}: cannot find the region in image reference '${image}'" >&2
    exit 1
  fi
  password="$(retry aws ecr get-login-password --region "${region}")"
  if [[ -z "${password}" ]]; then
    echo "${PROG}: Unable to retrieve the ECR password." >&2
    exit 1
  fi
  retry ctr --namespace k8s.io content fetch "${image}" --user "AWS:${password}" > /dev/null
}

main "$@"
