#!/usr/bin/env bash
# Configures and builds nxt (with its tests) into ./build, incrementally.
#
#   scripts/build.sh [TARGET...]      default: everything
#
# Environment: NXT_BUILD_DIR [./build], NXT_BUILD_TYPE [RelWithDebInfo, the project's
# default], NXT_JOBS [nproc], NXT_CMAKE_ARGS (extra -D options, word-split), NXT_CCACHE
# [1 when ccache is installed: compile through it; 0: never].
#
# With ccache, paths are hashed relative to the checkout (CCACHE_BASEDIR, CCACHE_NOHASHDIR
# unless set), so every clone and worktree of the same sources hits the same cache entries
# (ccache's own cache directory unless CCACHE_DIR says otherwise): a fresh clone, as CI
# makes, compiles only what changed since any build on this machine.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# True when builds compile through ccache (installed, and NXT_CCACHE is not 0); then also
# exports what lets every checkout share the cache: CCACHE_BASEDIR (the checkout, so paths
# are hashed relative to it) and CCACHE_NOHASHDIR (the build directory's path is left out
# of the hash, which -g otherwise puts in), each unless already set.
use_ccache() {
  [[ "${NXT_CCACHE:-1}" != 0 ]] && command -v ccache >/dev/null 2>&1 || return 1
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$NXT_ROOT}"
  export CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"
}

main() {
  local build_dir build_type
  build_dir="$(nxt_build_dir)"
  build_type="${NXT_BUILD_TYPE:-RelWithDebInfo}"
  local -a extra=()
  if [[ -n "${NXT_CMAKE_ARGS:-}" ]]; then
    read -r -a extra <<<"$NXT_CMAKE_ARGS"
  fi
  if use_ccache && [[ "${extra[*]}" != *COMPILER_LAUNCHER* ]]; then
    extra+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  fi

  local start
  start="$(nxt_now)"
  # Configure only when needed: cmake --build re-runs it by itself when a
  # CMakeLists.txt changes; an explicit run is needed for a new tree or new options.
  local stamp="$build_dir/.nxt-configure-args"
  local want="$build_type ${extra[*]}"
  if [[ ! -f "$build_dir/CMakeCache.txt" || "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
    nxt_log "configuring $build_dir ($build_type)"
    mkdir -p "$build_dir"
    cmake -S "$NXT_ROOT" -B "$build_dir" -DCMAKE_BUILD_TYPE="$build_type" \
      -DNXT_BUILD_TESTS=ON "${extra[@]}" >"$build_dir/nxt-configure.log" 2>&1 || {
      cat "$build_dir/nxt-configure.log" >&2
      nxt_die "cmake configure failed"
    }
    printf '%s' "$want" >"$stamp"
  fi

  local -a targets=()
  local t
  for t in "$@"; do
    targets+=(--target "$t")
  done
  nxt_log "building with $(nxt_jobs) jobs"
  cmake --build "$build_dir" --parallel "$(nxt_jobs)" "${targets[@]}"
  nxt_log "build done in $(nxt_elapsed "$start") s"
}

main "$@"
