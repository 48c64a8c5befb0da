# What chaos.sh measures around each fault (sourced by it; uses its globals and
# helpers: WORK, NS, DB, CACHE, SOCK, CLIENT_BIN, HEAL_TIMEOUT, SETTLE, NXTD_DOWN,
# FAILED, dk, nxtctl, now_ms, start_nxtd, stop_nxtd, start_writers, inject).
# shellcheck shell=bash

GALERA_PASSWORD_FILE=""
REDIS_PASSWORD_FILE=""
GALERA_MISSING=0 # acknowledged rows missing at the last read-back (all faults so far)
REDIS_MISSING=0
LOST_TOTAL=0
UNHEALED=0
FAULTS_RUN=0
declare -A BROKEN=() # kind → why the remaining faults of that kind are skipped

secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 1000 }'; }

# ---- Clients (chaos_client; writers run until stopped and only as background jobs,
# the rest 120 s at most).

galera_client() {
  local sub="$1"
  shift
  local -a args=(--nodes "$DB-0,$DB-1,$DB-2" --user nextcloud --database nextcloud
    --password-file "$GALERA_PASSWORD_FILE" --docker-socket "$SOCK" "$@")
  # The writer runs in the background (`galera_client galera-write ... &`): exec, so
  # the job's pid is the writer's and SIGTERM reaches it.
  [[ "$sub" != galera-write ]] || exec "$CLIENT_BIN" "$sub" "${args[@]}"
  timeout 120 "$CLIENT_BIN" "$sub" "${args[@]}"
}

redis_client() {
  local sub="$1" i nodes=""
  shift
  for i in 0 1 2 3 4 5; do nodes+="${nodes:+,}$CACHE-$i"; done
  local -a args=(--nodes "$nodes" --password-file "$REDIS_PASSWORD_FILE" --docker-socket "$SOCK"
    "$@")
  [[ "$sub" != redis-write ]] || exec "$CLIENT_BIN" "$sub" "${args[@]}"
  timeout 120 "$CLIENT_BIN" "$sub" "${args[@]}"
}

# ---- Health: nxtd's view (nxtctl get -o json) and the data plane's, both required.

# Ready=True for the current generation and status.ready "<want>/<want>".
object_ready() { # kind name want
  nxtctl get "$1" "$2" -n "$NS" -o json 2>/dev/null | jq -e --arg want "$3/$3" '
    (any(.status.conditions[]?; .type == "Ready" and .status == "True"))
    and ((.status.observedGeneration // 0) >= (.metadata.generation // 0))
    and (.status.ready == $want)' >/dev/null 2>&1
}

galera_healthy() {
  object_ready galeraclusters "$DB" 3 || {
    echo "nxtd: $(nxtctl get galeraclusters "$DB" -n "$NS" 2>&1 | tail -n1)" >"$WORK/galera.why"
    return 1
  }
  [[ -n "$GALERA_PASSWORD_FILE" ]] || GALERA_PASSWORD_FILE="$(secret_file "$DB" user)"
  galera_client galera-check >"$WORK/galera.why" 2>&1
}

redis_healthy() {
  object_ready redisclusters "$CACHE" 6 || {
    echo "nxtd: $(nxtctl get redisclusters "$CACHE" -n "$NS" 2>&1 | tail -n1)" >"$WORK/redis.why"
    return 1
  }
  [[ -n "$REDIS_PASSWORD_FILE" ]] || REDIS_PASSWORD_FILE="$(secret_file "$CACHE" password)"
  redis_client redis-check >"$WORK/redis.why" 2>&1
}

kind_healthy() { # galera | redis | both
  case "$1" in
    galera) galera_healthy ;;
    redis) redis_healthy ;;
    *) galera_healthy && redis_healthy ;;
  esac
}

# Runs "$@" every 0.5 s until it succeeds (0) or the clock passes `deadline_ms` (1).
wait_until_ms() {
  local deadline="$1"
  shift
  until "$@"; do
    (($(now_ms) < deadline)) || return 1
    sleep 0.5
  done
}
wait_until() { # timeout_s command...
  local deadline=$(($(now_ms) + $1 * 1000))
  shift
  wait_until_ms "$deadline" "$@"
}

# ---- What the ack logs say about one fault.

