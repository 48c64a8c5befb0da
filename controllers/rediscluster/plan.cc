#include "controllers/rediscluster/plan.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "controllers/common/owner.h"
#include "controllers/rediscluster/plan_steps.h"
#include "controllers/rediscluster/render.h"

namespace nxt::rediscluster {
namespace internal {

Action MakeAction(Action::Type type, int ordinal, std::string name) {
  Action a;
  a.type = type;
  a.ordinal = ordinal;
  a.name = std::move(name);
  return a;
}

Action WaitAction(std::string detail) {
  Action a;
  a.type = Action::Type::kWait;
  a.detail = std::move(detail);
  return a;
}

}  // namespace internal

namespace {

using T = Action::Type;
using internal::MakeAction;

Action Make(T type, int ordinal = -1, std::string name = "") {
  return MakeAction(type, ordinal, std::move(name));
}
Action Wait(std::string detail) { return internal::WaitAction(std::move(detail)); }

std::vector<Action> Teardown(const DesiredState& d, const ObservedState& o) {
  std::vector<Action> out;
  for (const ObservedNode& n : o.nodes) out.push_back(Make(T::kRemove, n.ordinal, n.name));
  if (o.network_present) {
    out.push_back(Make(T::kRemoveNetwork, -1, controllers::NetworkName(d.namespace_, d.name)));
  }
  if (d.delete_volumes) {
    for (const std::string& v : o.volumes) out.push_back(Make(T::kRemoveVolume, -1, v));
  }
  return out;
}

// Nodes by ordinal; containers that cannot be a node go to `foreign`.
std::map<int, const ObservedNode*> Index(const DesiredState& d, const ObservedState& o,
                                         std::vector<const ObservedNode*>& foreign) {
  std::map<int, const ObservedNode*> by_ordinal;
  for (const ObservedNode& n : o.nodes) {
    bool valid = n.ordinal >= 0 && n.name == controllers::ContainerName(d.name, n.ordinal);
    if (!valid || !by_ordinal.emplace(n.ordinal, &n).second) foreign.push_back(&n);
  }
  return by_ordinal;
}

// Container work; the ordinals in `held` (down masters awaiting a promotion) are left as
// they are.
std::vector<Action> ContainerActions(const DesiredState& d,
                                     const std::map<int, const ObservedNode*>& nodes,
                                     const std::vector<const ObservedNode*>& foreign,
                                     const std::set<int>& held) {
  std::vector<Action> out;
  for (const ObservedNode* n : foreign) out.push_back(Make(T::kRemove, n->ordinal, n->name));
  // Network and volumes first: the creates run concurrently.
  std::vector<Action> creates;
  for (int i = 0; i < d.nodes; ++i) {
    if (nodes.count(i) > 0 || held.count(i) > 0) continue;
    if (creates.empty()) {
      out.push_back(Make(T::kEnsureNetwork, -1, controllers::NetworkName(d.namespace_, d.name)));
    }
    out.push_back(Make(T::kEnsureVolume, i,
                       controllers::VolumeName(d.namespace_, d.name, i, kVolumePurpose)));
    creates.push_back(Make(T::kCreate, i, controllers::ContainerName(d.name, i)));
  }
  out.insert(out.end(), creates.begin(), creates.end());
  for (const auto& [ordinal, n] : nodes) {
    if (held.count(ordinal) > 0) continue;
    if (n->state == "exited") {
      out.push_back(Make(T::kStart, ordinal, n->name));
    } else if (n->state == "dead" || n->state == "created") {
      // Created but never started: a create that nxtd did not finish (redis.conf may be
      // missing); the volume keeps the node's identity across the replacement.
      out.push_back(Make(T::kReplace, ordinal, n->name));
    }
  }
  return out;
}

// The state one cluster step reads; built once per plan.
}  // namespace

bool Synced(const ReplicationInfo& r) {
  return r.known && r.role == "slave" && !r.sync_in_progress && r.link_up;
}

bool HoldsMastersData(const ReplicationInfo& r, absl::Duration master_down_for) {
  if (!r.known || r.role != "slave" || r.sync_in_progress) return false;
  if (r.link_up) return true;
  return r.link_down_seconds >= 0 &&
         absl::Seconds(r.link_down_seconds) <= master_down_for + kLinkSlack;
}

const char* ActionTypeName(Action::Type type) {
  static const char* const kNames[] = {
      "ensure-network", "ensure-volume", "create",         "start",
      "replace",        "remove",        "remove-network", "remove-volume",
      "create-cluster", "reset-node",    "add-master",     "add-replica",
      "failover",       "drain",         "rebalance",      "del-node",
      "forget",         "meet",          "replicate",      "fix",
      "promote",        "wait"};
  return kNames[static_cast<int>(type)];
}

std::string Action::Describe() const {
  switch (type) {
    case T::kEnsureNetwork:
      return absl::StrCat("ensure network ", name);
    case T::kEnsureVolume:
      return absl::StrCat("ensure volume ", name);
    case T::kCreate:
      return absl::StrCat("create container ", name);
    case T::kStart:
      return absl::StrCat("start container ", name);
    case T::kReplace:
      return absl::StrCat("replace container ", name);
    case T::kRemove:
      return absl::StrCat("remove container ", name);
    case T::kRemoveNetwork:
      return absl::StrCat("remove network ", name);
    case T::kRemoveVolume:
      return absl::StrCat("remove volume ", name);
    case T::kCreateCluster:
      return absl::StrCat("create the cluster from ", ordinals.size(), " nodes");
    case T::kResetNode:
      return absl::StrCat("reset ", name, " (not part of the cluster)");
    case T::kAddMaster:
      return absl::StrCat("add ", name, " as a master");
    case T::kAddReplica:
      return absl::StrCat("add ", name, " as a replica of ", node_id.substr(0, 8));
    case T::kFailover:
      return absl::StrCat("fail over to replica ", name);
    case T::kDrain:
      return absl::StrCat("move the slots of ", node_ids.size(), " master(s) away");
    case T::kRebalance:
      return "rebalance slots onto empty masters";
    case T::kDelNode:
      return absl::StrCat("delete ", name, " from the cluster");
    case T::kForget:
      return absl::StrCat("forget ghost node ", node_id.substr(0, 8));
    case T::kMeet:
      return absl::StrCat("meet ", name, " again");
    case T::kReplicate:
      return absl::StrCat("make ", name, " a replica of ", node_id.substr(0, 8));
    case T::kFix:
      return "fix open or unassigned slots";
    case T::kPromote:
      return absl::StrCat("promote a replica of ", name, " (down) to master");
    case T::kWait:
      return absl::StrCat("wait: ", detail);
  }
  return "?";
}

ClusterSummary Summarize(const ObservedState& o) {
  ClusterSummary s;
  const ObservedNode* anchor = nullptr;
  for (const ObservedNode& n : o.nodes) {
    if (!n.Answers() || n.ordinal < 0) continue;
    s.ordinal_of[n.view->Myself()->id] = n.ordinal;
    s.formed |= !n.view->IsFresh();
    s.open_slots += n.view->Myself()->open_slots;
    auto rank = [](const ObservedNode& x) {
      return std::make_tuple(x.view->info.state == "ok", x.view->info.slots_assigned, -x.ordinal);
    };
    if (anchor == nullptr || rank(n) > rank(*anchor)) anchor = &n;
  }
  if (anchor == nullptr) return s;
  const NodeView& v = *anchor->view;
  s.all_ok = true;
  for (const ObservedNode& n : o.nodes) {  // members only: a fresh node says "fail"
    if (n.Answers() && n.ordinal >= 0 && v.Find(n.view->Myself()->id) != nullptr) {
      s.all_ok &= n.view->info.state == "ok" && n.view->info.slots_ok == kClusterSlots;
    }
  }
  s.anchor = anchor->ordinal;
  s.state = v.info.state;
  s.slots_assigned = v.info.slots_assigned;
  s.slots_ok = v.info.slots_ok;
  s.known_nodes = v.info.known_nodes;
  for (const ClusterNode& n : v.nodes) {
    s.all_ok &= !n.IsFailing();
    if (n.IsReplica() && !n.IsFailing()) ++s.replicas_of[n.master_id];
    if (n.IsMyself() || s.ordinal_of.count(n.id) > 0) continue;
    for (const ObservedNode& c : o.nodes) {
      if (c.ordinal >= 0 && !c.Answers() && !n.hostname.empty() && c.name == n.hostname) {
        s.silent_of[n.id] = c.ordinal;
      }
    }
    // A handshake entry is a node being met under a temporary ID (Redis drops it if the
    // handshake fails); forgetting it would abort the meeting.
    if (s.silent_of.count(n.id) == 0 && !n.InHandshake() && (n.IsFailing() || !n.connected)) {
      s.ghosts.push_back(n.id);
    }
  }
  for (const ClusterNode& n : v.nodes) {
    if (n.IsMaster() && !n.IsFailing() && n.SlotCount() > 0) {
      ++s.masters;
      s.replicas += s.replicas_of[n.id];
    }
  }
  return s;
}

std::vector<Action> Plan(const DesiredState& d, const ObservedState& o) {
  if (d.deleting) return Teardown(d, o);
  if (d.suspend) return {};
  std::vector<const ObservedNode*> foreign;
  std::map<int, const ObservedNode*> nodes = Index(d, o, foreign);
  ObservedState known;
  for (const auto& [ordinal, n] : nodes) known.nodes.push_back(*n);
  const ClusterSummary summary = Summarize(known);
  std::vector<Action> promotions;
  const std::set<int> held = internal::HoldDownMasters(d, o, nodes, summary, &promotions);
  std::vector<Action> containers = ContainerActions(d, nodes, foreign, held);
  if (!promotions.empty() || !containers.empty()) {
    // The promotion first: the held master's slots are unserved until it is done.
    promotions.insert(promotions.end(), containers.begin(), containers.end());
    return promotions;
  }
  for (const auto& [ordinal, n] : nodes) {
    if (n->state != "running") return {Wait(absl::StrCat(n->name, " is ", n->state))};
  }
  return internal::ClusterActions(d, nodes, summary);
}

}  // namespace nxt::rediscluster
