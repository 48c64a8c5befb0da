#include "controllers/rediscluster/actuator.h"

#include <atomic>
#include <thread>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "controllers/common/adoption.h"
#include "controllers/common/cached_container.h"
#include "controllers/common/owner.h"
#include "controllers/rediscluster/render.h"

namespace nxt::rediscluster {
namespace {

using T = Action::Type;

bool IsContainerAction(T t) {
  return t == T::kEnsureNetwork || t == T::kEnsureVolume || t == T::kCreate || t == T::kStart ||
         t == T::kReplace || t == T::kRemove || t == T::kRemoveNetwork || t == T::kRemoveVolume;
}

// CamelCase event reasons, one per action type (kWait records nothing).
const char* Reason(T t) {
  static const char* const kReasons[] = {
      "NetworkCreated",  "VolumeCreated",  "Created",       "Started",        "Replaced",
      "Removed",         "NetworkRemoved", "VolumeRemoved", "ClusterCreated", "NodeReset",
      "MasterAdded",     "ReplicaAdded",   "FailedOver",    "SlotsDrained",   "Rebalanced",
      "NodeDeleted",     "GhostForgotten", "NodeMet",       "ReplicaMoved",   "SlotsFixed",
      "ReplicaPromoted", "Waiting"};
  return kReasons[static_cast<int>(t)];
}

}  // namespace

Actuator::Actuator(docker::DockerClient& docker, docker::ContainerCache& cache,
                   reconciler::Store& store, RedisAdmin* admin, ActuatorContext context)
    : docker_(docker), cache_(cache), store_(store), admin_(admin), context_(std::move(context)) {}

ActuatorOutcome Actuator::Run(const std::vector<Action>& actions) {
  ActuatorOutcome outcome;
  absl::Mutex mu;
  auto record = [&](const Action& a, absl::Status s) {
    absl::MutexLock lock(&mu);
    if (s.ok()) {
      outcome.changes += a.type != T::kWait;
    } else if (outcome.error.ok()) {
      outcome.error = Annotate(s, a.Describe());
    }
  };
  std::vector<const Action*> creates;
  for (const Action& a : actions) {
    if (a.type == T::kCreate) creates.push_back(&a);
  }
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < creates.size(); i = next++) record(*creates[i], Do(*creates[i]));
  };
  bool created = false;
  for (const Action& a : actions) {
    if (a.type == T::kCreate) {
      if (created) continue;
      created = true;
      std::vector<std::thread> threads;
      for (int t = 1; t < context_.parallelism && static_cast<size_t>(t) < creates.size(); ++t) {
        threads.emplace_back(worker);
      }
      worker();
      for (std::thread& t : threads) t.join();
      continue;
    }
    record(a, Do(a));
    // Creates never run without their network and volumes (Docker would make an empty,
    // unlabelled volume on the fly).
    const bool prerequisite = a.type == T::kEnsureNetwork || a.type == T::kEnsureVolume;
    if (!outcome.error.ok() && (prerequisite || !IsContainerAction(a.type))) break;
  }
  return outcome;
}

absl::Status Actuator::Do(const Action& a) {
  if (a.type == T::kWait) return absl::OkStatus();
  absl::Status s = IsContainerAction(a.type) ? Container(a) : Cluster(a);
  if (!s.ok()) {
    Event("Warning", "ReconcileError", absl::StrCat(a.Describe(), ": ", s.message()));
    Log(LogLevel::kWarning, "rediscluster", "action failed",
        {{"object", context_.key.NamespacedName()},
         {"action", a.Describe()},
         {"error", s.ToString()}});
    return s;
  }
  Event("Normal", Reason(a.type), a.Describe());
  Log(LogLevel::kInfo, "rediscluster", a.Describe(), {{"object", context_.key.NamespacedName()}});
  return absl::OkStatus();
}

