#include "controllers/galeracluster/status.h"

#include <boost/json.hpp>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "controllers/common/conditions.h"

namespace nxt::galera {
namespace {

std::string NodeState(const ObservedNode& n) {
  if (!n.Running()) return n.state;
  if (!n.wsrep.has_value()) return n.Joining() ? "Joining" : "Starting";
  return absl::StrCat(n.wsrep->cluster_status, "/", n.wsrep->local_state_comment);
}

std::string Summary(const StatusInput& in, bool ready) {
  const PlanInput& p = *in.plan;
  if (p.desired.suspend) return "Suspended";
  if (!in.error.ok()) return "Error";
  if (ready) return "Ready";
  if (in.actions.empty()) return "Waiting";
  switch (in.actions.front().type) {
    case Action::Type::kBootstrap:
      return "Bootstrapping";
    case Action::Type::kProvision:
      return "Provisioning";
    case Action::Type::kJoin:
      return "Joining";
    case Action::Type::kStart:
    case Action::Type::kRestart:
      return "Healing";
    case Action::Type::kReplace:
      return "RollingUpdate";
    case Action::Type::kLeave:
      return "ScalingDown";
    case Action::Type::kStopForRecovery:
    case Action::Type::kRecover:
      return "Recovering";
    default:
      return "Waiting";
  }
}

}  // namespace

bool ClusterReady(const PlanInput& in) {
  int ready = 0;
  std::set<std::string> uuids;
  for (const ObservedNode& n : in.nodes) {
    if (n.ordinal < 0 || n.ordinal >= in.desired.replicas) return false;  // extras remain
    if (!n.Ready() || Outdated(n, in.desired)) return false;
    if (n.wsrep->cluster_size != in.desired.replicas) return false;
    uuids.insert(n.wsrep->cluster_state_uuid);
    ++ready;
  }
  return ready == in.desired.replicas && uuids.size() == 1 && in.provisioned;
}

resources::ObjectStatus BuildStatus(const StatusInput& in) {
  const PlanInput& p = *in.plan;
  resources::ObjectStatus s;
  s.observed_generation = in.generation;
  if (in.previous != nullptr) s.conditions = in.previous->conditions;
  int ready = 0;
  int size = 0;
  std::string uuid;
  bool primary = false;
  boost::json::array nodes;
  for (const ObservedNode& n : p.nodes) {
    if (n.Ready() && n.ordinal >= 0 && n.ordinal < p.desired.replicas) ++ready;
    if (n.Primary()) {
      primary = true;
      size = std::max(size, n.wsrep->cluster_size);
      uuid = n.wsrep->cluster_state_uuid;
    }
    boost::json::object node = {{"name", n.name},
                                {"state", NodeState(n)},
                                {"ready", n.Ready()},
                                {"mode", n.bootstrap_mode ? "bootstrap" : "join"},
                                {"upToDate", !Outdated(n, p.desired)}};
    if (!n.transfer.empty()) node["sst"] = n.transfer;  // the method of a running SST
    // How the last (re)join got its state (IST or SST) and, for an SST, why.
    if (!n.last_transfer.empty()) node["lastTransfer"] = n.last_transfer;
    if (!n.last_sst_reason.empty()) node["sstReason"] = n.last_sst_reason;
    if (n.Running() && !n.Ready() && !n.log.recovered.empty()) {
      node["recoveredPosition"] = n.log.recovered;
    }
    if (n.Running() && !n.Ready() && n.started_at != absl::InfinitePast()) {
      node["startedAt"] = resources::FormatTimestamp(n.started_at);
    }
    nodes.push_back(std::move(node));
  }
  const bool cluster_ready = ClusterReady(p) && in.error.ok();
  auto& f = s.fields;
  f["replicas"] = p.desired.replicas;
  f["readyReplicas"] = ready;
  f[controllers::kFieldDesiredReplicas] = p.desired.replicas;
  f["ready"] = absl::StrCat(ready, "/", p.desired.replicas);
  f["clusterSize"] = size;
  f["primary"] = primary ? "Yes" : "No";
  if (!uuid.empty()) f["clusterStateUUID"] = uuid;
  f["nodes"] = std::move(nodes);
  f[kFieldBootstrapped] = in.bootstrapped || StatusBool(in.previous, kFieldBootstrapped);
  f[kFieldProvisioned] = in.provisioned;
  if (!in.provision_hash.empty()) f[kFieldProvisionHash] = in.provision_hash;
  int64_t recoveries = 0;
  if (in.previous != nullptr) {
    if (const auto* v = in.previous->fields.if_contains(kFieldRecoveries); v && v->is_int64()) {
      recoveries = v->get_int64();
    }
    if (const auto* v = in.previous->fields.if_contains(kFieldLastRecovery)) {
      f[kFieldLastRecovery] = *v;
    }
  }
  if (in.recovery != nullptr) {
    f[kFieldLastRecovery] = *in.recovery;
    ++recoveries;
  }
  f[kFieldRecoveries] = recoveries;
  f["configHash"] = in.config_hash.substr(0, 12);
  const std::string summary = Summary(in, cluster_ready);
  f["summary"] = summary;
  std::string message = !in.error.ok()       ? std::string(in.error.message())
                        : in.actions.empty() ? ""
                                             : in.actions.front().Describe();
  using controllers::Outcome;
  const Outcome outcome = p.desired.suspend ? Outcome::kSuspended
                          : !in.error.ok()  ? Outcome::kTransientError
                          : cluster_ready   ? Outcome::kConverged
                                            : Outcome::kProgressing;
  controllers::SetConditions({.outcome = outcome,
                              .reason = summary,
                              .message = message,
                              .ready_message = cluster_ready ? "all nodes Primary and Synced" : "",
                              .serving = cluster_ready},
                             in.now, s);
  return s;
}

std::optional<resources::ObjectStatus> MarkNodesDown(const resources::ObjectStatus& previous,
                                                     const std::map<std::string, std::string>& down,
                                                     absl::Time now) {
  resources::ObjectStatus s = previous;
  boost::json::value* nodes = s.fields.if_contains("nodes");
  if (nodes == nullptr || !nodes->is_array()) return std::nullopt;
  std::vector<std::string> lost;
  for (boost::json::value& v : nodes->get_array()) {
    boost::json::object* n = v.if_object();
    if (n == nullptr || !n->contains("name") || !n->at("name").is_string()) continue;
    auto it = down.find(std::string(n->at("name").get_string()));
    const boost::json::value* ready = n->if_contains("ready");
    if (it == down.end() || ready == nullptr || !ready->is_bool() || !ready->get_bool()) continue;
    (*n)["ready"] = false;
    (*n)["state"] = it->second;
    lost.push_back(it->first);
  }
  if (lost.empty()) return std::nullopt;
  const boost::json::value* count = s.fields.if_contains("readyReplicas");
  const boost::json::value* replicas = s.fields.if_contains("replicas");
  if (count != nullptr && count->is_int64() && replicas != nullptr && replicas->is_int64()) {
    const int64_t ready = std::max<int64_t>(0, count->get_int64() - int64_t(lost.size()));
    s.fields["readyReplicas"] = ready;
    s.fields["ready"] = absl::StrCat(ready, "/", replicas->get_int64());
  }
  s.fields["summary"] = "Healing";
  const std::string message = absl::StrCat(absl::StrJoin(lost, ", "), " down");
  s.SetCondition({resources::kConditionReady, "False", "Healing", message, now});
  s.SetCondition({resources::kConditionReconciling, "True", "Healing", message, now});
  return s;
}

bool StatusBool(const resources::ObjectStatus* status, const char* field) {
  const boost::json::value* v = status != nullptr ? status->fields.if_contains(field) : nullptr;
  return v != nullptr && v->is_bool() && v->get_bool();
}

std::string StatusString(const resources::ObjectStatus* status, const char* field) {
  const boost::json::value* v = status != nullptr ? status->fields.if_contains(field) : nullptr;
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

}  // namespace nxt::galera
