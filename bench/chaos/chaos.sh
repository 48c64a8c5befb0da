#!/usr/bin/env bash
# The fault suite: the quick-start GaleraCluster (3 nodes) and RedisCluster (3 masters +
# 3 replicas) under the real nxtd, real clients writing through every fault, one fault
# at a time, each followed by a full heal. See bench/chaos/README.md.
#
#   bench/chaos/chaos.sh                 every fault (engine-restart only with
#                                        CHAOS_ENGINE_RESTART=1), each also with nxtd
#                                        SIGKILLed right after it (the "+nxtd" variants)
#   bench/chaos/chaos.sh --quick         galera-kill-0 and redis-kill-master
#   bench/chaos/chaos.sh FAULT...        these faults, in this order (repeats allowed)
#   bench/chaos/chaos.sh --repeat N ...  each selected fault N times
#   bench/chaos/chaos.sh --list          the fault names
#
# Prints one line per fault: acknowledged writes in the fault's window, acknowledged
# writes lost (every acknowledged id/key ever written is read back after each heal),
# time until writable, longest time without an acknowledged write, time until healed,
# and for Galera how each restarted node got its state (IST or SST, from its log).
# Exit status 1 when a write was lost or a fault did not heal within
# CHAOS_HEAL_TIMEOUT; 2 when the stack could not be brought up.
#
# Needs root (Docker), the images (images/build.sh mariadb-galera redis) and the build
# (scripts/build.sh nxtd nxtctl chaos_client). Everything it creates carries a random
# run id (namespace chaos-<id>, objects db-<id> and cache-<id>) and is removed at exit,
# failure and Ctrl-C included; nxtd runs in this script's process group on a private
# state directory, manifest directory and API socket under a temporary directory.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"

HEAL_TIMEOUT="${CHAOS_HEAL_TIMEOUT:-300}"   # s, per fault, from the fault until healed
READY_TIMEOUT="${CHAOS_READY_TIMEOUT:-600}" # s, the stack from nothing to Ready
SETTLE="${CHAOS_SETTLE:-5}"                 # s of steady writes before each fault
NXTD_DOWN="${CHAOS_NXTD_DOWN:-5}"           # s nxtd stays dead in the +nxtd variants
GALERA_RATE="${CHAOS_GALERA_RATE:-60}"      # INSERTs per second, spread over the nodes
REDIS_RATE="${CHAOS_REDIS_RATE:-60}"        # SET + WAIT per second
WAIT_MS="${CHAOS_WAIT_MS:-1000}"            # WAIT 1 <ms>
ENGINE_RESTART="${CHAOS_ENGINE_RESTART:-0}" # 1: include engine-restart (shared engine!)
BUILD_DIR="$(nxt_build_dir)"
NXTD_BIN="${CHAOS_NXTD:-$BUILD_DIR/cmd/nxtd/nxtd}"
NXTCTL_BIN="${CHAOS_NXTCTL:-$BUILD_DIR/cmd/nxtctl/nxtctl}"
CLIENT_BIN="${CHAOS_CLIENT:-$BUILD_DIR/bench/chaos_client}"
SOCK="$(nxt_docker_socket)"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=bench/chaos/faults.sh
source "$HERE/faults.sh"
# shellcheck source=bench/chaos/measure.sh
source "$HERE/measure.sh"

RUN_ID="$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
NS="chaos-$RUN_ID"
DB="db-$RUN_ID"
CACHE="cache-$RUN_ID"
WORK=""
NXTD_PID=""
GALERA_WRITER_PID=""
REDIS_WRITER_PID=""
FAILED=0

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
  exit 2
}

now_ms() { date +%s%3N; }
setup_failed() {
  nxt_warn "$*"
  exit 2
}
dk() { timeout 60 docker -H "unix://$SOCK" "$@"; }
nxtctl() { timeout 20 "$NXTCTL_BIN" --socket="$WORK/nxtd.sock" "$@"; }

# ---- nxtd, in this script's process group.

start_nxtd() {
  printf '\n--- %s: chaos.sh starts nxtd\n' "$(date -Is)" >>"$WORK/nxtd.log"
  "$NXTD_BIN" --manifests="$WORK/manifests" --state-dir="$WORK/state" \
    --docker-socket="$SOCK" --api-socket="$WORK/nxtd.sock" --metrics-addr= \
    --log-level=info </dev/null >>"$WORK/nxtd.log" 2>&1 &
  NXTD_PID=$!
  local deadline=$((SECONDS + 30))
  until nxtctl version >/dev/null 2>&1; do
    kill -0 "$NXTD_PID" 2>/dev/null || setup_failed "nxtd exited at start (log: $WORK/nxtd.log)"
    ((SECONDS < deadline)) || setup_failed "nxtd did not answer within 30 s"
    sleep 0.2
  done
}

# Stops nxtd with `signal` (TERM: graceful, KILL: crash) and waits for it (bounded).
stop_nxtd() {
  local signal="$1" pid="$NXTD_PID" deadline=$((SECONDS + 40))
  [[ -n "$pid" ]] || return 0
  kill "-$signal" "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      kill -KILL "$pid" 2>/dev/null || true
    fi
    sleep 0.1
  done
  wait "$pid" 2>/dev/null || true
  NXTD_PID=""
}

# ---- Clean-up: always, and only what this run made.

