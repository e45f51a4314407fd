#!/usr/bin/env bash
# Prints the ECR registry host that serves the EKS images (pause and friends) in a region.
set -euo pipefail

readonly PROG="get-ecr-uri.sh"

usage() {
  cat >&2 << USAGE
usage: ${PROG} REGION DOMAIN [ACCOUNT]

Prints <account>.dkr.ecr.<REGION>.<DOMAIN>. The account comes from the built-in region table
(602401143452 for regions not listed) unless a non-empty ACCOUNT is given.
USAGE
}

# The EKS image account differs in opt-in, China, GovCloud and isolated regions.
account_for_region() {
  case "$1" in
    ap-east-1) echo 800184023465 ;;
    me-south-1) echo 558608220178 ;;
    cn-north-1) echo 918309763551 ;;
    cn-northwest-1) echo 961992271922 ;;
    us-gov-west-1) echo 013241004608 ;;
    us-gov-east-1) echo 151742754352 ;;
    us-iso-east-1) echo 725322719131 ;;
    us-isob-east-1) echo 187977181151 ;;
    af-south-1) echo 877085696533 ;;
    eu-south-1) echo 590381155156 ;;
    ap-southeast-3) echo 296578399912 ;;
    me-central-1) echo 759879836304 ;;
    eu-south-2) echo 455263428931 ;;
    eu-central-2) echo 900612956339 ;;
    ap-south-2) echo 900889452093 ;;
    *) echo 602401143452 ;;
  esac
}

main() {
  if [[ $# -lt 2 || $# -gt 3 ]]; then
    usage
    exit 1
  fi
  local region="$1"
  local domain="$2"
  local account="${3:-}"
  if [[ -z "${account}" ]]; then
    account="$(account_for_region "${region}")"
  fi
  echo "${account}.dkr.ecr.${region}.${domain}"
}

main "$@"
