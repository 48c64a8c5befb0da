#!/usr/bin/env bash
# Builds nxtd and the benchmarks, makes sure Docker and the images they use are there,
# runs the benchmarks in turn, and ends with a summary block to paste into the README.
# Run as root from anywhere; all eight take about 15 minutes here.
#
#   bench/run.sh [converge|drift|idle|idle_stack|galera|redis|redis_failover|redis_probe|talk|rustfs|scale|netpool ...]
#                                       default: all but idle_stack, redis_failover and redis_probe
#
# Environment: NXT_BUILD_DIR [./build] (as scripts/build.sh), NXT_DOCKER_SOCKET.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"

benches=("$@")
if [[ ${#benches[@]} -eq 0 ]]; then
  benches=(converge drift idle galera redis talk rustfs scale netpool)
fi

nxt_require_root
"$NXT_ROOT/scripts/start-docker.sh"
images=()
for b in "${benches[@]}"; do
  case "$b" in
    converge | drift | idle | netpool) images+=(testapp) ;;
    galera) images+=(mariadb-galera) ;;
    redis | redis_failover | redis_probe) images+=(redis) ;;
    talk) images+=(nats signaling-standin) ;;
    rustfs) images+=(rustfs-standin) ;;
    scale) ;; # the in-process fake engine
    idle_stack) images+=(mariadb-galera redis testapp nats signaling-standin coturn) ;;
    *) nxt_die "unknown benchmark '$b' (converge, drift, idle, idle_stack, galera, redis, redis_failover, redis_probe, talk, rustfs, scale, netpool)" ;;
  esac
done
if [[ ${#images[@]} -gt 0 ]]; then
  "$NXT_ROOT/images/build.sh" "${images[@]}"
fi
# bench_converge's Compose reference: Debian's docker-compose, installed only for it.
if [[ " ${benches[*]} " == *" converge "* ]] && ! command -v docker-compose >/dev/null; then
  nxt_log "installing docker-compose (the converge bench's reference)"
  apt-get install -y -q -o DPkg::Lock::Timeout=300 docker-compose >/dev/null
fi
targets=(nxtd nxtctl)
for b in "${benches[@]}"; do targets+=("bench_$b"); done
"$NXT_ROOT/scripts/build.sh" "${targets[@]}"
build_dir="$(nxt_build_dir)"

out="$(mktemp /tmp/nxt-bench-XXXXXX)"
trap 'rm -f "$out"' EXIT
for b in "${benches[@]}"; do
  nxt_log "running bench_$b"
  "$build_dir/bench/bench_$b" | tee -a "$out"
done

host="$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo), Docker $(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?')"
echo
echo "==== summary (bench/run.sh, $(date -u +%Y-%m-%d), $host) ===="
grep -E '^(converge|drift repair|  peak RSS|  CPU|  list calls per resync|galera |redis |  loading|talk apply|rustfs|scale )' "$out" || true
