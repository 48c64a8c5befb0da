#!/bin/bash
# Usage: tests/fuzz/run_fuzzers.sh BUILD_DIR SECONDS
#
# Configures (once) and builds a clang ASan+UBSan+libFuzzer build of the fuzz targets in
# BUILD_DIR (incremental), seeds each target's corpus from tests/testdata/manifests/,
# crd-schemas/ and tests/fuzz/regressions/, runs each target for SECONDS, and fails if any
# input crashed, hung or ran out of memory. Every such input is copied into
# tests/fuzz/regressions/ so fuzz_regressions_test replays it from then on. Each target's
# dictionary is tests/fuzz/<target>.dict plus "kind: <Kind>" for every kind of
# crd-schemas/kinds.def.
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 BUILD_DIR SECONDS" >&2
  exit 2
fi
build_dir=$1
duration=$2
src_dir=${NXT_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
regressions=$src_dir/tests/fuzz/regressions
targets=(manifest_fuzzer)

# Through ccache as scripts/build.sh compiles (same cache keys in every checkout).
launcher=()
if [[ "${NXT_CCACHE:-1}" != 0 ]] && command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$src_dir}" CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"
fi
cmake -S "$src_dir" -B "$build_dir" "${launcher[@]}" \
  -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DNXT_BUILD_FUZZERS=ON -DNXT_BUILD_TESTS=OFF \
  "-DCMAKE_CXX_FLAGS=-fsanitize=address,undefined -fno-sanitize-recover=undefined -fsanitize=fuzzer-no-link" \
  >/dev/null
cmake --build "$build_dir" --target "${targets[@]}" -j2

status=0
for target in "${targets[@]}"; do
  corpus=$build_dir/fuzz/$target/corpus
  artifacts=$build_dir/fuzz/$target/artifacts
  mkdir -p "$corpus" "$artifacts"
  find "$src_dir/tests/testdata/manifests" "$src_dir/crd-schemas" "$regressions" \
    -type f ! -name '*.md' ! -name '*.errors' ! -name '*.txt' \
    -exec cp -n -t "$corpus" {} + 2>/dev/null || true
  find "$src_dir/tests/controllers" -type f -name '*.yaml' \
    -exec cp -n -t "$corpus" {} + 2>/dev/null || true
  rm -f "$artifacts"/*
  # The target's dictionary plus "kind: <Kind>" for every kind of the registration list.
  dict=$build_dir/fuzz/$target/$target.dict
  {
    cat "$src_dir/tests/fuzz/$target.dict"
    sed -n 's/^NXT_KIND([a-z0-9_]*, *\([A-Za-z0-9]*\)).*$/"kind: \1"/p' "$src_dir/crd-schemas/kinds.def"
  } >"$dict"
  log=$build_dir/fuzz/$target/log.txt
  set +e
  (cd "$build_dir/fuzz/$target" &&
    ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    timeout -k 5 $((duration + 30)) "$build_dir/tests/fuzz/$target" \
      -max_total_time="$duration" -max_len=8192 -rss_limit_mb=2048 -timeout=10 \
      -dict="$dict" \
      -artifact_prefix="$artifacts/" "$corpus") >"$log" 2>&1
  rc=$?
  set -e
  grep -E '^(#[0-9]+ +DONE|Done [0-9]+ runs)' "$log" | tail -2 || true
  found=0
  for artifact in "$artifacts"/*; do
    [[ -e $artifact ]] || continue
    name=$(basename "$artifact")
    if [[ $name == slow-unit-* ]]; then
      # Slower than -report_slow_units on a busy machine, yet inside -timeout (a hang is
      # a timeout-* artifact and a non-zero exit): reported, not a failure.
      echo "$target: slow input (not a failure): $artifact" >&2
      continue
    fi
    cp "$artifact" "$regressions/$target-$name"
    echo "$target: new regression input tests/fuzz/regressions/$target-$name" >&2
    found=1
  done
  if [[ $rc -ne 0 || $found -ne 0 ]]; then
    echo "$target: FAILED (exit $rc); log: $log" >&2
    tail -40 "$log" >&2
    status=1
  else
    echo "$target: OK ($duration s)"
  fi
done
exit $status
