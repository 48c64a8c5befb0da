#include "controllers/rediscluster/plan_steps.h"

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "controllers/common/owner.h"

namespace nxt::rediscluster::internal {
namespace {

using T = Action::Type;

Action Make(T type, int ordinal = -1, std::string name = "") {
  return MakeAction(type, ordinal, std::move(name));
}
Action Wait(std::string detail) { return WaitAction(std::move(detail)); }

struct Ctx {
  const DesiredState& d;
  const std::map<int, const ObservedNode*>& nodes;
  const ClusterSummary& s;
  const NodeView* anchor = nullptr;

  const NodeView* ViewOf(int ordinal) const {
    auto it = nodes.find(ordinal);
    return it == nodes.end() || !it->second->view ? nullptr : &*it->second->view;
  }
  int OrdinalOf(const std::string& id) const {
    auto it = s.ordinal_of.find(id);
    return it == s.ordinal_of.end() ? -1 : it->second;
  }
  bool Staying(const ClusterNode& n) const {
    int o = OrdinalOf(n.id);
    return o >= 0 && o < d.nodes;
  }
  bool Leaving(const ClusterNode& n) const { return OrdinalOf(n.id) >= d.nodes; }
  // Healthy masters of the anchor's table matching `pred`.
  template <typename Pred>
  std::vector<const ClusterNode*> Masters(Pred pred) const {
    std::vector<const ClusterNode*> out;
    for (const ClusterNode& n : anchor->nodes) {
      if (n.IsMaster() && !n.IsFailing() && pred(n)) out.push_back(&n);
    }
    return out;
  }
  int ReplicasOf(const std::string& id) const {
    int count = 0;
    for (const ClusterNode& n : anchor->nodes) {
      count += n.IsReplica() && !n.IsFailing() && n.master_id == id && Staying(n);
    }
    return count;
  }
  // The staying master with the fewest staying replicas (lowest ordinal on ties); only
  // masters serving slots unless `include_empty` (a new shard's master awaiting its
  // replicas).
  const ClusterNode* NeediestMaster(bool include_empty = false) const {
    const ClusterNode* best = nullptr;
    for (const ClusterNode* m : Masters([&](const ClusterNode& n) {
           return Staying(n) && (include_empty || n.SlotCount() > 0);
         })) {
      if (best == nullptr || ReplicasOf(m->id) < ReplicasOf(best->id) ||
          (ReplicasOf(m->id) == ReplicasOf(best->id) && OrdinalOf(m->id) < OrdinalOf(best->id))) {
        best = m;
      }
    }
    return best;
  }
};

Action Via(Action a, int via) {
  a.via = via;
  return a;
}

// Why the answering node with view `v` must not be reset (FLUSHALL + CLUSTER RESET
// HARD), "" when it may: a reset must never destroy the only copy of any key. Allowed:
// no slot in its own view and no key, or keys that are a replica's copy of a healthy
// master serving slots in `anchor` (null: no such master is known).
std::string ResetRefusal(const NodeView& v, const NodeView* anchor) {
  const ClusterNode* me = v.Myself();
  if (me->SlotCount() > 0 || me->open_slots > 0) {
    return absl::StrCat("serves ", me->SlotCount(), " slot(s) in its own view");
  }
  if (v.keys == 0) return "";
  if (v.keys < 0) return "its keys could not be counted";
  const ClusterNode* master =
      anchor == nullptr || !me->IsReplica() ? nullptr : anchor->Find(me->master_id);
  if (master != nullptr && master->IsMaster() && !master->IsFailing() && master->SlotCount() > 0) {
    return "";
  }
  return absl::StrCat("holds ", v.keys, " key(s)");
}

Action RefuseReset(const std::string& name, const std::string& why) {
  return Wait(absl::StrCat(name, " is not part of the cluster but ", why,
                           ": not reset (its data would be lost); reset it by hand once its "
                           "keys are safe"));
}

// A staying replica of `master_id` for a CLUSTER FAILOVER (a leaving or outdated master
// hands over): the first whose own INFO says it is Synced. `unsynced` tells whether one
// exists that is still copying.
std::optional<int> SyncedReplicaOf(const Ctx& c, const std::string& master_id, bool* unsynced) {
  *unsynced = false;
  for (const ClusterNode& r : c.anchor->nodes) {
    if (!r.IsReplica() || r.IsFailing() || r.master_id != master_id || !c.Staying(r)) continue;
    const int o = c.OrdinalOf(r.id);
    const NodeView* v = c.ViewOf(o);
    if (v != nullptr && Synced(v->replication)) return o;
    *unsynced = true;
  }
  return std::nullopt;
}

Action WaitForSync(const std::string& master_id) {
  return Wait(absl::StrCat("the replicas of ", master_id.substr(0, 8),
                           " are still copying its data; no failover to them yet"));
}

bool InHandshake(const NodeView& v) {
  return std::any_of(v.nodes.begin(), v.nodes.end(),
                     [](const ClusterNode& n) { return n.InHandshake(); });
}

std::optional<Action> Repair(const Ctx& c) {
  if (!c.s.ghosts.empty()) {
    Action a = Make(T::kForget);
    a.node_id = c.s.ghosts.front();
    return a;
  }
  for (const ClusterNode& n : c.anchor->nodes) {
    int o = c.OrdinalOf(n.id);
    if (!n.IsMyself() && o >= 0 && c.ViewOf(o) != nullptr &&
        (n.HasFlag("fail") || n.HasFlag("noaddr") || n.InHandshake())) {
      return Via(Make(T::kMeet, o, controllers::ContainerName(c.d.name, o)), c.s.anchor);
    }
  }
  bool healthy = c.s.state == "ok" && c.s.slots_ok == kClusterSlots;
  for (const auto& [o, node] : c.nodes) {
    const NodeView* v = c.ViewOf(o);
    if (o < c.d.nodes && v != nullptr && !v->IsFresh() &&
        c.anchor->Find(v->Myself()->id) == nullptr) {
      // A node that has just met the cluster (add-node) is known to the anchor only after
      // the handshake: until then the anchor lists it under a temporary ID. It is joining,
      // not a stray.
      if (InHandshake(*c.anchor) || InHandshake(*v)) {
        return Wait(absl::StrCat(node->name, " is meeting the cluster (handshake)"));
      }
      if (!healthy) return Wait(absl::StrCat(node->name, " is not in the cluster; waiting for ok"));
      if (std::string why = ResetRefusal(*v, c.anchor); !why.empty()) {
        return RefuseReset(node->name, why);
      }
      return Make(T::kResetNode, o, node->name);
    }
  }
  if (c.s.open_slots > 0 || c.s.slots_assigned < kClusterSlots) {
    return Via(Make(T::kFix), c.s.anchor);
  }
  return std::nullopt;
}

// Every answering member knows every healthy member of the anchor's table.
std::optional<Action> Agreement(const Ctx& c) {
  for (const ClusterNode& member : c.anchor->nodes) {
    const NodeView* v = c.ViewOf(c.OrdinalOf(member.id));
    if (v == nullptr) continue;
    for (const ClusterNode& other : c.anchor->nodes) {
      if (other.IsFailing()) continue;
      const ClusterNode* known = v->Find(other.id);
      if (known == nullptr || known->InHandshake()) {
        return Wait(absl::StrCat(controllers::ContainerName(c.d.name, c.OrdinalOf(member.id)),
                                 " does not know ", other.id.substr(0, 8), " yet"));
      }
    }
  }
  return std::nullopt;
}

std::optional<Action> Join(const Ctx& c) {
  for (const auto& [o, node] : c.nodes) {
    const NodeView* v = c.ViewOf(o);
    if (o >= c.d.nodes || v == nullptr || !v->IsFresh()) continue;
    size_t masters = c.Masters([&](const ClusterNode& n) { return c.Staying(n); }).size();
    if (masters < static_cast<size_t>(c.d.Masters())) {
      return Via(Make(T::kAddMaster, o, node->name), c.s.anchor);
    }
    const ClusterNode* master = c.NeediestMaster(/*include_empty=*/true);
    if (master == nullptr) return Wait("no master to attach a replica to");
    Action a = Via(Make(T::kAddReplica, o, node->name), c.s.anchor);
    a.node_id = master->id;
    return a;
  }
  return std::nullopt;
}

std::optional<Action> ShrinkStep(const Ctx& c) {
  auto leaving_with_slots =
      c.Masters([&](const ClusterNode& n) { return c.Leaving(n) && n.SlotCount() > 0; });
  size_t staying_with_slots =
      c.Masters([&](const ClusterNode& n) { return c.Staying(n) && n.SlotCount() > 0; }).size();
  for (const ClusterNode* m : leaving_with_slots) {
    if (staying_with_slots >= static_cast<size_t>(c.d.Masters())) break;
    bool unsynced = false;
    if (std::optional<int> o = SyncedReplicaOf(c, m->id, &unsynced)) {
      return Make(T::kFailover, *o, controllers::ContainerName(c.d.name, *o));
    }
    if (unsynced) return WaitForSync(m->id);
  }
  if (!leaving_with_slots.empty()) {
    Action a = Via(Make(T::kDrain), c.s.anchor);
    for (const ClusterNode* m : leaving_with_slots) a.node_ids.push_back(m->id);
    return a;
  }
  for (bool replicas : {true, false}) {
    for (const ClusterNode& n : c.anchor->nodes) {
      if (c.Leaving(n) && n.IsReplica() == replicas) {
        int o = c.OrdinalOf(n.id);
        Action a = Via(Make(T::kDelNode, o, controllers::ContainerName(c.d.name, o)), c.s.anchor);
        a.node_id = n.id;
        return a;
      }
    }
  }
  for (const auto& [o, node] : c.nodes) {
    const NodeView* v = c.ViewOf(o);
    if (o >= c.d.nodes && (v == nullptr || c.anchor->Find(v->Myself()->id) == nullptr)) {
      return Make(T::kRemove, o, node->name);
    }
  }
  return std::nullopt;
}

std::optional<Action> Roles(const Ctx& c) {
  const int want = c.d.Masters();
  std::vector<const ClusterNode*> serving =
      c.Masters([&](const ClusterNode& n) { return c.Staying(n) && n.SlotCount() > 0; });
  const size_t with_slots = serving.size();
  if (with_slots > static_cast<size_t>(want)) {
    // More staying masters serve slots than the spec has shards (the leaving nodes were
    // replicas, or replicasPerMaster grew): the highest-ordinal extras hand their slots to
    // the others; once empty they become replicas below.
    std::sort(serving.begin(), serving.end(), [&](const ClusterNode* a, const ClusterNode* b) {
      return c.OrdinalOf(a->id) > c.OrdinalOf(b->id);
    });
    Action a = Via(Make(T::kDrain), c.s.anchor);
    for (size_t i = 0; i < with_slots - want; ++i) a.node_ids.push_back(serving[i]->id);
    return a;
  }
  for (const ClusterNode* m :
       c.Masters([&](const ClusterNode& n) { return c.Staying(n) && n.SlotCount() == 0; })) {
    if (with_slots < static_cast<size_t>(want)) return Via(Make(T::kRebalance), c.s.anchor);
    const ClusterNode* target = c.NeediestMaster();
    if (target == nullptr) break;
    int o = c.OrdinalOf(m->id);
    Action a = Make(T::kReplicate, o, controllers::ContainerName(c.d.name, o));
    a.node_id = target->id;
    return a;
  }
  const ClusterNode* needy = c.NeediestMaster();
  if (needy == nullptr || c.ReplicasOf(needy->id) >= c.d.replicas_per_master) return std::nullopt;
  // A donor: a staying replica of a master that is not a staying master with slots, else
  // one of a master that has more than replicasPerMaster.
  const ClusterNode* donor = nullptr;
  for (const ClusterNode& r : c.anchor->nodes) {
    if (!r.IsReplica() || r.IsFailing() || !c.Staying(r)) continue;
    const ClusterNode* master = c.anchor->Find(r.master_id);
    bool orphan =
        master == nullptr || master->IsFailing() || !c.Staying(*master) || master->SlotCount() == 0;
    if (orphan) {
      donor = &r;
      break;
    }
    if (donor == nullptr && c.ReplicasOf(r.master_id) > c.d.replicas_per_master) donor = &r;
  }
  if (donor == nullptr) return std::nullopt;
  int o = c.OrdinalOf(donor->id);
  Action a = Make(T::kReplicate, o, controllers::ContainerName(c.d.name, o));
  a.node_id = needy->id;
  return a;
}

// One outdated node per round: replicas first (highest ordinal), masters through failover.
std::optional<Action> Rolling(const Ctx& c) {
  std::vector<const ObservedNode*> outdated;
  for (const auto& [o, node] : c.nodes) {
    if (o < c.d.nodes && node->config_hash != c.d.config_hash) outdated.push_back(node);
  }
  std::sort(outdated.begin(), outdated.end(), [&](const ObservedNode* a, const ObservedNode* b) {
    bool ra = c.ViewOf(a->ordinal)->Myself()->IsReplica();
    bool rb = c.ViewOf(b->ordinal)->Myself()->IsReplica();
    return ra != rb ? ra : a->ordinal > b->ordinal;
  });
  for (const ObservedNode* node : outdated) {
    const ClusterNode* me = c.ViewOf(node->ordinal)->Myself();
    if (me->IsReplica() || me->SlotCount() == 0) {
      return Make(T::kReplace, node->ordinal, node->name);
    }
    bool unsynced = false;
    if (std::optional<int> o = SyncedReplicaOf(c, me->id, &unsynced)) {
      return Make(T::kFailover, *o, controllers::ContainerName(c.d.name, *o));
    }
    if (unsynced) return WaitForSync(me->id);
    return Make(T::kReplace, node->ordinal, node->name);  // no replica: brief outage
  }
  return std::nullopt;
}

// Every staying replica has finished its initial sync: until then it holds no copy of its
// master's data, and the cluster is not converged.
std::optional<Action> Copies(const Ctx& c) {
  for (const auto& [o, node] : c.nodes) {
    const NodeView* v = c.ViewOf(o);
    if (o >= c.d.nodes || v == nullptr || !v->Myself()->IsReplica()) continue;
    if (!Synced(v->replication)) {
      return Wait(absl::StrCat(node->name, " is still copying its master's data"));
    }
  }
  return std::nullopt;
}

}  // namespace

std::vector<Action> ClusterActions(const DesiredState& d,
                                   const std::map<int, const ObservedNode*>& nodes,
                                   const ClusterSummary& s) {
  std::vector<std::string> silent;
  for (const auto& [o, n] : nodes) {
    if (!n->view) silent.push_back(n->name);
  }
  if (!silent.empty()) return {Wait(absl::StrCat(absl::StrJoin(silent, ", "), " not answering"))};
  if (!s.formed) {
    Action a = Via(Make(T::kCreateCluster), 0);
    for (int i = 0; i < d.nodes; ++i) a.ordinals.push_back(i);
    return {a};
  }
  if (s.slots_assigned == 0) {  // met, but no slot ever assigned: an interrupted create
    std::vector<Action> out;
    for (const auto& [o, n] : nodes) {
      if (n->view->IsFresh()) continue;
      if (std::string why = ResetRefusal(*n->view, nullptr); !why.empty()) {
        return {RefuseReset(n->name, why)};  // not one reset: this is no interrupted create
      }
      out.push_back(Make(T::kResetNode, o, n->name));
    }
    return out;
  }
  Ctx c{d, nodes, s, &*nodes.at(s.anchor)->view};
  for (auto step : {Repair, Agreement}) {
    if (std::optional<Action> a = step(c)) return {*a};
  }
  if (!s.all_ok) {
    return {Wait(absl::StrCat("cluster_state ", s.state, ", ", s.slots_ok, "/", kClusterSlots,
                              " slots ok"))};
  }
  for (auto step : {Join, ShrinkStep, Roles, Rolling, Copies}) {
    if (std::optional<Action> a = step(c)) return {*a};
  }
  return {};
}

}  // namespace nxt::rediscluster::internal
