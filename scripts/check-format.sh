#!/usr/bin/env bash
# Fails when any tracked (or, outside git, any) .h/.cc file is not clang-formatted.
# Registered as the ctest test `clang_format` (label lint). Fix: clang-format -i FILE.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.h' '*.cc')
else
  mapfile -t files < <(find . \( -path ./build -o -path './build-*' -o -path ./.quickstart \) \
    -prune -o \( -name '*.h' -o -name '*.cc' \) -print | sed 's|^\./||')
fi
bad=()
for f in "${files[@]}"; do
  [[ -f "$f" ]] || continue
  clang-format --dry-run --Werror --style=file "$f" >/dev/null 2>&1 || bad+=("$f")
done
if ((${#bad[@]})); then
  echo "${#bad[@]} of ${#files[@]} files are not clang-formatted (fix: clang-format -i FILE):" >&2
  printf '  %s\n' "${bad[@]}" >&2
  exit 1
fi
echo "${#files[@]} files formatted"
