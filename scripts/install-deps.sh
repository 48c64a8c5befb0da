#!/usr/bin/env bash
# Installs the Debian 12 packages nxt needs to build, test and run, and only those
# that are missing: when everything is present it asks no registry and takes well
# under a second. Idempotent; needs root; never prompts.
#
#   scripts/install-deps.sh          install what is missing
#   scripts/install-deps.sh --check  list what is missing, exit 1 if anything is
#
# Boost comes as the *1.81-dev packages only: never libboost-dev / libboost-all-dev
# (Boost 1.74, no Boost.JSON; installing it removes 1.81). See shared DEPENDENCIES.md.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Libraries and tools for building and testing (installed without recommends).
BUILD_PACKAGES=(
  cmake make g++ clang clang-format git curl jq ca-certificates util-linux ccache
  libboost1.81-dev libboost-json1.81-dev libcurl4-openssl-dev libyaml-cpp-dev
  libabsl-dev prometheus-cpp-dev libgtest-dev libgmock-dev libbenchmark-dev
  libclang-rt-14-dev
  pkg-config libmariadb-dev libhiredis-dev
  prometheus
)
# The Docker engine and what the local images are made from (installed with their
# recommends: docker.io wants apparmor, cgroupfs-mount, xz-utils).
RUNTIME_PACKAGES=(docker.io busybox-static debootstrap)

# Prints the packages of "$@" that are not installed.
missing_packages() {
  local pkg status
  for pkg in "$@"; do
    status="$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)"
    if [[ "$status" != ii* ]]; then
      printf '%s\n' "$pkg"
    fi
  done
}

apt_install() {
  apt-get install -y -q -o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confdef \
    -o Dpkg::Options::=--force-confold "$@" </dev/null
}

main() {
  local check_only=0
  case "${1:-}" in
    --check) check_only=1 ;;
    "") ;;
    *) nxt_die "usage: $0 [--check]" ;;
  esac

  local -a missing_build missing_runtime
  mapfile -t missing_build < <(missing_packages "${BUILD_PACKAGES[@]}")
  mapfile -t missing_runtime < <(missing_packages "${RUNTIME_PACKAGES[@]}")
  if ((${#missing_build[@]} + ${#missing_runtime[@]} == 0)); then
    nxt_log "all $((${#BUILD_PACKAGES[@]} + ${#RUNTIME_PACKAGES[@]})) packages present"
    return 0
  fi
  nxt_log "missing: ${missing_build[*]} ${missing_runtime[*]}"
  if ((check_only)); then
    return 1
  fi
  nxt_require_root

  local start
  start="$(nxt_now)"
  apt-get update -q -o DPkg::Lock::Timeout=300 </dev/null
  if ((${#missing_build[@]})); then
    apt_install --no-install-recommends "${missing_build[@]}"
  fi
  if ((${#missing_runtime[@]})); then
    apt_install "${missing_runtime[@]}"
  fi

  local -a still_missing
  mapfile -t still_missing < <(missing_packages "${BUILD_PACKAGES[@]}" "${RUNTIME_PACKAGES[@]}")
  if ((${#still_missing[@]})); then
    nxt_die "still missing after apt-get install: ${still_missing[*]}"
  fi
  nxt_log "installed in $(nxt_elapsed "$start") s"
}

main "$@"
