#!/usr/bin/env bash
# The quick start: from a fresh Debian 12 machine (as root) to nxtd running the stack
# in examples/quickstart/, every resource Ready.
#
#   scripts/quickstart.sh          install what is missing, start Docker if needed,
#                                  build nxtd + nxtctl, build the local images
#                                  (testapp, mariadb-galera, redis; each only when
#                                  its recipe changed), start nxtd, wait until every
#                                  resource is Ready (600 s), print `nxtctl get all`
#   scripts/quickstart.sh --down   stop the quick start's nxtd (containers keep running)
#
# Everything the quick start keeps lives in .quickstart/ in the repository:
#   manifests/   the watched manifest directory (a copy of examples/quickstart/)
#   state/       nxtd's state directory (status, events, secrets)
#   nxtd.log     nxtd's log; nxtd.pid its pid
# nxtd listens on the default API socket /run/nxt/nxtd.sock (so plain `nxtctl ...`
# works) and serves metrics on 127.0.0.1:9480. A second run is fast and changes
# nothing; it restarts nxtd only when the binary or its flags changed.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

QS_DIR="${NXT_QUICKSTART_DIR:-$NXT_ROOT/.quickstart}"
EXAMPLES="$NXT_ROOT/examples/quickstart"
API_SOCKET=/run/nxt/nxtd.sock
METRICS_ADDR=127.0.0.1:9480
READY_TIMEOUT="${NXT_QUICKSTART_TIMEOUT:-600}"
PID_FILE="$QS_DIR/nxtd.pid"
STAMP_FILE="$QS_DIR/nxtd.started"
LOG_FILE="$QS_DIR/nxtd.log"

# Pid of the quick start's nxtd when it runs (the pid file's process, if it is an
# nxtd on our state directory).
running_pid() {
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  if [[ "$pid" =~ ^[0-9]+$ ]] &&
    tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qxF -- "--state-dir=$QS_DIR/state"; then
    printf '%s\n' "$pid"
  fi
}

stop_nxtd() {
  local pid
  pid="$(running_pid)"
  if [[ -z "$pid" ]]; then
    rm -f "$PID_FILE" "$STAMP_FILE"
    return 0
  fi
  nxt_log "stopping nxtd (pid $pid)"
  kill -TERM "$pid"
  local deadline=$((SECONDS + 40))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      nxt_warn "nxtd did not exit within 40 s of SIGTERM; killing it"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
  rm -f "$PID_FILE" "$STAMP_FILE"
}

NXTD_BIN="$(nxt_build_dir)/cmd/nxtd/nxtd"
NXTCTL_BIN="$(nxt_build_dir)/cmd/nxtctl/nxtctl"

nxtctl() { "$NXTCTL_BIN" --socket="$API_SOCKET" "$@"; }

