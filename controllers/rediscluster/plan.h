// The RedisCluster plan: a pure function from desired state, the node containers and
// what every reachable node says about the cluster, to the next step. No I/O;
// table-tested (tests/controllers/rediscluster/rediscluster_plan_test.cc).
//
// One round does container work (all at once) or exactly one cluster step, in this order:
//   deleting: remove containers, the network, and (deletionPolicy: Delete) the volumes.
//   suspend: nothing.
//   a down master stays down (plan_failover.cc): a node 0..nodes-1 whose container is
//     not running or missing, that the anchor's table lists (by its hostname, the
//     container name) as a master serving slots, with a replica that answers, is
//     healthy and holds the master's data (HoldsMastersData: its initial sync finished
//     and its link broke when the master died), while a majority of the masters serving
//     slots answer and the node has been down less than kHoldLimit: promote that replica
//     (CLUSTER FAILOVER FORCE on the one with the highest replication offset) instead of
//     bringing the master back. Once a replica serves its slots the node is started and
//     rejoins as a replica. (A master restarted first would come back with its AOF, up to
//     a second behind its replica, and the replica would resync from it, losing writes
//     WAIT had acknowledged.) With no replica holding its data the master is started at
//     once: it is the only copy.
//   containers: create missing nodes 0..nodes-1 (with network and volume), start stopped
//     ones, replace dead ones and ones created but never started (an unfinished create
//     may lack redis.conf), remove foreign ones (bad ordinal, duplicates); the down
//     masters held above excepted.
//   wait until every node 0..nodes-1 answers CLUSTER INFO / CLUSTER NODES.
//   create: every node fresh (alone, no slots) → --cluster create with the replicas;
//     nodes that met others but no slot was ever assigned are reset first.
//   repair (allowed while the cluster is not ok): forget ghost IDs (in the anchor's
//     table, owned by no container, failing, not in handshake); meet again a node that is
//     failing or in handshake but answers; reset a stray node (its ID unknown to the
//     cluster; while a handshake runs on either side it is a node being met: wait); fix
//     open or unassigned slots. A node is reset (FLUSHALL + CLUSTER RESET HARD) only when
//     its own view gives it no slot and it holds no key, or its keys are a replica's copy
//     of a healthy master serving slots; otherwise the plan waits and says why.
//   a step needs cluster_state ok, all 16384 slots ok, and every member knowing every
//   member; otherwise wait. Then, first match wins:
//     a fresh node 0..nodes-1 joins: as a master while there are fewer masters than
//       nodes / (1 + replicasPerMaster), else as a replica of the master with fewest;
//     a staying replica of a leaving master takes over (CLUSTER FAILOVER);
//     leaving masters' slots move to the staying masters evenly (rebalance, weight 0);
//     leaving nodes are deleted (del-node), replicas first; then their containers go;
//     staying masters serving slots beyond nodes / (1 + replicasPerMaster) move their
//       slots away (highest ordinals), so they can become replicas;
//     empty staying masters get slots (rebalance --cluster-use-empty-masters), or
//       become replicas when there are enough masters;
//     replicas move to masters short of replicasPerMaster;
//     one node of an outdated config is replaced (a master fails over to its replica
//       first);
//     a replica whose initial sync has not finished (Synced) is waited for: until then
//       it is no copy of its master, and the cluster is not converged.
//   Every CLUSTER FAILOVER (shrink, rolling update) goes to a Synced replica; while the
//   only replicas are still syncing, the step waits.
// The anchor is the lowest-ordinal answering node whose cluster_state is ok (else the
// one that sees the most assigned slots); cluster steps run from its container.
#ifndef NXT_CONTROLLERS_REDISCLUSTER_PLAN_H_
#define NXT_CONTROLLERS_REDISCLUSTER_PLAN_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "controllers/rediscluster/cluster_state.h"

