# A throw-away view of the root file system for scripts that write to fixed system paths.
#   scratch_root_init         create SCRATCH (under /var/tmp) with one overlay layer per covered tree
#   scratch_run CMD ARGS...   run CMD in a private mount namespace where /etc, /var/lib and /tmp are
#                             overlays: reads see the real files, writes land in the scratch layers
#   root_path /ABS/PATH       where a file written (or pre-installed) at /ABS/PATH lives on the host
#   scratch_install SRC DEST  pre-install a file at DEST (absolute) before running
#   scratch_root_cleanup      remove SCRATCH
# The scratch directory sits outside every overlaid tree so that stubs running inside the namespace
# can still write their call logs where the test reads them.

SCRATCH_TREES=(/etc /var/lib /tmp)

scratch_root_init() {
  SCRATCH="$(mktemp -d /var/tmp/bats-scratch-root.XXXXXX)"
  local tree
  for tree in "${SCRATCH_TREES[@]}"; do
    mkdir -p "${SCRATCH}/layers${tree}/upper" "${SCRATCH}/layers${tree}/work"
  done
  export SCRATCH
}

scratch_root_cleanup() {
  if [[ -n "${SCRATCH:-}" && "${SCRATCH}" == /var/tmp/bats-scratch-root.* ]]; then
    rm -rf "${SCRATCH}"
  fi
}

# Prints the overlaid tree that contains an absolute path.
scratch_tree_of() {
  local path="$1"
  local tree
  for tree in "${SCRATCH_TREES[@]}"; do
    if [[ "${path}" == "${tree}" || "${path}" == "${tree}/"* ]]; then
      echo "${tree}"
      return 0
    fi
  done
  echo "scratch_root: ${path} is outside the scratch trees (${SCRATCH_TREES[*]})" >&2
  return 1
}

root_path() {
  local path="$1"
  local tree
  tree="$(scratch_tree_of "${path}")"
  echo "${SCRATCH}/layers${tree}/upper${path#"${tree}"}"
}

scratch_install() {
  local source="$1"
  local dest="$2"
  local target
  target="$(root_path "${dest}")"
  mkdir -p "$(dirname "${target}")"
  cp -p "${source}" "${target}"
}

scratch_run() {
  local mounts="mount --make-rprivate /" tree
  for tree in "${SCRATCH_TREES[@]}"; do
    mounts+=" && mount -t overlay overlay -o lowerdir=${tree},upperdir=${SCRATCH}/layers${tree}/upper,workdir=${SCRATCH}/layers${tree}/work ${tree}"
  done
  unshare --mount -- bash -c "${mounts} && exec \"\$@\"" scratch-root "$@"
}
