// The failover rule of the plan (plan.h: "a down master stays down"). Pure.
//
// A master whose container stopped (or vanished) is not brought back while one of its
// replicas can take its slots: the replica is promoted first (CLUSTER FAILOVER FORCE,
// which needs no answer from the dead master, only a majority of the masters' votes),
// and the old master is started afterwards, when it rejoins as a replica of the new one
// and copies its data. Only a replica that holds the master's data is promoted
// (HoldsMastersData): FORCE skips Redis's own data-age check, and a replica whose initial
// sync never finished is empty; with no such replica the master is started at once. Starting it
// first is a race with Redis's own election, and it can come back with an AOF written up to a
// second before its replica's copy (appendfsync everysec): the replica would then resync from it
// and lose writes WAIT acknowledged.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "controllers/common/owner.h"
#include "controllers/rediscluster/plan_steps.h"

namespace nxt::rediscluster::internal {
namespace {

using T = Action::Type;

// The line of the down node `name` in the anchor's table: the member that announces
// `name` as its hostname and that no answering node is.
const ClusterNode* LineOf(const NodeView& anchor, const std::string& name,
                          const ClusterSummary& s) {
  for (const ClusterNode& n : anchor.nodes) {
    if (!n.hostname.empty() && n.hostname == name && s.ordinal_of.count(n.id) == 0) return &n;
  }
  return nullptr;
}

// A majority of the masters serving slots (the anchor's table) answer and are not
// failing: the votes a promotion needs can be had.
bool Quorum(const NodeView& anchor, const ClusterSummary& s) {
  int serving = 0;
  int answering = 0;
  for (const ClusterNode& m : anchor.nodes) {
    if (!m.IsMaster() || m.SlotCount() == 0) continue;
    ++serving;
    answering += s.ordinal_of.count(m.id) > 0 && !m.IsFailing();
  }
  return 2 * answering > serving;
}

struct Replicas {
  // Healthy replicas of the master, by their own view too, that hold its data.
  std::vector<int> candidates;
  bool taken_over = false;  // one of them already says it is a master serving slots
};

Replicas ReplicasOf(const NodeView& anchor, const std::string& master_id,
                    absl::Duration master_down_for, const std::map<int, const ObservedNode*>& nodes,
                    const ClusterSummary& s) {
  Replicas out;
  for (const ClusterNode& r : anchor.nodes) {
    if (!r.IsReplica() || r.master_id != master_id) continue;
    auto ordinal = s.ordinal_of.find(r.id);
    if (ordinal == s.ordinal_of.end()) continue;
    auto node = nodes.find(ordinal->second);
    if (node == nodes.end() || !node->second->Answers()) continue;
    const ClusterNode* me = node->second->view->Myself();
    if (me == nullptr) continue;
    if (me->IsMaster() && me->SlotCount() > 0) {
      out.taken_over = true;
    } else if (!r.IsFailing() && me->IsReplica() && me->master_id == master_id &&
               HoldsMastersData(node->second->view->replication, master_down_for)) {
      out.candidates.push_back(ordinal->second);
    }
  }
  return out;
}

}  // namespace

std::set<int> HoldDownMasters(const DesiredState& d, const ObservedState& o,
                              const std::map<int, const ObservedNode*>& nodes,
                              const ClusterSummary& s, std::vector<Action>* promotions) {
  std::set<int> held;
  auto anchor_node = nodes.find(s.anchor);
  if (anchor_node == nodes.end() || !anchor_node->second->Answers()) return held;
  const NodeView& anchor = *anchor_node->second->view;
  const bool quorum = Quorum(anchor, s);
  for (int i = 0; i < d.nodes; ++i) {
    auto node = nodes.find(i);
    if (node != nodes.end() && node->second->state == "running") continue;
    const std::string name = controllers::ContainerName(d.name, i);
    const ClusterNode* line = LineOf(anchor, name, s);
    if (line == nullptr || !line->IsMaster() || line->SlotCount() == 0) continue;
    auto down = o.down_for.find(name);
    const absl::Duration down_for = down == o.down_for.end() ? absl::ZeroDuration() : down->second;
    if (down_for >= kHoldLimit) continue;
    Replicas replicas = ReplicasOf(anchor, line->id, down_for, nodes, s);
    // Taken over: started now, it rejoins as a replica. No replica holding its data (none
    // answers, or each is still in or never finished its initial sync, or lost its link
    // before the master died) or no majority: the master comes back with its own data.
    if (replicas.taken_over || replicas.candidates.empty() || !quorum) continue;
    held.insert(i);
    Action a = MakeAction(T::kPromote, i, name);
    a.node_id = line->id;
    a.ordinals = replicas.candidates;
    a.down_for = down_for;
    promotions->push_back(std::move(a));
  }
  return held;
}

}  // namespace nxt::rediscluster::internal
