#!/usr/bin/env bats
# Every build-time script (and this directory's shell helpers and tests) passes shellcheck at
# warning severity and is formatted with the project's shfmt flags. The .bats files are included
# because shellcheck catches assertions bats would silently ignore (a bare `! cmd`, SC2314).

load test_helper

lint_targets() {
  printf '%s\n' "$SCRIPTS_DIR"/*.sh "$HELPER_DIR"/*.sh "$HELPER_DIR"/*.bash "$HELPER_DIR"/*.bats
}

@test "all seven build-time scripts are present and executable" {
  local name
  for name in install-worker.sh upgrade_kernel.sh validate.sh cleanup.sh generate-version-info.sh \
    install_additional_repos.sh cleanup_additional_repos.sh; do
    [ -x "$SCRIPTS_DIR/$name" ]
  done
}

@test "shellcheck -S warning" {
  local file dialect
  while IFS= read -r file; do
    # bats helpers have no shebang; scripts are checked in the dialect their shebang names
    dialect=()
    [[ "$file" == *.bash ]] && dialect=(-s bash)
    run shellcheck -S warning "${dialect[@]}" "$file"
    [ "$status" -eq 0 ] || {
      echo "$output"
      return 1
    }
  done < <(lint_targets)
}

@test "shfmt -i 2 -bn -ci -sr" {
  local file
  while IFS= read -r file; do
    run shfmt -d -i 2 -bn -ci -sr "$file"
    [ "$status" -eq 0 ] || {
      echo "$output"
      return 1
    }
  done < <(lint_targets)
}

@test "bash scripts use strict mode; the /bin/sh one uses errexit and nounset" {
  local file
  for file in "$SCRIPTS_DIR"/*.sh; do
    if [ "$(head -n 1 "$file")" = "#!/bin/sh" ]; then
      grep -qx 'set -eu' "$file"
    else
      grep -qx 'set -o errexit -o nounset -o pipefail' "$file"
    fi
  done
}
