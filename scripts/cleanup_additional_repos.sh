#!/usr/bin/env bash
#
# cleanup_additional_repos.sh — removes the temporary yum repositories that
# install_additional_repos.sh added, so they do not ship in the image.
#
# Environment:
#   ADDITIONAL_YUM_REPOS  the same value install_additional_repos.sh was given; every record's
#                         /etc/yum.repos.d/<repo>.repo is deleted. Empty: nothing to do.

set -o errexit -o nounset -o pipefail

readonly SCRIPT_NAME="cleanup_additional_repos.sh"
readonly REPO_DIR="/etc/yum.repos.d"

usage() {
  cat << EOF
usage: $SCRIPT_NAME

Environment: ADDITIONAL_YUM_REPOS="repo=ID,name=NAME,baseurl=URL[,priority=N][;...]"
EOF
}

die() {
  echo "$SCRIPT_NAME: $*" >&2
  exit 1
}

# Prints "repo<US>name<US>baseurl<US>priority" per record (US = \x1f, which unlike a tab does not
# collapse when a field is empty). Records are separated by ';' and
# fields by ','; each field is key=value split at the first '='. Unknown keys are ignored, so a
# value can contain neither ',' nor ';'.
parse_repos() {
  local spec="$1" record field key value index=0 repo name baseurl priority
  local -a records fields
  IFS=';' read -r -a records <<< "${spec//$'\n'/}"
  for record in "${records[@]}"; do
    index=$((index + 1))
    [[ "$record" =~ [^[:space:]] ]] || continue
    repo="" name="" baseurl="" priority=""
    IFS=',' read -r -a fields <<< "$record"
    for field in "${fields[@]}"; do
      [[ "$field" == *=* ]] || continue
      key="${field%%=*}"
      key="${key//[[:space:]]/}"
      value="${field#*=}"
      case "$key" in
        repo) repo="$value" ;;
        name) name="$value" ;;
        baseurl) baseurl="$value" ;;
        priority) priority="$value" ;;
      esac
    done
    if [[ ! "$repo" =~ ^[A-Za-z0-9._:-]+$ ]]; then
      die "record $index has no usable repo=<id> (got '$repo')"
    fi
    printf '%s\x1f%s\x1f%s\x1f%s\n' "$repo" "$name" "$baseurl" "$priority"
  done
}

main() {
  if (($# > 0)); then
    case "$1" in
      -h | --help)
        usage
        exit 0
        ;;
      *)
        usage >&2
        exit 1
        ;;
    esac
  fi
  local spec="${ADDITIONAL_YUM_REPOS:-}" parsed repo rest
  if [[ -z "$spec" ]]; then
    echo "no additional yum repo, skipping"
    exit 0
  fi
  parsed=$(parse_repos "$spec")
  while IFS=$'\x1f' read -r repo rest; do
    sudo rm -f "$REPO_DIR/$repo.repo"
    echo "$SCRIPT_NAME: removed $REPO_DIR/$repo.repo"
  done <<< "$parsed"
}

main "$@"
