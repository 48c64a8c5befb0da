// GaleraClusterReconciler: carrying out one planned action against Docker.
#include <boost/json.hpp>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "controllers/common/adoption.h"
#include "controllers/common/cached_container.h"
#include "controllers/common/owner.h"
#include "controllers/galeracluster/galera_reconciler.h"
#include "controllers/galeracluster/recovery.h"
#include "controllers/galeracluster/render.h"
#include "controllers/galeracluster/start_script.h"

namespace nxt::galera {

absl::Status GaleraClusterReconciler::Act(Round& r, const Action& a) {
  using Type = Action::Type;
  const std::string name = a.name.empty() && a.ordinal >= 0 ? NodeName(r.key, a.ordinal) : a.name;
  const NodeMode desired_mode = r.spec.replicas == 1 ? NodeMode::kBootstrap : NodeMode::kJoin;
  switch (a.type) {
    case Type::kBootstrap:
      return Bootstrap(r);
    case Type::kProvision:
      NXT_RETURN_IF_ERROR(admin_.Provision(name, ProvisionSql(r.spec, r.passwords)));
      r.applied_provision_hash = r.provision_hash;
      r.plan.provisioned = true;
      Event(r.key, "Normal", "Provisioned",
            absl::StrCat(r.spec.database.empty() ? "" : "database " + r.spec.database + ", ",
                         "users and passwords set through ", name));
      return absl::OkStatus();
    case Type::kJoin:
      NXT_RETURN_IF_ERROR(DisarmBootstrapNodes(r));
      NXT_RETURN_IF_ERROR(WriteMemberConfigs(r));
      NXT_RETURN_IF_ERROR(CreateNode(r, a.ordinal, desired_mode));
      Event(r.key, "Normal", "Joining", absl::StrCat(name, " joins the cluster (", a.reason, ")"));
      return StartNode(name);
    case Type::kStart:
      Event(r.key, "Normal", "Starting", a.Describe());
      // A node nxtd created but never started (it stopped in between) may lack its
      // files. One that ran has them: the config hash covers all but the member list,
      // which WriteMemberConfigs keeps current; not writing them again saves seconds of
      // a killed node's way back on a loaded engine.
      if (NeverStarted(r, a.ordinal)) {
        NXT_RETURN_IF_ERROR(WriteNodeFiles(r, a.ordinal, name));
      }
      return StartNode(name);
    case Type::kRestart:
      Event(r.key, "Warning", "Healing", a.Describe());
      NXT_RETURN_IF_ERROR(StopNode(name));
      NXT_RETURN_IF_ERROR(WriteNodeFiles(r, a.ordinal, name));  // the current member list
      return StartNode(name);
    case Type::kReplace:
      Event(r.key, "Normal", "Replacing", a.Describe());
      // Network and volume first: when one is refused, the running node stays.
      NXT_RETURN_IF_ERROR(EnsureNodePrerequisites(r, a.ordinal));
      NXT_RETURN_IF_ERROR(RemoveNode(name));
      NXT_RETURN_IF_ERROR(CreateNode(r, a.ordinal, desired_mode));
      return StartNode(name);
    case Type::kLeave:
      Event(r.key, "Normal", "Leaving",
            absl::StrCat(name, " leaves the cluster; its volume stays"));
      NXT_RETURN_IF_ERROR(RemoveNode(name));
      return WriteMemberConfigs(r);
    case Type::kStopForRecovery:
      Event(r.key, "Warning", "StoppingForRecovery", a.Describe());
      return StopNode(name);
    case Type::kRecover:
      return Recover(r);
    case Type::kWait:
      return absl::OkStatus();
    case Type::kRemove:
      return RemoveNode(name);
    case Type::kRemoveNetwork: {
      absl::Status s =
          docker_.RemoveNetwork(controllers::NetworkName(r.key.namespace_, r.key.name));
      return absl::IsNotFound(s) ? absl::OkStatus() : s;
    }
    case Type::kRemoveVolume: {
      absl::Status s = docker_.RemoveVolume(a.name);
      return absl::IsNotFound(s) ? absl::OkStatus() : s;
    }
  }
  return absl::InternalError("unknown action");
}

absl::Status GaleraClusterReconciler::Bootstrap(Round& r) {
  NXT_RETURN_IF_ERROR(controllers::EnsureOwnedNetwork(
      docker_, controllers::NetworkName(r.key.namespace_, r.key.name),
      controllers::OwnerLabels(r.key, kNetworkRole)));
  bool initialised = false;
  NXT_RETURN_IF_ERROR(admin_.InitDataDir(r.key, r.spec, 0, &initialised));
  // Recorded before anything can start: a cluster is bootstrapped as new only once.
  NXT_RETURN_IF_ERROR(WriteMarker(r.key));
  r.bootstrapped_now = true;
  r.plan.bootstrapped = true;
  if (!initialised) {
    // The volume already holds a database (an object deleted with Retain and applied
    // again): never start it as a new cluster; the outage recovery decides from grastate.
    Event(r.key, "Warning", "ExistingData",
          absl::StrCat(DataVolume(r.key, 0),
                       " already holds a database; recovering from the "
                       "volumes instead of bootstrapping a new cluster"));
    return absl::OkStatus();
  }
  NXT_RETURN_IF_ERROR(CreateNode(r, 0, NodeMode::kBootstrap));
  Event(r.key, "Normal", "Bootstrapped",
        absl::StrCat(NodeName(r.key, 0), " bootstraps a new cluster (once, at creation)"));
  return StartNode(NodeName(r.key, 0));
}

absl::Status GaleraClusterReconciler::DisarmBootstrapNodes(Round& r) {
  for (const ObservedNode& n : r.plan.nodes) {
    if (!n.bootstrap_mode) continue;
    // A single node in bootstrap mode restarts by itself (unless-stopped). Once it has
    // peers, restarting with --wsrep-new-cluster would start a second cluster: from now
    // on only the controller brings it back, in join mode (docker update, no restart).
    absl::Status s = docker_.SetRestartPolicy(n.name, "no");
    if (!s.ok() && !absl::IsNotFound(s)) return s;
  }
  return absl::OkStatus();
}

absl::Status GaleraClusterReconciler::EnsureNodePrerequisites(Round& r, int ordinal) {
  NXT_RETURN_IF_ERROR(controllers::EnsureOwnedNetwork(
      docker_, controllers::NetworkName(r.key.namespace_, r.key.name),
      controllers::OwnerLabels(r.key, kNetworkRole)));
  return controllers::EnsureOwnedVolume(docker_, DataVolume(r.key, ordinal),
                                        controllers::OwnerLabels(r.key, kVolumeRole, ordinal));
}

absl::Status GaleraClusterReconciler::CreateNode(Round& r, int ordinal, NodeMode mode) {
  const std::string name = NodeName(r.key, ordinal);
  NXT_RETURN_IF_ERROR(EnsureNodePrerequisites(r, ordinal));
  absl::Status created =
      docker_.CreateContainer(RenderNode(r.key, r.spec, ordinal, mode, r.config_hash)).status();
  if (absl::IsAlreadyExists(created)) {
    return controllers::AdoptOrRefuse(docker_, cache_, r.key, name, created);
  }
  if (!created.ok()) return created;
  NXT_RETURN_IF_ERROR(WriteNodeFiles(r, ordinal, name));
  controllers::RefreshCached(docker_, cache_, name, name);
  return absl::OkStatus();
}

absl::Status GaleraClusterReconciler::WriteNodeFiles(Round& r, int ordinal,
                                                     const std::string& name) {
  NXT_RETURN_IF_ERROR(
      docker_.PutFile(name, kConfigPath, RenderMyCnf(r.key, r.spec, ordinal), 0644));
  NXT_RETURN_IF_ERROR(docker_.PutFile(name, kStartScriptPath, RenderStartScript(), 0755));
  NXT_RETURN_IF_ERROR(
      docker_.PutFile(name, kHealthConfigPath, RenderHealthCnf(r.passwords.health), 0600));
  return docker_.PutFile(name, kSstConfigPath, RenderSstCnf(r.passwords.sst), 0600);
}

bool GaleraClusterReconciler::NeverStarted(const Round& r, int ordinal) {
  for (const ObservedNode& n : r.plan.nodes) {
    if (n.ordinal == ordinal) return n.state == "created";
  }
  return true;
}

absl::Status GaleraClusterReconciler::WriteMemberConfigs(Round& r) {
  for (const ObservedNode& n : r.plan.nodes) {
    if (n.ordinal < 0 || n.ordinal >= r.spec.replicas) continue;
    absl::Status s =
        docker_.PutFile(n.name, kConfigPath, RenderMyCnf(r.key, r.spec, n.ordinal), 0644);
    if (!s.ok() && !absl::IsNotFound(s)) return Annotate(s, absl::StrCat("my.cnf of ", n.name));
  }
  return absl::OkStatus();
}

absl::Status GaleraClusterReconciler::StartNode(const std::string& name) {
  NXT_RETURN_IF_ERROR(docker_.StartContainer(name));
  controllers::RefreshCached(docker_, cache_, name, name);
  return absl::OkStatus();
}

absl::Status GaleraClusterReconciler::StopNode(const std::string& name) {
  absl::Status s = docker_.StopContainer(name, options_.stop_timeout);
  if (!s.ok() && !absl::IsNotFound(s)) return s;
  controllers::RefreshCached(docker_, cache_, name, name);
  return absl::OkStatus();
}

absl::Status GaleraClusterReconciler::RemoveNode(const std::string& name) {
  NXT_RETURN_IF_ERROR(StopNode(name));
  absl::Status s = docker_.RemoveContainer(name, true);
  if (!s.ok() && !absl::IsNotFound(s)) return s;
  cache_.Erase(name);
  return absl::OkStatus();
}

absl::Status GaleraClusterReconciler::Recover(Round& r) {
  std::vector<NodeRecoveryInfo> infos;
  for (int i = 0; i < r.spec.replicas; ++i) {
    NXT_ASSIGN_OR_RETURN(NodeRecoveryInfo info, admin_.Inspect(r.key, r.spec, i));
    infos.push_back(info);
  }
  boost::json::array nodes;
  for (const NodeRecoveryInfo& n : infos) {
    std::string why = n.Ineligibility();
    nodes.push_back({{"name", NodeName(r.key, n.ordinal)},
                     {"seqno", n.Seqno()},
                     {"recovered", n.recovered},
                     {"safeToBootstrap", n.grastate.safe_to_bootstrap},
                     {"eligible", why.empty()},
                     {"reason", why}});
  }
  absl::StatusOr<RecoveryDecision> decision = DecideRecovery(infos, r.key.name + "-");
  boost::json::object record{{"time", resources::FormatTimestamp(clock_.Now())},
                             {"nodes", std::move(nodes)}};
  if (!decision.ok()) {
    record["chosen"] = "";
    record["reason"] = std::string(decision.status().message());
    r.recovery = std::move(record);
    Event(r.key, "Warning", "RecoveryRefused", std::string(decision.status().message()));
    return decision.status();
  }
  const std::string chosen = NodeName(r.key, decision->chosen);
  record["chosen"] = chosen;
  record["seqno"] = decision->seqno;
  record["reason"] = decision->reason;
  r.recovery = std::move(record);
  Event(r.key, "Warning", "Recovering",
        absl::StrCat("total outage: bootstrapping ", chosen, " because ", decision->reason));
  // Every other node first, so none of them can bootstrap a second cluster.
  for (const NodeRecoveryInfo& n : infos) {
    if (n.ordinal != decision->chosen && n.grastate_present) {
      NXT_RETURN_IF_ERROR(admin_.SetSafeToBootstrap(r.key, r.spec, n.ordinal, false));
    }
  }
  NXT_RETURN_IF_ERROR(admin_.SetSafeToBootstrap(r.key, r.spec, decision->chosen, true));
  NXT_RETURN_IF_ERROR(EnsureNodePrerequisites(r, decision->chosen));
  NXT_RETURN_IF_ERROR(RemoveNode(chosen));
  NXT_RETURN_IF_ERROR(CreateNode(r, decision->chosen, NodeMode::kBootstrap));
  return StartNode(chosen);
}

}  // namespace nxt::galera