# Copies the example manifests into the watched directory, leaving identical files
# (and files nxtctl apply wrote there) untouched.
sync_manifests() {
  mkdir -p "$QS_DIR/manifests" "$QS_DIR/state"
  chmod 0700 "$QS_DIR/state"
  local f dest changed=0
  for f in "$EXAMPLES"/*.yaml; do
    dest="$QS_DIR/manifests/$(basename "$f")"
    if ! cmp -s "$f" "$dest"; then
      # Write a temporary file and rename: the watcher never sees half a file.
      cp "$f" "$dest.tmp~" && mv -f "$dest.tmp~" "$dest"
      nxt_log "manifest $(basename "$f") copied"
      changed=1
    fi
  done
  ((changed)) || nxt_log "manifests unchanged ($QS_DIR/manifests)"
}

start_nxtd() {
  local nxtd="$NXTD_BIN"
  local -a args=(
    "--manifests=$QS_DIR/manifests" "--state-dir=$QS_DIR/state"
    "--docker-socket=$(nxt_docker_socket)" "--api-socket=$API_SOCKET"
    "--metrics-addr=$METRICS_ADDR" "--log-level=info"
  )
  local stamp
  stamp="$(sha256sum "$nxtd" | cut -d' ' -f1) ${args[*]}"
  local pid
  pid="$(running_pid)"
  if [[ -n "$pid" && "$(cat "$STAMP_FILE" 2>/dev/null)" == "$stamp" ]]; then
    nxt_log "nxtd already running (pid $pid), same binary and flags"
    return 0
  fi
  if [[ -n "$pid" ]]; then
    nxt_log "nxtd binary or flags changed: restarting it"
    stop_nxtd
  elif [[ -S "$API_SOCKET" ]] && nxtctl version >/dev/null 2>&1; then
    nxt_die "another nxtd (not the quick start's) answers on $API_SOCKET; stop it first"
  fi

  mkdir -p "$(dirname "$API_SOCKET")"
  printf '\n--- %s: quickstart starts %s %s\n' "$(date -Is)" "$nxtd" "${args[*]}" >>"$LOG_FILE"
  setsid nohup "$nxtd" "${args[@]}" </dev/null >>"$LOG_FILE" 2>&1 &
  pid=$!
  echo "$pid" >"$PID_FILE"
  printf '%s' "$stamp" >"$STAMP_FILE"

  local deadline=$((SECONDS + 30))
  until curl -fsS --max-time 2 "http://$METRICS_ADDR/healthz" >/dev/null 2>&1 &&
    nxtctl version >/dev/null 2>&1; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 30 "$LOG_FILE" >&2
      rm -f "$PID_FILE" "$STAMP_FILE"
      nxt_die "nxtd exited during start-up (log: $LOG_FILE)"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 30 "$LOG_FILE" >&2
      nxt_die "nxtd did not answer within 30 s (log: $LOG_FILE)"
    fi
    sleep 0.2
  done
  nxt_log "nxtd started (pid $pid, log $LOG_FILE)"
}

# Prints "READY TOTAL" over every object nxtctl lists: Ready=True for the current
# generation.
count_ready() {
  nxtctl get all -o json 2>/dev/null | jq -r '
    [.. | objects | select(has("apiVersion") and has("kind") and has("metadata") and has("spec"))]
    | [length, (map(select(
          any(.status.conditions[]?; .type == "Ready" and .status == "True")
          and ((.status.observedGeneration // 0) >= (.metadata.generation // 0))))
        | length)]
    | "\(.[1]) \(.[0])"' 2>/dev/null || echo "0 0"
}

wait_ready() {
  local want
  want="$(cat "$EXAMPLES"/*.yaml | grep -c '^kind:')"
  local deadline=$((SECONDS + READY_TIMEOUT)) last="" ready total
  while true; do
    ready=0 total=0
    read -r ready total < <(count_ready) || true
    if [[ "$ready $total" != "$last" ]]; then
      nxt_log "ready: $ready of $total resources (expecting at least $want)"
      last="$ready $total"
    fi
    if ((total >= want && ready == total)); then
      return 0
    fi
    if ((SECONDS >= deadline)); then
      nxtctl get all >&2 || true
      tail -n 30 "$LOG_FILE" >&2
      nxt_die "not every resource is Ready after ${READY_TIMEOUT} s (nxtctl describe KIND NAME tells why)"
    fi
    sleep 1
  done
}

print_summary() {
  cat >&2 <<EOF

nxtd is running (pid $(running_pid)) on $QS_DIR/manifests:
  nxtctl get all                    # what runs (nxtctl is $NXTCTL_BIN)
  nxtctl describe containerset web  # conditions and events
  nxtctl describe galera db         # each Galera node's state
  nxtctl describe redis cache       # each Redis node's role, slots and link
  curl -s http://$METRICS_ADDR/metrics | grep ^nxt_
  \$EDITOR $QS_DIR/manifests/web.yaml # change replicas or image; nxtd converges
  tail -f $LOG_FILE
Stop nxtd: scripts/quickstart.sh --down (the containers keep running).
Remove the containers first, if you want: nxtctl delete -f $QS_DIR/manifests

EOF
}

main() {
  case "${1:-}" in
    --down)
      nxt_require_root
      stop_nxtd
      nxt_log "nxtd stopped; the quick start's containers keep running (docker ps --filter label=io.nxt.managed-by=nxtd)"
      return 0
      ;;
    "") ;;
    *) nxt_die "usage: $0 [--down]" ;;
  esac
  nxt_require_root

  nxt_phase "install missing packages"
  bash "$NXT_ROOT/scripts/install-deps.sh"
  nxt_phase "Docker engine"
  bash "$NXT_ROOT/scripts/start-docker.sh"
  nxt_phase "build nxtd and nxtctl"
  bash "$NXT_ROOT/scripts/build.sh" nxtd nxtctl
  [[ -x "$NXTD_BIN" && -x "$NXTCTL_BIN" ]] || nxt_die "expected $NXTD_BIN and $NXTCTL_BIN"
  nxt_phase "images"
  bash "$NXT_ROOT/images/build.sh" testapp mariadb-galera redis
  bash "$NXT_ROOT/images/build.sh" nats signaling-standin coturn # talk.yaml (TalkBackend)
  nxt_phase "start nxtd"
  sync_manifests
  start_nxtd
  nxt_phase "wait until Ready"
  wait_ready
  nxt_print_timings
  print_summary
  nxtctl get all
}

main "$@"
