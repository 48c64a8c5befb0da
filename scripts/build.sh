#!/usr/bin/env bash
# Configures and builds nxt (with its tests) into ./build, incrementally.
#
#   scripts/build.sh [TARGET...]      default: everything
#
# Environment: NXT_BUILD_DIR [./build], NXT_BUILD_TYPE [RelWithDebInfo, the project's
# default], NXT_JOBS [nproc], NXT_CMAKE_ARGS (extra -D options, word-split).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

main() {
  local build_dir build_type
  build_dir="$(nxt_build_dir)"
  build_type="${NXT_BUILD_TYPE:-RelWithDebInfo}"
  local -a extra=()
  if [[ -n "${NXT_CMAKE_ARGS:-}" ]]; then
    read -r -a extra <<<"$NXT_CMAKE_ARGS"
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
