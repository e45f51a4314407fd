#!/usr/bin/env bash
#
# install_additional_repos.sh — adds the yum repositories the build needs only temporarily
# (cleanup_additional_repos.sh removes them again before the image is taken).
#
# Environment:
#   ADDITIONAL_YUM_REPOS  records separated by ';', fields by ',', e.g.
#     repo=patches-repo,name=Install patches,baseurl=http://amazonlinux.$awsregion.$awsdomain/xxxx,priority=10
#   Each record becomes /etc/yum.repos.d/<repo>.repo with [<repo>], name=, baseurl= and, only when
#   given, priority=. Empty: nothing to do.

set -o errexit -o nounset -o pipefail

readonly SCRIPT_NAME="install_additional_repos.sh"
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

write_repo() {
  local repo="$1" name="$2" baseurl="$3" priority="$4"
  {
    echo "[$repo]"
    echo "name=$name"
    echo "baseurl=$baseurl"
    if [[ -n "$priority" ]]; then
      echo "priority=$priority"
    fi
  } | sudo tee "$REPO_DIR/$repo.repo" > /dev/null
  echo "$SCRIPT_NAME: added $REPO_DIR/$repo.repo"
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
  local spec="${ADDITIONAL_YUM_REPOS:-}" parsed repo name baseurl priority
  if [[ -z "$spec" ]]; then
    echo "no additional yum repo, skipping"
    exit 0
  fi
  # Parse everything first so a bad record leaves no repository half-written.
  parsed=$(parse_repos "$spec")
  sudo mkdir -p "$REPO_DIR"
  while IFS=$'\x1f' read -r repo name baseurl priority; do
    write_repo "$repo" "$name" "$baseurl" "$priority"
  done <<< "$parsed"
}

main "$@"
