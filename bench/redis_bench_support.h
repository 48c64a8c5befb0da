// What bench_redis does around real Redis nodes, on both sides of each comparison (nxtd
// and the same work done by hand): the hash slot of a key, loading keys straight into the
// masters that own them, the one health check both sides are observed with, and a
// client-side write probe.
//
// Nodes are named by container; every redis-cli call goes through `docker exec` with the
// password on stdin (as the controller does) and a timeout. Free functions,
// thread-compatible; the DockerClient must be thread-safe (LoadKeys runs one exec per
// master at once).
#ifndef NXT_BENCH_REDIS_BENCH_SUPPORT_H_
#define NXT_BENCH_REDIS_BENCH_SUPPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "controllers/rediscluster/admin.h"
#include "docker/docker_client.h"
#include "resources/object.h"

namespace nxt::bench {

// The Redis Cluster hash slot of `key` (e2e::RedisKeySlot: CRC16 of the key or of its
// non-empty {hash tag}, modulo 16384).
int KeySlot(const std::string& key);

// The cluster's password as nxtd stores it under `state_dir`, once nxtd has made it
// (polled every 20 ms); DeadlineExceeded after `limit`.
absl::StatusOr<std::string> WaitForPassword(const std::string& state_dir,
                                            const resources::ObjectKey& key, absl::Duration limit);

// "key:<i>", the keys LoadKeys writes.
std::string BenchKey(int i);

// The container of `containers` whose node ID is `id`, "" when none.
std::string ContainerOf(rediscluster::RedisAdmin& admin, const std::vector<std::string>& containers,
                        const std::string& id);

// Writes key:0 .. key:<count-1> (value "v<i>"), each through the master serving its slot
// in `containers[0]`'s view, one redis-cli run per master, all masters at once. Checks
// first that Redis's CLUSTER KEYSLOT agrees with KeySlot. Returns the keys the masters
// hold afterwards (sum of DBSIZE).
absl::StatusOr<int64_t> LoadKeys(docker::DockerClient& docker, rediscluster::RedisAdmin& admin,
                                 const std::vector<std::string>& containers,
                                 const std::string& password, int count);

// Sum of DBSIZE over the masters among `containers`.
absl::StatusOr<int64_t> CountKeys(rediscluster::RedisAdmin& admin,
                                  const std::vector<std::string>& containers);

// "" when the cluster of exactly `containers` is healthy: each answers with
// cluster_state:ok, 16384 slots ok, cluster_known_nodes = containers.size() and no open
// slot; in containers[0]'s table `masters` masters serve slots, each within 5 % of an
// even share and with exactly one replica. Otherwise the first reason it is not.
std::string Unhealthy(rediscluster::RedisAdmin& admin, const std::vector<std::string>& containers,
                      int masters);

// Polls Unhealthy every 100 ms until it is "" → seconds since `start`;
// DeadlineExceeded with the last reason after `timeout`.
absl::StatusOr<double> WaitHealthy(rediscluster::RedisAdmin& admin,
                                   const std::vector<std::string>& containers, int masters,
                                   absl::Time start, absl::Duration timeout);

// Every node answers and lists every other node's ID, none in handshake.
bool Agreed(rediscluster::RedisAdmin& admin, const std::vector<std::string>& containers);

// One `SET key probe` through `via` with redis-cli -c (following MOVED), 2 s timeout:
// true when Redis answered OK.
bool WriteSucceeds(docker::DockerClient& docker, const std::string& via,
                   const std::string& password, const std::string& key);

}  // namespace nxt::bench

#endif  // NXT_BENCH_REDIS_BENCH_SUPPORT_H_
