#include "controllers/rediscluster/status.h"

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "controllers/common/conditions.h"
#include "controllers/common/owner.h"

namespace nxt::rediscluster {
namespace {

using T = Action::Type;

// The anchor's view (the node the plan runs cluster steps through), nullptr when none.
const NodeView* AnchorView(const ObservedState& o, const ClusterSummary& s) {
  for (const ObservedNode& n : o.nodes) {
    if (n.ordinal == s.anchor && n.view) return &*n.view;
  }
  return nullptr;
}

// A node 0..nodes-1 that answers and is a healthy member in the anchor's table.
bool IsReady(const DesiredState& d, const ObservedNode& n, const NodeView* anchor) {
  if (anchor == nullptr || n.ordinal < 0 || n.ordinal >= d.nodes || !n.Answers()) return false;
  const ClusterNode* member = anchor->Find(n.view->Myself()->id);
  return member != nullptr && !member->IsFailing() && !n.view->IsFresh();
}

// Nodes 0..nodes-1 that run the current config and are healthy members of the cluster.
int ReadyNodes(const DesiredState& d, const ObservedState& o, const ClusterSummary& s,
               bool* all_current) {
  *all_current = true;
  int ready = 0;
  const NodeView* anchor = AnchorView(o, s);
  for (const ObservedNode& n : o.nodes) {
    if (n.ordinal < 0 || n.ordinal >= d.nodes) continue;
    *all_current &= n.config_hash == d.config_hash;
    ready += IsReady(d, n, anchor);
  }
  return ready;
}

// Nodes 0..nodes-1 whose container exists but does not run: "cache-1 (exited)".
std::vector<std::string> DownNodes(const DesiredState& d, const ObservedState& o) {
  std::vector<std::string> out;
  for (const ObservedNode& n : o.nodes) {
    if (n.ordinal >= 0 && n.ordinal < d.nodes && n.state != "running") {
      out.push_back(absl::StrCat(n.name, " (", n.state, ")"));
    }
  }
  return out;
}

std::string ReasonOf(const DesiredState& d, const std::vector<Action>& actions) {
  for (const Action& a : actions) {
    switch (a.type) {
      case T::kCreateCluster:
        return kReasonCreating;
      case T::kRebalance:  // slots onto empty masters: the last step of a scale-up
        return kReasonScalingUp;
      case T::kCreate:
      case T::kAddMaster:
      case T::kAddReplica:
        return a.ordinal >= 0 && a.ordinal < d.nodes ? kReasonScalingUp : kReasonRepairing;
      case T::kDrain:
      case T::kDelNode:
        return kReasonScalingDown;
      case T::kRemove:
        return a.ordinal >= d.nodes ? kReasonScalingDown : kReasonRepairing;
      case T::kReplace:
        return kReasonRollingUpdate;
      case T::kPromote:
        return kReasonFailingOver;
      case T::kWait:
        return kReasonWaiting;
      case T::kEnsureNetwork:
      case T::kEnsureVolume:
        continue;
      default:
        return kReasonRepairing;
    }
  }
  return kReasonWaiting;
}

// The link to `id` as the anchor sees it: "connected" / "disconnected" (link-state of
// CLUSTER NODES; the anchor itself is connected), "-" when the anchor does not list it.
// The anchor's flags other than myself/master/slave follow: "disconnected fail".
std::string LinkOf(const NodeView* anchor, const std::string& id) {
  const ClusterNode* n = anchor != nullptr ? anchor->Find(id) : nullptr;
  if (n == nullptr) return "-";
  std::string out = n->IsMyself() || n->connected ? "connected" : "disconnected";
  for (const std::string& f : n->flags) {
    if (f != "myself" && f != "master" && f != "slave") absl::StrAppend(&out, " ", f);
  }
  return out;
}

boost::json::array Members(const DesiredState& d, const ObservedState& o, const ClusterSummary& s) {
  const NodeView* anchor = AnchorView(o, s);
  boost::json::array out;
  for (const ObservedNode& n : o.nodes) {
    boost::json::object m{{"name", n.name},
                          {"container", n.state},
                          {"up", n.Answers()},
                          {"ready", IsReady(d, n, anchor)}};
    if (n.Answers()) {
      const ClusterNode* me = n.view->Myself();
      m["id"] = me->id.substr(0, 12);
      m["role"] = me->IsMaster() ? "master" : me->IsReplica() ? "replica" : "unknown";
      if (!me->master_id.empty()) m["master"] = me->master_id.substr(0, 12);
      m["slots"] = me->SlotCount();
      m["link"] = LinkOf(anchor, me->id);
      m["state"] = n.view->info.state;
      m["knownNodes"] = n.view->info.known_nodes;
    }
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace

bool Converged(const DesiredState& d, const ObservedState& o) {
  ClusterSummary s = Summarize(o);
  bool all_current = false;
  return Plan(d, o).empty() && ReadyNodes(d, o, s, &all_current) == d.nodes && all_current &&
         s.all_ok && s.masters == d.Masters() &&
         s.replicas == d.Masters() * d.replicas_per_master && s.ghosts.empty() &&
         static_cast<int>(o.nodes.size()) == d.nodes;
}

resources::ObjectStatus BuildStatus(const StatusInput& in) {
  const DesiredState& d = *in.desired;
  const ObservedState& o = *in.observed;
  ClusterSummary s = Summarize(o);
  bool all_current = false;
  const int ready = ReadyNodes(d, o, s, &all_current);
  const bool converged = Converged(d, o);
  resources::ObjectStatus st;
  if (in.previous != nullptr) st.conditions = in.previous->conditions;
  st.observed_generation = in.generation;
  const std::vector<std::string> down = DownNodes(d, o);
  st.fields["ready"] = absl::StrCat(ready, "/", d.nodes);
  st.fields["nodes"] = d.nodes;
  st.fields["down"] = static_cast<int64_t>(down.size());
  st.fields["masters"] = s.masters;
  st.fields["replicas"] = s.replicas;
  st.fields["slots"] = absl::StrCat(s.slots_ok, "/", kClusterSlots);
  st.fields["slotsAssigned"] = s.slots_assigned;
  st.fields["slotsOk"] = s.slots_ok;
  st.fields["slotsFail"] = s.slots_assigned - s.slots_ok;  // pfail + fail
  st.fields["clusterState"] = s.formed ? s.state : "-";    // a fresh node says "fail"
  st.fields["knownNodes"] = s.known_nodes;
  st.fields["openSlots"] = s.open_slots;
  st.fields["ghosts"] = static_cast<int64_t>(s.ghosts.size());
  st.fields["configHash"] = d.config_hash.substr(0, 12);
  st.fields["members"] = Members(d, o, s);
  controllers::SetReplicaCounts(d.nodes, ready, st);
  std::string summary;
  const bool ok_now = s.state == "ok" && s.slots_ok == kClusterSlots;
  using controllers::Outcome;
  if (d.suspend) {
    summary = kReasonSuspended;
    controllers::SetConditions({.outcome = Outcome::kSuspended,
                                .reason = kReasonSuspended,
                                .ready_message = "suspended",
                                .serving = ok_now},
                               in.now, st);
  } else if (!in.error.ok()) {
    summary = kReasonReconcileError;
    controllers::SetConditions({.outcome = Outcome::kTransientError,
                                .reason = kReasonReconcileError,
                                .message = std::string(in.error.message())},
                               in.now, st);
  } else if (converged) {
    summary = "Ready";
    controllers::SetConditions(
        {.outcome = Outcome::kConverged,
         .reason = kReasonAvailable,
         .message = absl::StrCat(s.masters, " masters, ", s.replicas, " replicas, all ",
                                 kClusterSlots, " slots ok")},
        in.now, st);
  } else {
    summary = ReasonOf(d, in.actions);
    std::vector<std::string> steps;
    for (const Action& a : in.actions) {
      if (a.type != T::kEnsureNetwork && a.type != T::kEnsureVolume) steps.push_back(a.Describe());
    }
    const std::string message = steps.empty() ? "converging" : absl::StrJoin(steps, "; ");
    // Ready means converged (as for every kind): a cluster still moving slots or
    // replicas is serving (cluster_state says so) but not Ready yet.
    std::string ready_message =
        absl::StrCat("cluster_state ", s.state.empty() ? "-" : s.state, ", ", s.slots_ok, "/",
                     kClusterSlots, " slots ok, ", ready, "/", d.nodes, " nodes ready");
    if (!down.empty()) {
      absl::StrAppend(&ready_message, ", ", down.size(), " down: ", absl::StrJoin(down, ", "));
    }
    if (!s.ghosts.empty()) absl::StrAppend(&ready_message, ", ", s.ghosts.size(), " ghost(s)");
    controllers::SetConditions({.outcome = Outcome::kProgressing,
                                .reason = summary,
                                .message = message,
                                .ready_message = ready_message},
                               in.now, st);
  }
  st.fields["summary"] = summary;
  return st;
}

std::optional<resources::ObjectStatus> FactsStatus(const DesiredState& d,
                                                   const ObservedState& containers,
                                                   const resources::ObjectStatus& previous,
                                                   absl::Time now) {
  std::map<std::string, std::string> state_of;  // nodes 0..nodes-1; "" when missing
  for (int i = 0; i < d.nodes; ++i) state_of[controllers::ContainerName(d.name, i)] = "";
  for (const ObservedNode& n : containers.nodes) {
    if (state_of.count(n.name) > 0 && n.ordinal >= 0) state_of[n.name] = n.state;
  }
  resources::ObjectStatus st = previous;
  std::vector<std::string> gone;  // counted ready before, not running now
  const boost::json::value* members = st.fields.if_contains("members");
  boost::json::array updated =
      members != nullptr && members->is_array() ? members->as_array() : boost::json::array();
  for (boost::json::value& v : updated) {
    boost::json::object* m = v.if_object();
    const boost::json::value* name = m != nullptr ? m->if_contains("name") : nullptr;
    if (name == nullptr || !name->is_string()) continue;
    auto it = state_of.find(std::string(name->get_string()));
    if (it == state_of.end() || it->second == "running") continue;
    const boost::json::value* was = m->if_contains("ready");
    if (was == nullptr) was = m->if_contains("up");  // a status written before "ready"
    if (was != nullptr && was->is_bool() && was->get_bool()) {
      gone.push_back(absl::StrCat(
          it->first, it->second.empty() ? " (no container)" : " (" + it->second + ")"));
    }
    (*m)["container"] = it->second.empty() ? "missing" : it->second;
    (*m)["up"] = false;
    (*m)["ready"] = false;
  }
  if (gone.empty()) return std::nullopt;  // the full status follows in the same round
  int64_t down = 0;
  for (const auto& [name, state] : state_of) down += !state.empty() && state != "running";
  int ready = 0;
  const boost::json::value* ready_before = st.fields.if_contains("ready");
  if (ready_before != nullptr && ready_before->is_string()) {
    (void)absl::SimpleAtoi(
        std::string(ready_before->get_string()).substr(0, ready_before->get_string().find('/')),
        &ready);
  }
  ready = std::max(0, ready - static_cast<int>(gone.size()));
  st.fields["ready"] = absl::StrCat(ready, "/", d.nodes);
  st.fields[controllers::kFieldReadyReplicas] = ready;
  st.fields["down"] = down;
  st.fields["members"] = std::move(updated);
  const std::string message = absl::StrCat("no longer running: ", absl::StrJoin(gone, ", "));
  st.fields["summary"] = kReasonNodeDown;
  controllers::SetConditions({.outcome = controllers::Outcome::kProgressing,
                              .reason = kReasonNodeDown,
                              .message = message},
                             now, st);
  return st;
}

}  // namespace nxt::rediscluster