# "<acked in [t0, healed]> <writable s> <longest gap s>" from ack log `file`, counting
# writes whose slot is in [lo, hi] (Galera rows have slot -1). writable: from t0 to the
# ack of the first write sent after t0, whenever it came ("never" if none yet); gap: the
# longest time in [t0, healed] without an ack.
ack_stats() { # file t0_ms healed_ms lo hi
  awk -v t0="$2" -v th="$3" -v lo="$4" -v hi="$5" '
    NF == 4 && $4 >= lo && $4 <= hi {
      if ($3 >= t0 && $3 <= th) { n++; if ($3 - prev > gap) gap = $3 - prev; prev = $3 }
      if ($2 >= t0 && (first == "" || $3 < first)) first = $3
    }
    BEGIN { prev = t0 }
    END {
      if (th - prev > gap) gap = th - prev
      printf "%d %s %.1f\n", n, first == "" ? "never" : sprintf("%.1f", (first - t0) / 1000),
        gap / 1000
    }' "$1" 2>/dev/null || echo "0 never 0"
}

# How each Galera node in `ordinals` got its state since t0, from its log:
# "<ordinal>:SST" (a full copy), ":IST" (only the missing write-sets) or ":none" (no
# state transfer: it started from its own data), with "xN" when mariadbd started N > 1
# times (a node restarted during its join).
galera_transfers() { # t0_ms ordinals...
  local t0="$1" o log how starts out=""
  shift
  for o in "$@"; do
    log="$(dk logs --since "$((t0 / 1000)).$(printf '%03d' $((t0 % 1000)))" "$DB-$o" 2>&1 || true)"
    starts="$(grep -c 'starting as process' <<<"$log" || true)"
    # The SST script's joiner lines (wsrep_sst_mariabackup): a full copy prepares a
    # backup; a bypassed SST says "Running IST"; Galera logs "IST received" for either.
    if grep -qE 'Proceeding with SST|Preparing the backup at|SST completed on joiner' <<<"$log"; then
      how=SST
    elif grep -qE 'Running IST|IST completed on joiner|IST received' <<<"$log"; then
      how=IST
    else
      how=none
    fi
    out+="${out:+ }$o:$how"
    ((starts <= 1)) || out+="x$starts"
  done
  printf '%s\n' "${out:--}"
}

# Reads back every acknowledged write; prints "<acked> <missing>" ("? ?" when it cannot).
verify_kind() { # galera | redis
  local out
  if [[ "$1" == galera ]]; then
    out="$(galera_client galera-verify --acks "$WORK/galera.acks" 2>&1)" || out=""
  else
    out="$(redis_client redis-verify --acks "$WORK/redis.acks" 2>&1)" || out=""
  fi
  [[ "$out" =~ ^acked\ ([0-9]+)\ missing\ ([0-9]+) ]] || {
    printf '? ?\n'
    return
  }
  printf '%s %s\n' "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
}

# ---- The report.

report() { printf '%s\n' "$*" | tee -a "$WORK/results.txt"; }

header_line() {
  printf '%-24s %-6s %7s %5s %9s %8s %8s  %s' fault kind acked lost writable max-gap healed \
    "state transfer / notes"
}

report_line() { # fault kind acked lost writable gap healed notes
  report "$(printf '%-24s %-6s %7s %5s %9s %8s %8s  %s' "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$8")"
}

# Verifies, computes and reports one kind's line for fault `name` that started at t0.
report_kind() { # name kind t0 healed_ms(or "") notes
  local name="$1" kind="$2" t0="$3" healed="$4" notes="$5"
  local end="${healed:-$(now_ms)}" missing lost n writable gap file lo=-1 hi=-1
  read -r _ missing < <(verify_kind "$kind")
  if [[ "$kind" == galera ]]; then
    file="$WORK/galera.acks"
    lost="$missing"
    [[ "$missing" == "?" ]] || { lost=$((missing - GALERA_MISSING)) && GALERA_MISSING="$missing"; }
  else
    file="$WORK/redis.acks"
    read -r lo hi <<<"$FAULT_SLOTS"
    lost="$missing"
    [[ "$missing" == "?" ]] || { lost=$((missing - REDIS_MISSING)) && REDIS_MISSING="$missing"; }
  fi
  if [[ "$lost" == "?" ]]; then
    FAILED=1
    notes+="; read-back FAILED"
  elif ((lost > 0)); then
    FAILED=1
    LOST_TOTAL=$((LOST_TOTAL + lost))
  fi
  # The first write after the fault may be acknowledged a moment after the heal was
  # seen: wait for it (30 s at most).
  local deadline=$(($(now_ms) + 30000))
  while read -r n writable gap < <(ack_stats "$file" "$t0" "$end" "$lo" "$hi") &&
    [[ "$writable" == never ]] && (($(now_ms) < deadline)); do
    sleep 0.2
  done
  local -a ordinals
  read -r -a ordinals <<<"$FAULT_GALERA"
  [[ "$kind" != galera ]] || notes="$(galera_transfers "$t0" "${ordinals[@]}")${notes:+; }$notes"
  [[ "$writable" == never ]] || writable+=" s"
  local took=NO
  [[ -z "$healed" ]] || took="$(secs "$t0" "$healed") s"
  report_line "$name" "$kind" "$n" "$lost" "$writable" "$gap s" "$took" "$notes"
}

