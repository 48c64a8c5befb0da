#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls this):
#   install missing packages → start Docker if needed → build → build the test image
#   → clang-format check of every tracked .h/.cc → fuzzers for a bounded time
#   → ctest over every test (labels unit, docker, e2e).
# Exits non-zero if any step fails. The last thing printed is ctest's summary.
#
# Environment: NXT_BUILD_DIR [./build], NXT_CTEST_JOBS [2], NXT_CTEST_ARGS (extra
# ctest arguments, word-split, e.g. "-L unit" or "-R workqueue"),
# NXT_FUZZ_SECONDS [60] (0 skips the fuzzers), NXT_FUZZ_BUILD_DIR [./build-fuzz],
# NXT_SKIP_FORMAT=1 skips the format check, NXT_BUILD_TARGETS (word-split) builds only
# those targets (for a quick partial run with NXT_CTEST_ARGS="-R ...").
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FAILED=()

# clang-format --dry-run --Werror over the tracked (or, outside git, all) sources.
format_check() {
  local -a files=()
  if git -C "$NXT_ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    mapfile -t files < <(git -C "$NXT_ROOT" ls-files --cached --others --exclude-standard -- '*.h' '*.cc')
  else
    mapfile -t files < <(cd "$NXT_ROOT" && find . -path ./build -prune -o \
      -path './build-*' -prune -o \( -name '*.h' -o -name '*.cc' \) -print | sed 's|^\./||')
  fi
  if ((${#files[@]} == 0)); then
    nxt_log "no sources to check"
    return 0
  fi
  local -a bad=()
  local f
  for f in "${files[@]}"; do
    if ! clang-format --dry-run --Werror --style=file "$NXT_ROOT/$f" >/dev/null 2>&1; then
      bad+=("$f")
    fi
  done
  if ((${#bad[@]})); then
    nxt_warn "${#bad[@]} of ${#files[@]} files are not clang-formatted (fix: clang-format -i FILE):"
    printf '  %s\n' "${bad[@]}" >&2
    return 1
  fi
  nxt_log "${#files[@]} files formatted"
}

run_fuzzers() {
  local seconds="${NXT_FUZZ_SECONDS:-60}" script="$NXT_ROOT/tests/fuzz/run_fuzzers.sh"
  if [[ "$seconds" == 0 ]]; then
    nxt_log "fuzzers skipped (NXT_FUZZ_SECONDS=0)"
  elif [[ -f "$script" ]]; then
    bash "$script" "${NXT_FUZZ_BUILD_DIR:-$NXT_ROOT/build-fuzz}" "$seconds"
  else
    nxt_warn "no tests/fuzz/run_fuzzers.sh: fuzzers not run"
  fi
}

main() {
  nxt_require_root
  cd "$NXT_ROOT"
  export NXT_DOCKER_SOCKET="${NXT_DOCKER_SOCKET:-/var/run/docker.sock}"
  export NXT_TEST_IMAGE="${NXT_TEST_IMAGE:-nxt/testapp:latest}"

  nxt_phase "install missing packages"
  bash scripts/install-deps.sh
  nxt_phase "Docker engine"
  bash scripts/start-docker.sh
  nxt_phase "build"
  local -a targets=()
  if [[ -n "${NXT_BUILD_TARGETS:-}" ]]; then
    read -r -a targets <<<"$NXT_BUILD_TARGETS"
  fi
  bash scripts/build.sh "${targets[@]}"
  nxt_phase "images"
  bash images/build.sh testapp

  if [[ "${NXT_SKIP_FORMAT:-0}" != 1 ]]; then
    nxt_phase "clang-format check"
    format_check || FAILED+=("clang-format check")
  fi
  nxt_phase "fuzzers"
  run_fuzzers || FAILED+=("fuzzers")
  nxt_phase_done
  nxt_print_timings
  if ((${#FAILED[@]})); then
    nxt_warn "failed before ctest: ${FAILED[*]}"
  fi

  printf '\n==> ctest\n' >&2
  local -a extra=()
  if [[ -n "${NXT_CTEST_ARGS:-}" ]]; then
    read -r -a extra <<<"$NXT_CTEST_ARGS"
  fi
  local rc=0
  ctest --test-dir "$(nxt_build_dir)" --output-on-failure --no-tests=error \
    -j "${NXT_CTEST_JOBS:-2}" "${extra[@]}" 2>&1 || rc=$?
  if ((${#FAILED[@]})) && ((rc == 0)); then
    rc=1
  fi
  exit "$rc"
}

main "$@"
