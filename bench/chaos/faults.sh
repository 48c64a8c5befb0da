# The faults chaos.sh injects (sourced by it; uses its globals: DB, CACHE, SOCK, NXT_ROOT,
# ENGINE_RESTART, and dk / redis_client / nxt_log).
#
# Each inject_<fault> does the damage and returns at once, setting:
#   FAULT_WHAT       what was hit, for the report
#   FAULT_GALERA     Galera ordinals hit (their logs are read for SST / IST)
#   FAULT_SLOTS      "first last": the Redis slots whose writability is measured
#   FAULT_T0         (engine-restart only) when the fault began, in ms; the others are
#                    measured from their return
# shellcheck shell=bash disable=SC2034

BASE_FAULTS=(
  galera-kill-0 galera-kill-1 galera-kill-2 galera-kill-two galera-kill-all galera-rm-1
  redis-kill-master redis-kill-shard redis-rm-master
)

# Every fault name, in the order a full run takes them: the base faults, then each again
# with nxtd SIGKILLed right after it ("+nxtd"). engine-restart only when
# CHAOS_ENGINE_RESTART=1 (it restarts the engine everyone on this host uses).
all_faults() {
  local f
  local -a base=("${BASE_FAULTS[@]}")
  [[ "$ENGINE_RESTART" != 1 ]] || base+=(engine-restart)
  for f in "${base[@]}"; do printf '%s\n' "$f"; done
  for f in "${base[@]}"; do printf '%s\n' "$f+nxtd"; done
}

known_fault() {
  local f plain="${1%+nxtd}"
  [[ "$plain" == engine-restart ]] && return 0
  for f in "${BASE_FAULTS[@]}"; do
    [[ "$f" == "$plain" ]] && return 0
  done
  return 1
}

# galera, redis or both: which cluster a fault hits (and must heal).
fault_kind() {
  case "$1" in
    galera-*) echo galera ;;
    redis-*) echo redis ;;
    *) echo both ;;
  esac
}

galera_kill() { # ordinals...
  local o
  local -a names=()
  for o in "$@"; do names+=("$DB-$o"); done
  dk kill "${names[@]}" >/dev/null
  FAULT_WHAT="docker kill ${names[*]}"
  FAULT_GALERA="$*"
}

# The shard serving slot 0 now: sets SHARD_MASTER, SHARD_REPLICA, FAULT_SLOTS.
redis_shard_of_slot0() {
  local line first last
  line="$(redis_client redis-shard --slot 0)" || return 1
  read -r SHARD_MASTER SHARD_REPLICA first last <<<"$line"
  FAULT_SLOTS="$first $last"
}

inject() {
  FAULT_WHAT="" FAULT_GALERA="" FAULT_SLOTS="0 16383"
  case "$1" in
    galera-kill-[0-9]) galera_kill "${1#galera-kill-}" ;;
    galera-kill-two) galera_kill 0 1 ;;
    galera-kill-all) galera_kill 0 1 2 ;;
    galera-rm-1)
      dk rm -f "$DB-1" >/dev/null
      FAULT_WHAT="docker rm -f $DB-1 (volume kept)" FAULT_GALERA=1
      ;;
    redis-kill-master)
      redis_shard_of_slot0 || return 1
      dk kill "$SHARD_MASTER" >/dev/null
      FAULT_WHAT="docker kill $SHARD_MASTER (master of ${FAULT_SLOTS/ /-})"
      ;;
    redis-kill-shard)
      redis_shard_of_slot0 || return 1
      dk kill "$SHARD_MASTER" "$SHARD_REPLICA" >/dev/null
      FAULT_WHAT="docker kill $SHARD_MASTER $SHARD_REPLICA (master + replica of ${FAULT_SLOTS/ /-})"
      ;;
    redis-rm-master)
      redis_shard_of_slot0 || return 1
      dk rm -f "$SHARD_MASTER" >/dev/null
      FAULT_WHAT="docker rm -f $SHARD_MASTER (master of ${FAULT_SLOTS/ /-}; volume kept)"
      ;;
    engine-restart)
      FAULT_T0="$(date +%s%3N)"
      restart_engine
      FAULT_WHAT="Docker engine stopped and started" FAULT_GALERA="0 1 2"
      ;;
    *) return 1 ;;
  esac
}

# Stops the Docker engine and starts it again (systemd's docker.service, or the dockerd
# scripts/start-docker.sh started). Bounded: 60 s to stop, start-docker.sh's own wait.
restart_engine() {
  if [[ -d /run/systemd/system ]] && systemctl is-active -q docker.service 2>/dev/null; then
    timeout 120 systemctl restart docker.service
    return
  fi
  local pid
  pid="$(cat "${NXT_DOCKERD_PIDFILE:-/var/run/docker.pid}" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ && "$(cat "/proc/$pid/comm" 2>/dev/null)" == dockerd ]] ||
    nxt_die "engine-restart: no dockerd pid file; start the engine with scripts/start-docker.sh"
  kill -TERM "$pid"
  timeout 60 tail --pid="$pid" -f /dev/null || kill -KILL "$pid" 2>/dev/null || true
  bash "$NXT_ROOT/scripts/start-docker.sh" >/dev/null
}