remove_run_objects() {
  local -a ids
  local filter="label=io.nxt.namespace=$NS"
  mapfile -t ids < <(dk ps -aq --filter "$filter" || true)
  ((${#ids[@]} == 0)) || dk rm -f "${ids[@]}" >/dev/null || true
  mapfile -t ids < <(dk network ls -q --filter "$filter" || true)
  ((${#ids[@]} == 0)) || dk network rm "${ids[@]}" >/dev/null || true
  mapfile -t ids < <(dk volume ls -q --filter "$filter" || true)
  ((${#ids[@]} == 0)) || dk volume rm -f "${ids[@]}" >/dev/null || true
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  set +e
  stop_writers
  stop_nxtd TERM
  nxt_docker_ping && remove_run_objects
  if [[ -n "$WORK" ]]; then
    rm -rf "$WORK/state" # secrets
    if ((rc == 0)) && [[ "${CHAOS_KEEP:-0}" != 1 ]]; then
      rm -rf "$WORK"
    else
      nxt_log "logs kept in $WORK (nxtd.log, *.acks, results.txt)"
    fi
  fi
  exit "$rc"
}

# ---- Bring-up.

# The quick-start manifests with this run's namespace and names.
write_manifests() {
  mkdir -p "$WORK/manifests" "$WORK/state"
  chmod 0700 "$WORK/state"
  sed -e "s/^  name: db\$/  name: $DB\n  namespace: $NS/" \
    "$NXT_ROOT/examples/quickstart/db.yaml" >"$WORK/manifests/db.yaml"
  sed -e "s/^  name: cache\$/  name: $CACHE\n  namespace: $NS/" \
    "$NXT_ROOT/examples/quickstart/cache.yaml" >"$WORK/manifests/cache.yaml"
  grep -q "namespace: $NS" "$WORK/manifests/db.yaml" "$WORK/manifests/cache.yaml" ||
    nxt_die "could not rename the quick-start manifests"
}

secret_file() { # kind-dir name secret
  find "$WORK/state/secrets" -path "*/$NS/$1/$2" -type f 2>/dev/null | head -n1
}

start_writers() {
  if [[ -z "$GALERA_WRITER_PID" ]] || ! kill -0 "$GALERA_WRITER_PID" 2>/dev/null; then
    galera_client galera-write --acks "$WORK/galera.acks" --rate "$GALERA_RATE" \
      >>"$WORK/writers.log" 2>&1 &
    GALERA_WRITER_PID=$!
  fi
  if [[ -z "$REDIS_WRITER_PID" ]] || ! kill -0 "$REDIS_WRITER_PID" 2>/dev/null; then
    redis_client redis-write --acks "$WORK/redis.acks" --rate "$REDIS_RATE" \
      --wait-ms "$WAIT_MS" >>"$WORK/writers.log" 2>&1 &
    REDIS_WRITER_PID=$!
  fi
}

stop_writers() {
  local pid
  for pid in "$GALERA_WRITER_PID" "$REDIS_WRITER_PID"; do
    [[ -n "$pid" ]] || continue
    kill -TERM "$pid" 2>/dev/null || true
    timeout 15 tail --pid="$pid" -f /dev/null 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  GALERA_WRITER_PID="" REDIS_WRITER_PID=""
}

bring_up() {
  local start
  start="$(now_ms)"
  write_manifests
  start_nxtd
  nxt_log "run $RUN_ID: nxtd (pid $NXTD_PID) on $WORK; waiting for $DB and $CACHE"
  if ! wait_until "$READY_TIMEOUT" galera_healthy || ! wait_until 60 redis_healthy; then
    nxtctl get all -n "$NS" >&2 || true
    tail -n 40 "$WORK/nxtd.log" >&2
    setup_failed "the stack was not Ready within $READY_TIMEOUT s"
  fi
  GALERA_PASSWORD_FILE="$(secret_file "$DB" user)"
  REDIS_PASSWORD_FILE="$(secret_file "$CACHE" password)"
  galera_client galera-setup || setup_failed "cannot create the Galera table"
  start_writers
  nxt_log "stack Ready after $(secs "$start" "$(now_ms)") s; writers started"
}

main() {
  local -a faults=()
  local repeat=1
  while (($#)); do
    case "$1" in
      --quick) faults+=(galera-kill-0 redis-kill-master) ;;
      --repeat) repeat="${2:?}" && shift ;;
      --list) all_faults && return 0 ;;
      -h | --help) usage ;;
      -*) usage ;;
      *)
        known_fault "$1" || nxt_die "unknown fault '$1' (--list)"
        faults+=("$1")
        ;;
    esac
    shift
  done
  ((${#faults[@]})) || mapfile -t faults < <(all_faults)
  nxt_require_root
  for bin in "$NXTD_BIN" "$NXTCTL_BIN" "$CLIENT_BIN"; do
    [[ -x "$bin" ]] || nxt_die "missing $bin (scripts/build.sh nxtd nxtctl chaos_client)"
  done
  nxt_docker_ping || nxt_die "no Docker engine on $SOCK (scripts/start-docker.sh)"

  WORK="$(mktemp -d /tmp/nxt-chaos.XXXXXX)"
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  bring_up
  report "$(header_line)"
  local f i
  for f in "${faults[@]}"; do
    for ((i = 0; i < repeat; i++)); do
      run_fault "$f"
    done
  done
  print_summary
  ((FAILED == 0))
}

main "$@"
