#!/usr/bin/env bash
# Makes sure a Docker engine answers on the socket. Does nothing when one does
# already; otherwise starts one (systemd's docker.service where systemd runs,
# else `dockerd` in the background, logging to /var/log/nxt-dockerd.log) and waits
# up to 60 s for GET /_ping. Fails loudly, with the end of the engine's log.
#
# Environment (defaults in brackets), mostly for testing with a private engine:
#   NXT_DOCKER_SOCKET   socket to ping [/var/run/docker.sock]
#   NXT_DOCKERD_ARGS    extra dockerd arguments, word-split [none]
#   NXT_DOCKERD_PIDFILE dockerd's pid file [/var/run/docker.pid]
#   NXT_DOCKERD_LOG     log file [/var/log/nxt-dockerd.log]
#   NXT_DOCKERD_NO_SYSTEMD=1  never use systemctl
#   NXT_DOCKERD_TIMEOUT seconds to wait for the engine [60]
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SOCKET="$(nxt_docker_socket)"
PIDFILE="${NXT_DOCKERD_PIDFILE:-/var/run/docker.pid}"
LOG="${NXT_DOCKERD_LOG:-/var/log/nxt-dockerd.log}"
TIMEOUT="${NXT_DOCKERD_TIMEOUT:-60}"

engine_version() {
  curl -fsS --max-time 3 --unix-socket "$SOCKET" http://localhost/version 2>/dev/null |
    jq -r '"\(.Version) (API \(.ApiVersion))"' 2>/dev/null || echo unknown
}

# Prints the pid of a live dockerd recorded in PIDFILE, if any.
running_dockerd_pid() {
  local pid
  pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  if [[ "$pid" =~ ^[0-9]+$ ]] && [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == dockerd ]]; then
    printf '%s\n' "$pid"
  fi
}

use_systemd() {
  [[ "${NXT_DOCKERD_NO_SYSTEMD:-0}" != 1 && -d /run/systemd/system ]] &&
    [[ "$SOCKET" == /var/run/docker.sock || "$SOCKET" == /run/docker.sock ]] &&
    systemctl cat docker.service >/dev/null 2>&1
}

fail() {
  nxt_warn "$1"
  if [[ -f "$LOG" ]]; then
    nxt_warn "last lines of $LOG:"
    tail -n 40 "$LOG" >&2 || true
  fi
  if use_systemd; then
    journalctl -u docker.service -n 40 --no-pager >&2 || true
  fi
  nxt_die "no Docker engine on $SOCKET"
}

start_engine() {
  command -v dockerd >/dev/null || nxt_die "dockerd not found: run scripts/install-deps.sh"
  if use_systemd; then
    nxt_log "starting docker.service"
    systemctl start docker.service || fail "systemctl start docker.service failed"
    return 0
  fi
  mkdir -p "$(dirname "$LOG")"
  local -a extra=()
  if [[ -n "${NXT_DOCKERD_ARGS:-}" ]]; then
    read -r -a extra <<<"$NXT_DOCKERD_ARGS"
  fi
  nxt_log "starting dockerd in the background (log: $LOG)"
  printf '\n--- %s: %s starts dockerd %s\n' "$(date -Is)" "$NXT_PROG" "${extra[*]}" >>"$LOG"
  # setsid + nohup: the engine outlives this script, its session and its terminal.
  setsid nohup dockerd "${extra[@]}" </dev/null >>"$LOG" 2>&1 &
  STARTED_PID=$!
}

main() {
  if nxt_docker_ping; then
    nxt_log "Docker engine answers on $SOCKET: $(engine_version)"
    return 0
  fi
  nxt_require_root

  STARTED_PID=""
  local pid
  pid="$(running_dockerd_pid)"
  if [[ -n "$pid" ]]; then
    nxt_log "dockerd (pid $pid) is running but not answering yet; waiting"
  else
    start_engine
  fi

  local start deadline
  start="$(nxt_now)"
  deadline=$((SECONDS + TIMEOUT))
  while ! nxt_docker_ping; do
    if ((SECONDS >= deadline)); then
      fail "the engine did not answer GET /_ping within ${TIMEOUT} s"
    fi
    if [[ -n "$STARTED_PID" ]] && ! kill -0 "$STARTED_PID" 2>/dev/null; then
      fail "dockerd exited during start-up"
    fi
    sleep 0.2
  done
  nxt_log "Docker engine up in $(nxt_elapsed "$start") s on $SOCKET: $(engine_version)"
}

main "$@"
