// The Galera side of the fault suite: writers that insert rows with autocommit through
// each node's bridge address and record every acknowledged INSERT, the data-plane
// health check (every node Primary, Synced, in a cluster of all of them) and the
// read-back of every acknowledged row from every node. libmariadb, one connection per
// thread; connect / read / write timeouts of a few seconds bound every call.
#ifndef NXT_BENCH_CHAOS_GALERA_CHAOS_H_
#define NXT_BENCH_CHAOS_GALERA_CHAOS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "bench/chaos/chaos_support.h"
#include "docker/docker_client.h"

namespace nxt::bench::chaos {

// The rows go to this table of `database`, created by CreateTable.
inline constexpr char kGaleraTable[] = "chaos_acks";

struct GaleraTarget {
  std::vector<std::string> nodes;  // container names, in ordinal order
  std::string user;
  std::string password;
  std::string database;
  std::string docker_socket;
};

// CREATE TABLE IF NOT EXISTS through the first node that answers.
absl::Status CreateTable(const GaleraTarget& target);

// One writer thread per node, `rate` INSERTs per second in all (spread evenly), until
// g_stop. A thread whose node is down reconnects every 200 ms (the address looked up
// again: a recreated container may have a new one). Each INSERT that returns OK is
// appended to `acks` before the next is sent. Returns the number acknowledged.
int64_t RunGaleraWriters(const GaleraTarget& target, double rate, AckLog& acks);

// "" when every node answers, is Primary and Synced and sees wsrep_cluster_size equal
// to the number of nodes; else the first reason it is not. `states` gets one
// "<node>=<state>" per node.
std::string GaleraUnhealthy(const GaleraTarget& target, std::vector<std::string>& states);

// For each node, how many of `ids` its table lacks (read with wsrep_sync_wait=1, so the
// node has applied everything committed before the read). Unavailable if a node
// cannot be read.
absl::StatusOr<std::vector<int64_t>> GaleraMissing(const GaleraTarget& target,
                                                   const std::vector<std::string>& ids);

}  // namespace nxt::bench::chaos

#endif  // NXT_BENCH_CHAOS_GALERA_CHAOS_H_
