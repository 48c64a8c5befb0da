#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls this):
#   install missing packages → start Docker if needed → build → build the test image
#   → ctest over every test: labels unit, docker, e2e, lint (clang-format of every
#   tracked .h/.cc) and fuzz (the libFuzzer targets for a bounded time).
# Exits non-zero if any step fails. The last thing printed is ctest's summary.
#
# ctest -j is a CPU budget, not a count of tests: most docker and e2e tests wait on
# containers, so 4 units per core run several side by side, and a test's PROCESSORS
# property is its share: 1 for a light test; 2 for one that runs several Redis servers,
# a private engine or a build; 3 for one that also asserts a latency; 4 for one that
# forms a Galera cluster (tests/e2e/CMakeLists.txt).
#
# Environment: NXT_BUILD_DIR [./build], NXT_CTEST_JOBS [4 × nproc], NXT_CTEST_ARGS (extra
# ctest arguments, word-split, e.g. "-L unit" or "-R workqueue"),
# NXT_FUZZ_SECONDS [60] (fuzzing time of the fuzz test), NXT_BUILD_TARGETS (word-split) builds only
# those targets (for a quick partial run with NXT_CTEST_ARGS="-R ...").
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"


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
  # Every recipe under images/ (the tests of the kinds use them all); each is rebuilt only
  # when its recipe changed.
  bash images/build.sh

  nxt_phase_done
  nxt_print_timings
  # The format check (label lint) and the bounded fuzz run (label fuzz) are ctest tests
  # too, so the one summary below covers everything.
  local jobs="${NXT_CTEST_JOBS:-$((4 * $(nproc)))}"
  printf '\n==> ctest -j %s (load average now: %s)\n' "$jobs" "$(cut -d' ' -f1-3 /proc/loadavg)" >&2
  local -a extra=()
  if [[ -n "${NXT_CTEST_ARGS:-}" ]]; then
    read -r -a extra <<<"$NXT_CTEST_ARGS"
  fi
  local rc=0
  ctest --test-dir "$(nxt_build_dir)" --output-on-failure --no-tests=error \
    -j "$jobs" "${extra[@]}" 2>&1 || rc=$?
  exit "$rc"
}

main "$@"
