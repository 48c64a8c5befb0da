// Parsers for what a Redis node says about its cluster: CLUSTER INFO, CLUSTER NODES, and
// the combined output of one `redis-cli` run that asked both (what the controller's
// observe step execs in every node). Pure functions; thread-safe. Formats as Redis 7.0
// to 7.4 print them (https://redis.io/commands/cluster-nodes/):
//   <id> <ip:port@cport[,hostname[,aux=value...]]> <flags> <master|-> <ping-sent>
//   <pong-recv> <config-epoch> <connected|disconnected> [<slot>|<from-to>|[<slot>->-<id>]...]
#ifndef NXT_CONTROLLERS_REDISCLUSTER_CLUSTER_STATE_H_
#define NXT_CONTROLLERS_REDISCLUSTER_CLUSTER_STATE_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace nxt::rediscluster {

inline constexpr int kClusterSlots = 16384;

struct ClusterNode {
  std::string id;  // 40 hex digits
  std::string ip;  // "" when the node does not know its own address yet
  int port = 0;
  int bus_port = 0;
  std::string hostname;            // announced hostname (Redis 7), "" when none
  std::vector<std::string> flags;  // myself, master, slave, fail?, fail, handshake, noaddr, ...
  std::string master_id;           // "" for masters ("-")
  int64_t config_epoch = 0;
  bool connected = false;                        // link-state
  std::vector<std::pair<int, int>> slot_ranges;  // inclusive; single slots as {s, s}
  int open_slots = 0;  // [slot->-id] (migrating) and [slot-<-id] (importing) entries

  bool HasFlag(const std::string& flag) const;
  bool IsMyself() const { return HasFlag("myself"); }
  bool IsMaster() const { return HasFlag("master"); }
  bool IsReplica() const { return HasFlag("slave"); }
  // fail, fail? (pfail), handshake or noaddr: not a healthy member right now.
  bool IsFailing() const;
  bool InHandshake() const { return HasFlag("handshake"); }
  int SlotCount() const;
  friend bool operator==(const ClusterNode&, const ClusterNode&) = default;
};

struct ClusterInfo {
  std::string state;  // "ok" or "fail"
  int slots_assigned = 0;
  int slots_ok = 0;
  int slots_pfail = 0;
  int slots_fail = 0;
  int known_nodes = 0;
  int size = 0;  // masters serving at least one slot
  int64_t current_epoch = 0;
  friend bool operator==(const ClusterInfo&, const ClusterInfo&) = default;
};

// What a node's `INFO replication` says about the data it holds (the fields the
// controller reads; https://redis.io/commands/info/).
struct ReplicationInfo {
  bool known = false;             // the answer had a "# Replication" section
  std::string role;               // role: "master" or "slave"
  bool link_up = false;           // master_link_status:up (replicas)
  bool sync_in_progress = false;  // master_sync_in_progress:1: a full sync is running
  // master_link_down_since_seconds (replicas whose link is down): -1 when the link was
  // never up since the server started, i.e. the replica never finished a sync and holds
  // nothing of its master's data.
  int64_t link_down_seconds = -1;
  int64_t offset = -1;  // slave_repl_offset (replicas), master_repl_offset (masters)
  friend bool operator==(const ReplicationInfo&, const ReplicationInfo&) = default;
};

// One node's view: its CLUSTER INFO and CLUSTER NODES, and, when asked, its INFO
// replication and keyspace.
struct NodeView {
  ClusterInfo info;
  std::vector<ClusterNode> nodes;
  ReplicationInfo replication;
  int64_t keys = -1;  // keys in all its databases (INFO keyspace); -1: not asked

  const ClusterNode* Myself() const;  // nullptr if no line has the myself flag
  const ClusterNode* Find(const std::string& id) const;
  // Alone and empty: knows only itself and serves no slot (a node no cluster has met).
  bool IsFresh() const;
  // Open slots anywhere in this view.
  int OpenSlots() const;
};

// InvalidArgument naming the line on malformed input.
absl::StatusOr<ClusterInfo> ParseClusterInfo(const std::string& text);
absl::StatusOr<std::vector<ClusterNode>> ParseClusterNodes(const std::string& text);

// The stdout of `redis-cli` fed "CLUSTER INFO", "CLUSTER NODES" and optionally "INFO
// replication keyspace" on stdin: key:value lines, node lines, then INFO's sections
// ("# Replication", "# Keyspace"; their unknown keys are ignored). Unavailable when Redis
// refused (NOAUTH, LOADING, a "cluster support disabled" error, an empty answer),
// InvalidArgument on malformed lines.
absl::StatusOr<NodeView> ParseNodeView(const std::string& text);

}  // namespace nxt::rediscluster

#endif  // NXT_CONTROLLERS_REDISCLUSTER_CLUSTER_STATE_H_
