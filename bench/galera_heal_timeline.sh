#!/usr/bin/env bash
# Where a Galera node's way back after a kill goes: one line per step, with the seconds
# since the container's last `die` (Docker's own event times and log timestamps, so nxtd
# and the node are measured on one clock).
#
#   bench/galera_heal_timeline.sh NODE [DONOR...]
#
# NODE is the container that was killed and has rejoined (e.g. db-0); the DONORs (its
# peers) are searched for the donor side of the SST script. Read-only: `docker events`
# (since 15 min ago, until now), `docker logs -t` and `docker inspect`.
#
# Steps: die; start (nxtd's `docker start`, or the engine's restart); the start script's
# recovered position (the end of `mariadbd --wsrep-recover`); mariadbd starting; gcache
# scanned; listening; gcomm connected; Primary view; joiner SST script started; joiner
# script ready (IST receiver prepared, state transfer requested); donor script started /
# its bypass for IST / SST sent; joiner script done ("IST completed on joiner"); InnoDB
# up ("SST received"); IST applied; Synced.
set -euo pipefail

node="${1:?usage: galera_heal_timeline.sh NODE [DONOR...]}"
shift
since="$(date -u -d '15 minutes ago' +%s)"
die_ns="$(timeout 20 docker events --since "$since" --until "$(date -u +%s)" \
  --filter "container=$node" --filter event=die --format '{{.TimeNano}}' | tail -n 1)"
if [[ -z "$die_ns" ]]; then
  echo "no die event of $node in the last 15 minutes" >&2
  exit 1
fi
die_s="$((die_ns / 1000000000))"
start_ns="$(timeout 20 docker events --since "$die_s" --until "$(date -u +%s)" \
  --filter "container=$node" --filter event=start --format '{{.TimeNano}}' | head -n 1)"

# "<RFC3339Nano> <text>" lines → "<seconds since die> <label>" for the first line
# matching each pattern.
steps() {
  local log="$1"
  shift
  while (($# >= 2)); do
    local pattern="$1" label="$2"
    shift 2
    local line
    line="$(grep -m 1 -E -- "$pattern" <<<"$log" || true)"
    [[ -z "$line" ]] && continue
    local t
    t="$(date -u -d "${line%% *}" +%s.%N)"
    awk -v t="$t" -v d="$die_ns" -v l="$label" 'BEGIN { printf "%7.2f  %s\n", t - d / 1e9, l }'
  done
}

{
  echo "   0.00  die"
  if [[ -n "$start_ns" ]]; then
    awk -v t="$start_ns" -v d="$die_ns" 'BEGIN { printf "%7.2f  start\n", (t - d) / 1e9 }'
  fi
  log="$(docker logs -t --since "$die_s" "$node" 2>&1)"
  steps "$log" \
    'nxt: (recovered|no position)' 'start script: --wsrep-recover done' \
    'Starting MariaDB' 'mariadbd starting' \
    'RingBuffer initial scan\.\.\. 100' 'gcache scanned' \
    'listening at tcp' 'gcomm listening' \
    'gcomm: connected' 'gcomm connected' \
    'New COMPONENT: primary = yes' 'Primary view' \
    'SST started on joiner' 'joiner SST script started' \
    'Prepared IST receiver' 'joiner SST script ready, state transfer requested' \
    'completed on joiner' 'joiner SST script done' \
    'SST received:' 'InnoDB up (SST received)' \
    'IST received:' 'IST applied' \
    'Synchronized with group' 'Synced'
  for donor in "$@"; do
    dlog="$(docker logs -t --since "$die_s" "$donor" 2>&1)"
    steps "$dlog" \
      "Running: 'wsrep_sst_[a-z]+ --role 'donor'" "donor $donor: SST script started" \
      'Bypassing the SST for IST' "donor $donor: SST script bypasses for IST" \
      'SST sent:' "donor $donor: SST sent"
  done
} | sort -n