absl::Status Actuator::Container(const Action& a) {
  const resources::ObjectKey& key = context_.key;
  absl::Status s;
  switch (a.type) {
    case T::kEnsureNetwork:
      return controllers::EnsureOwnedNetwork(docker_, a.name,
                                             controllers::OwnerLabels(key, kNetworkRole));
    case T::kEnsureVolume:
      return controllers::EnsureOwnedVolume(docker_, a.name,
                                            controllers::OwnerLabels(key, kVolumeRole, a.ordinal));
    case T::kCreate:
      return CreateAndStart(a.ordinal);
    case T::kStart:
      // Containers made before restart policy "no" (render.h) get it now: the engine
      // must not bring a crashed master back behind the controller's back.
      s = docker_.SetRestartPolicy(a.name, "no");
      if (!s.ok() && !absl::IsNotFound(s)) return s;
      s = docker_.StartContainer(a.name);
      controllers::RefreshCached(docker_, cache_, a.name, a.name);
      return absl::IsNotFound(s) ? absl::OkStatus() : s;
    case T::kReplace:
      // Network and volume first: when one is refused, the running node stays.
      NXT_RETURN_IF_ERROR(controllers::EnsureOwnedNetwork(
          docker_, controllers::NetworkName(key.namespace_, key.name),
          controllers::OwnerLabels(key, kNetworkRole)));
      NXT_RETURN_IF_ERROR(controllers::EnsureOwnedVolume(
          docker_, controllers::VolumeName(key.namespace_, key.name, a.ordinal, kVolumePurpose),
          controllers::OwnerLabels(key, kVolumeRole, a.ordinal)));
      NXT_RETURN_IF_ERROR(Remove(a.name));
      return CreateAndStart(a.ordinal);
    case T::kRemove:
      return Remove(a.name);
    case T::kRemoveNetwork:
      s = docker_.RemoveNetwork(a.name);
      return absl::IsNotFound(s) ? absl::OkStatus() : s;
    case T::kRemoveVolume:
      s = docker_.RemoveVolume(a.name);
      return absl::IsNotFound(s) ? absl::OkStatus() : s;
    default:
      return absl::InternalError("not a container action");
  }
}

absl::Status Actuator::Cluster(const Action& a) {
  if (admin_ == nullptr) return absl::FailedPreconditionError("no admin during teardown");
  const std::string via = a.via >= 0 ? Name(a.via) : a.name;
  std::vector<std::string> args;
  switch (a.type) {
    case T::kCreateCluster: {
      args = {"create"};
      for (int o : a.ordinals) {
        NXT_ASSIGN_OR_RETURN(std::string address, Address(o));
        args.push_back(address);
      }
      args.insert(args.end(), {"--cluster-replicas", absl::StrCat(context_.replicas_per_master),
                               "--cluster-yes"});
      return admin_->ClusterTool(via, args).status();
    }
    case T::kAddMaster:
    case T::kAddReplica: {
      NXT_ASSIGN_OR_RETURN(std::string node, Address(a.ordinal));
      NXT_ASSIGN_OR_RETURN(std::string anchor, Address(a.via));
      args = {"add-node", node, anchor};
      if (a.type == T::kAddReplica) {
        args.insert(args.end(), {"--cluster-slave", "--cluster-master-id", a.node_id});
      }
      return admin_->ClusterTool(via, args).status();
    }
    case T::kDrain:
    case T::kRebalance:
    case T::kFix: {
      NXT_ASSIGN_OR_RETURN(std::string anchor, Address(a.via));
      if (a.type == T::kFix)
        return admin_->ClusterTool(via, {"fix", anchor, "--cluster-yes"}).status();
      args = {"rebalance", anchor, "--cluster-use-empty-masters"};
      if (a.type == T::kDrain) {
        args.push_back("--cluster-weight");
        for (const std::string& id : a.node_ids) args.push_back(absl::StrCat(id, "=0"));
      }
      return admin_->ClusterTool(via, args).status();
    }
    case T::kDelNode: {
      NXT_ASSIGN_OR_RETURN(std::string anchor, Address(a.via));
      return admin_->ClusterTool(via, {"del-node", anchor, a.node_id}).status();
    }
    case T::kForget:
      return Forget(a.node_id);
    case T::kMeet: {
      NXT_ASSIGN_OR_RETURN(std::string address, Address(a.ordinal));
      std::string ip = address.substr(0, address.rfind(':'));
      return admin_->Command(via, {"CLUSTER", "MEET", ip, absl::StrCat(kRedisPort)}).status();
    }
    case T::kFailover:
      return admin_->Command(a.name, {"CLUSTER", "FAILOVER"}).status();
    case T::kPromote:
      return Promote(a);
    case T::kReplicate:
      return admin_->Command(a.name, {"CLUSTER", "REPLICATE", a.node_id}).status();
    case T::kResetNode: {
      // FLUSHALL fails on a replica (READONLY); RESET HARD then flushes it anyway.
      (void)admin_->Command(a.name, {"FLUSHALL"});
      return admin_->Command(a.name, {"CLUSTER", "RESET", "HARD"}).status();
    }
    default:
      return absl::InternalError("not a cluster action");
  }
}