namespace nxt::rediscluster {

struct DesiredState {
  std::string namespace_;
  std::string name;
  int nodes = 0;
  int replicas_per_master = 1;
  std::string config_hash;
  bool suspend = false;
  bool deleting = false;
  bool delete_volumes = false;  // deletionPolicy: Delete (read only when deleting)
  int Masters() const { return nodes / (1 + replicas_per_master); }
};

// How long a down master may stay down waiting for its replica's promotion; after that
// it is started whatever the cluster says (a promotion that cannot succeed must not keep
// its slots unserved for ever).
inline constexpr absl::Duration kHoldLimit = absl::Seconds(30);

// Redis counts a replica's link downtime in whole seconds of its own clock, nxtd a
// master's downtime from the engine's FinishedAt (or from when it saw the container gone):
// how far apart the two may be for "the link broke when the master died".
inline constexpr absl::Duration kLinkSlack = absl::Seconds(2);

// The replica whose INFO replication is `r` holds a full copy of its master's data: it
// says it is a replica, no full sync is running in it (master_sync_in_progress:0), and its
// link to the master is up. A replica that never finished its initial sync (link never
// up: master_link_down_since_seconds -1) is empty, whatever CLUSTER NODES says.
bool Synced(const ReplicationInfo& r);

// The replica whose INFO replication is `r` holds its master's data as of the master's
// death, `master_down_for` ago: as Synced, except that the link may be down, if it went
// down when the master did (not more than `master_down_for` + kLinkSlack ago). The only
// replicas nxtd may promote with CLUSTER FAILOVER FORCE, which skips Redis's own check of
// the replica's data age: promoting any other would serve the shard's slots from a node
// without (all of) its keys, and the old master would then resync from it and drop them.
bool HoldsMastersData(const ReplicationInfo& r, absl::Duration master_down_for);

struct ObservedNode {
  std::string name;  // container name
  int ordinal = -1;  // -1: label missing or unparsable
  std::string config_hash;
  std::string state;             // Docker: created, running, exited, dead, ...
  std::optional<NodeView> view;  // when running and it answered
  bool Answers() const { return state == "running" && view.has_value(); }
};

struct ObservedState {
  std::vector<ObservedNode> nodes;
  // Container name → how long the controller has seen that node 0..nodes-1 not running
  // (container stopped or missing); a name not listed went down just now.
  std::map<std::string, absl::Duration> down_for;
  // Read only when deleting.
  bool network_present = false;
  std::vector<std::string> volumes;
};

struct Action {
  enum class Type {
    kEnsureNetwork,  // name
    kEnsureVolume,   // name, ordinal
    kCreate,         // ordinal, name (create, write redis.conf, start)
    kStart,          // name
    kReplace,        // ordinal, name (remove + create)
    kRemove,         // name
    kRemoveNetwork,  // name
    kRemoveVolume,   // name
    kCreateCluster,  // ordinals, via (redis-cli --cluster create ... --cluster-replicas R)
    kResetNode,      // ordinal (FLUSHALL + CLUSTER RESET HARD)
    kAddMaster,      // ordinal, via (--cluster add-node)
    kAddReplica,     // ordinal, node_id = master, via (--cluster add-node --cluster-slave)
    kFailover,       // ordinal (a replica; CLUSTER FAILOVER)
    kDrain,          // node_ids (leaving or extra masters), via (--cluster rebalance, weight 0)
    kRebalance,      // via (--cluster rebalance --cluster-use-empty-masters)
    kDelNode,        // ordinal, node_id, via (--cluster del-node)
    kForget,         // node_id (CLUSTER FORGET on every answering node)
    kMeet,           // ordinal, via (CLUSTER MEET <its address>)
    kReplicate,      // ordinal, node_id = new master (CLUSTER REPLICATE)
    kFix,            // via (--cluster fix)
    kPromote,        // ordinal, name, node_id = a down master, down_for; ordinals = its
                     // healthy replicas holding its data (HoldsMastersData; CLUSTER
                     // FAILOVER FORCE on the most up to date that still does)
    kWait,           // detail: what the next step waits for (no Docker call)
  };
  Type type = Type::kWait;
  std::string name;
  int ordinal = -1;
  int via = -1;  // ordinal of the node whose container runs redis-cli
  std::vector<int> ordinals;
  std::string node_id;
  std::vector<std::string> node_ids;
  std::string detail;
  absl::Duration down_for;  // kPromote: how long the master has been down

  // "create container cache-2", "add cache-6 as a master", ... (logs, events, diff).
  std::string Describe() const;
  friend bool operator==(const Action&, const Action&) = default;
};

const char* ActionTypeName(Action::Type type);

// What the plan (and the status) read from the observed views.
struct ClusterSummary {
  int anchor = -1;                         // ordinal, -1 when no node answered
  std::map<std::string, int> ordinal_of;   // node ID → ordinal (from each node's myself)
  std::map<std::string, int> replicas_of;  // master ID → healthy replicas (anchor's view)
  bool formed = false;                     // some node serves slots or knows other nodes
  std::string state;                       // anchor's cluster_state, "" when none
  int slots_assigned = 0;
  int slots_ok = 0;
  int masters = 0;   // healthy masters serving slots (anchor's view)
  int replicas = 0;  // healthy replicas of such masters
  int known_nodes = 0;
  int open_slots = 0;  // in any view
  // Every answering node says cluster_state ok with all slots ok, and no node in the
  // anchor's table is failing: the whole cluster agrees it is healthy.
  bool all_ok = false;
  // Members of the anchor's table (failing or disconnected, not in handshake) that no
  // container holds: no answering node has the ID, and no existing container is named by
  // its hostname.
  std::vector<std::string> ghosts;
  // ID → ordinal of a container that exists but does not answer, matched by the
  // member's announced hostname (the container name).
  std::map<std::string, int> silent_of;
};

ClusterSummary Summarize(const ObservedState& observed);

std::vector<Action> Plan(const DesiredState& desired, const ObservedState& observed);

}  // namespace nxt::rediscluster

#endif  // NXT_CONTROLLERS_REDISCLUSTER_PLAN_H_
