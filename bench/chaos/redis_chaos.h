// The Redis side of the fault suite: a cluster-aware client (the slot map from CLUSTER
// SLOTS, refreshed on MOVED and on any failure; nodes reached on their bridge address,
// looked up by hostname = container name through Docker), writers that count a key as
// acknowledged only when `WAIT 1 <ms>` after its SET returns >= 1, the data-plane health
// check, and the read-back of every acknowledged key. hiredis, one connection per node
// per thread; every call has a timeout.
#ifndef NXT_BENCH_CHAOS_REDIS_CHAOS_H_
#define NXT_BENCH_CHAOS_REDIS_CHAOS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/chaos/chaos_support.h"

namespace nxt::bench::chaos {

struct RedisTarget {
  std::vector<std::string> nodes;  // container names (= announced hostnames)
  std::string password;
  std::string docker_socket;
};

// `writers` threads, `rate` SETs per second in all, each SET followed by WAIT 1
// `wait_ms`; a key whose WAIT says >= 1 replica is appended to `acks` with its slot.
// Runs until g_stop; returns the number acknowledged.
int64_t RunRedisWriters(const RedisTarget& target, int writers, double rate, int wait_ms,
                        AckLog& acks);

// "" when every node answers with cluster_state:ok, 16384 slots ok and knows every
// node, every replica's replication link is up, and (in the first node's view)
// `masters` masters serve slots, each with a connected replica, and no node is flagged
// fail, fail?, handshake or noaddr.
// Otherwise the first reason it is not.
std::string RedisUnhealthy(const RedisTarget& target, int masters);

// The shard serving `slot`: "<master> <replica or -> <first slot> <last slot>" (hostnames),
// read from the first node that answers CLUSTER SLOTS.
absl::StatusOr<std::string> RedisShardOf(const RedisTarget& target, int slot);

// How many of `keys` are missing or hold another value than the writer's, each read from
// the master serving its slot. Unavailable when some master cannot be read.
absl::StatusOr<int64_t> RedisMissing(const RedisTarget& target,
                                     const std::vector<std::string>& keys);

}  // namespace nxt::bench::chaos

#endif  // NXT_BENCH_CHAOS_REDIS_CHAOS_H_