# nxtd killed (SIGKILL) now and started again NXTD_DOWN seconds later.
crash_nxtd() {
  stop_nxtd KILL 2>/dev/null # without bash's "Killed" notice
  sleep "$NXTD_DOWN"
  start_nxtd
}

# After a fault that did not heal: restart nxtd once and wait again; a kind that still
# does not heal is marked broken (its remaining faults are skipped).
recover_kind() { # kind
  local why
  why="$(head -c 300 "$WORK/$1.why" 2>/dev/null || true)"
  nxt_warn "$1 did not heal within $HEAL_TIMEOUT s ($why); restarting nxtd"
  stop_nxtd TERM
  start_nxtd
  if wait_until "$HEAL_TIMEOUT" kind_healthy "$1"; then
    RECOVERY_NOTE="not healed in $HEAL_TIMEOUT s ($why); healed after an nxtd restart"
  else
    RECOVERY_NOTE="not healed in $HEAL_TIMEOUT s ($why); nor after an nxtd restart"
    BROKEN[$1]="$RECOVERY_NOTE"
    [[ "$1" != both ]] || BROKEN[galera]="$RECOVERY_NOTE" BROKEN[redis]="$RECOVERY_NOTE"
  fi
}

run_fault() {
  local name="$1" base="${1%+nxtd}" kind t0 healed="" k
  kind="$(fault_kind "$base")"
  local -a kinds=("$kind")
  [[ "$kind" != both ]] || kinds=(galera redis)
  for k in "${kinds[@]}"; do
    if [[ -n "${BROKEN[$k]:-}" ]]; then
      report_line "$name" "$k" - - - - - "skipped: $k broken earlier"
      return
    fi
  done
  if ! wait_until "$HEAL_TIMEOUT" kind_healthy both; then
    FAILED=1
    report_line "$name" "$kind" - - - - - "skipped: not healthy before the fault"
    return
  fi
  start_writers # again, if one died
  sleep "$SETTLE"
  FAULTS_RUN=$((FAULTS_RUN + 1))
  FAULT_T0=""
  if ! inject "$base"; then
    FAILED=1
    report_line "$name" "$kind" - - - - - "could not inject the fault"
    return
  fi
  # Measured from the moment the damage is done (docker kill / rm returned), or from
  # the start of a fault that takes time to do (the engine restart sets FAULT_T0).
  t0="${FAULT_T0:-$(now_ms)}"
  [[ "$name" != *+nxtd ]] || crash_nxtd
  RECOVERY_NOTE=""
  if wait_until_ms $((t0 + HEAL_TIMEOUT * 1000)) kind_healthy "$kind"; then
    healed="$(now_ms)"
  else
    FAILED=1
    UNHEALED=$((UNHEALED + 1))
    recover_kind "$kind"
  fi
  local notes="$FAULT_WHAT"
  [[ "$name" != *+nxtd ]] || notes="$FAULT_WHAT; nxtd SIGKILLed, back after ${NXTD_DOWN} s"
  [[ -z "$RECOVERY_NOTE" ]] || notes+="; $RECOVERY_NOTE"
  for k in "${kinds[@]}"; do
    report_kind "$name" "$k" "$t0" "$healed" "$notes"
  done
}

print_summary() {
  local g r
  g="$(wc -l <"$WORK/galera.acks" 2>/dev/null || echo 0)"
  r="$(wc -l <"$WORK/redis.acks" 2>/dev/null || echo 0)"
  report ""
  report "summary: $FAULTS_RUN faults; acknowledged writes: Galera $g rows, Redis $r keys" \
    "(WAIT 1 ${WAIT_MS}); lost: $LOST_TOTAL; missing at the last read-back: Galera" \
    "$GALERA_MISSING, Redis $REDIS_MISSING; not healed within ${HEAL_TIMEOUT} s: $UNHEALED;" \
    "$( ((FAILED == 0)) && echo PASS || echo FAIL)"
}