absl::Status Actuator::Promote(const Action& a) {
  // The plan chose replicas that held the master's data when it looked; each is asked
  // again now (its INFO replication), and only one that still does is promoted: the one
  // with the highest replication offset. FORCE skips Redis's own data-age check.
  int best = -1;
  int64_t best_offset = -1;
  std::vector<std::string> refused;
  for (int ordinal : a.ordinals) {
    absl::StatusOr<NodeView> view = admin_->Query(Name(ordinal));
    if (!view.ok()) {
      refused.push_back(absl::StrCat(Name(ordinal), ": ", view.status().message()));
    } else if (const ClusterNode* me = view->Myself(); me->IsMaster() && me->SlotCount() > 0) {
      return absl::OkStatus();  // promoted already (an earlier round, or Redis's election)
    } else if (!HoldsMastersData(view->replication, a.down_for)) {
      refused.push_back(absl::StrCat(Name(ordinal), " does not hold its master's data"));
    } else if (view->replication.offset > best_offset) {
      best_offset = view->replication.offset;
      best = ordinal;
    }
  }
  if (best < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("no replica to promote: ", absl::StrJoin(refused, "; ")));
  }
  absl::StatusOr<std::string> out = admin_->Command(Name(best), {"CLUSTER", "FAILOVER", "FORCE"});
  // Already promoted (an earlier round, or Redis's own election): done.
  if (!out.ok() && absl::StrContains(out.status().message(), "to a replica")) {
    return absl::OkStatus();
  }
  return out.status();
}

absl::Status Actuator::Forget(const std::string& node_id) {
  absl::Status first;
  for (const docker::ContainerSummary& c : cache_.List(controllers::OwnerSelector(context_.key))) {
    if (c.state != "running" || c.labels.count(docker::kLabelOrdinal) == 0) continue;
    absl::StatusOr<std::string> out = admin_->Command(c.name, {"CLUSTER", "FORGET", node_id});
    // "Unknown node": that node forgot it already.
    if (!out.ok() && !absl::StrContains(std::string(out.status().message()), "Unknown node") &&
        first.ok()) {
      first = out.status();
    }
  }
  return first;
}

absl::Status Actuator::CreateAndStart(int ordinal) {
  const std::string name = Name(ordinal);
  if (context_.spec == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("create ", name, ": no spec"));
  }
  docker::ContainerSpec spec =
      RenderNode(context_.key, *context_.spec, ordinal, context_.config_hash);
  absl::StatusOr<std::string> id = docker_.CreateContainer(spec);
  if (!id.ok()) {
    if (absl::IsAlreadyExists(id.status())) {
      return controllers::AdoptOrRefuse(docker_, cache_, context_.key, name, id.status());
    }
    return Annotate(id.status(), absl::StrCat("create ", name));
  }
  absl::Status put =
      docker_.PutFile(*id, kConfigPath, RedisConf(*context_.spec, name, context_.password), 0600);
  if (!put.ok()) {
    docker_.RemoveContainer(*id, true).IgnoreError();  // never start without its config
    return Annotate(put, absl::StrCat("write ", kConfigPath, " into ", name));
  }
  absl::Status started = docker_.StartContainer(*id);
  controllers::RefreshCached(docker_, cache_, *id, name);
  return Annotate(started, absl::StrCat("start ", name));
}

absl::Status Actuator::Remove(const std::string& name) {
  absl::Status stopped = docker_.StopContainer(name, context_.stop_timeout);
  if (!stopped.ok() && !absl::IsNotFound(stopped)) return stopped;
  absl::Status removed = docker_.RemoveContainer(name, /*force=*/true);
  if (!removed.ok() && !absl::IsNotFound(removed)) return removed;
  cache_.Erase(name);
  return absl::OkStatus();
}

absl::StatusOr<std::string> Actuator::Address(int ordinal) {
  const std::string name = Name(ordinal);
  NXT_ASSIGN_OR_RETURN(docker::ContainerInfo info, docker_.InspectContainer(name));
  const std::string network = controllers::NetworkName(context_.key.namespace_, context_.key.name);
  auto it = info.network_ips.find(network);
  if (it == info.network_ips.end() || it->second.empty()) {
    return absl::UnavailableError(absl::StrCat(name, " has no address on ", network));
  }
  return absl::StrCat(it->second, ":", kRedisPort);
}

std::string Actuator::Name(int ordinal) const {
  return controllers::ContainerName(context_.key.name, ordinal);
}

void Actuator::Event(const std::string& type, const std::string& reason,
                     const std::string& message) {
  // Best effort: the store logs a refused write, and the status says the same.
  if (context_.record_events) (void)store_.RecordEvent(context_.key, type, reason, message);
}

}  // namespace nxt::rediscluster
