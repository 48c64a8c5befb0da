# shellcheck shell=bash
# Helpers sourced by the scripts in scripts/ and images/. Not meant to be run.
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# Provides: NXT_ROOT (the repository root, whatever the caller's cwd), logging
# (nxt_log, nxt_warn, nxt_die), phase timing (nxt_phase, nxt_phase_done,
# nxt_print_timings) and small checks (nxt_require_root, nxt_docker_ping).

if [[ -n "${NXT_LIB_SOURCED:-}" ]]; then
  return 0
fi
NXT_LIB_SOURCED=1

NXT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
export NXT_ROOT

# Never wait for a human: no prompts from apt, debconf or needrestart.
export DEBIAN_FRONTEND=noninteractive
export NEEDRESTART_MODE=a
export NEEDRESTART_SUSPEND=1

NXT_PROG="$(basename "$0")"

nxt_log() { printf '[%s] %s\n' "$NXT_PROG" "$*" >&2; }
nxt_warn() { printf '[%s] WARNING: %s\n' "$NXT_PROG" "$*" >&2; }
nxt_die() {
  printf '[%s] ERROR: %s\n' "$NXT_PROG" "$*" >&2
  exit 1
}

nxt_require_root() {
  if [[ "$(id -u)" -ne 0 ]]; then
    nxt_die "must run as root (it installs packages and talks to the Docker engine); try: sudo $0"
  fi
}

# Seconds since the epoch with milliseconds, for timings.
nxt_now() { date +%s.%3N; }

# nxt_elapsed START → "12.3" (seconds since START, one decimal).
nxt_elapsed() { awk -v s="$1" -v e="$(nxt_now)" 'BEGIN { printf "%.1f", e - s }'; }

# Phase timing: `nxt_phase NAME` starts a phase (ending the previous one),
# `nxt_phase_done` ends the current one, `nxt_print_timings` prints the table.
NXT_PHASE_NAMES=()
NXT_PHASE_SECS=()
NXT_PHASE_CURRENT=""
NXT_PHASE_START=""

nxt_phase_done() {
  if [[ -n "$NXT_PHASE_CURRENT" ]]; then
    NXT_PHASE_NAMES+=("$NXT_PHASE_CURRENT")
    NXT_PHASE_SECS+=("$(nxt_elapsed "$NXT_PHASE_START")")
    NXT_PHASE_CURRENT=""
  fi
}

nxt_phase() {
  nxt_phase_done
  NXT_PHASE_CURRENT="$1"
  NXT_PHASE_START="$(nxt_now)"
  printf '\n==> %s\n' "$1" >&2
}

nxt_print_timings() {
  nxt_phase_done
  local i total=0
  printf '\n%-28s %9s\n' "phase" "seconds" >&2
  for i in "${!NXT_PHASE_NAMES[@]}"; do
    printf '%-28s %9s\n' "${NXT_PHASE_NAMES[$i]}" "${NXT_PHASE_SECS[$i]}" >&2
    total="$(awk -v a="$total" -v b="${NXT_PHASE_SECS[$i]}" 'BEGIN { print a + b }')"
  done
  printf '%-28s %9.1f\n' "total" "$total" >&2
}

# The Docker socket the scripts and tests use (NXT_DOCKER_SOCKET overrides).
nxt_docker_socket() { printf '%s\n' "${NXT_DOCKER_SOCKET:-/var/run/docker.sock}"; }

# True when an engine answers GET /_ping on the socket within 3 s.
nxt_docker_ping() {
  local sock
  sock="$(nxt_docker_socket)"
  [[ -S "$sock" ]] || return 1
  [[ "$(curl -fsS --max-time 3 --unix-socket "$sock" http://localhost/_ping 2>/dev/null)" == "OK" ]]
}

# The docker CLI pointed at our socket.
nxt_docker() { DOCKER_HOST="unix://$(nxt_docker_socket)" docker "$@"; }

# Number of parallel build jobs (NXT_JOBS overrides).
nxt_jobs() { printf '%s\n' "${NXT_JOBS:-$(nproc)}"; }

# The build directory (NXT_BUILD_DIR overrides; default ./build in the repository).
nxt_build_dir() { printf '%s\n' "${NXT_BUILD_DIR:-$NXT_ROOT/build}"; }
