#include "controllers/common/member_actuator.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/logging.h"
#include "common/parallel.h"
#include "common/status_macros.h"
#include "controllers/common/adoption.h"
#include "controllers/common/cached_container.h"
#include "controllers/common/owner.h"

namespace nxt::controllers {
namespace {

using T = MemberAction::Type;

// CamelCase event reason of a successful action.
const char* Reason(T type) {
  switch (type) {
    case T::kCreate:
      return "Created";
    case T::kStart:
      return "Started";
    case T::kReplace:
      return "Replaced";
    case T::kRemove:
      return "Removed";
    case T::kWait:
      break;
  }
  return "";
}

absl::Status IgnoreNotFound(absl::Status s) { return absl::IsNotFound(s) ? absl::OkStatus() : s; }

}  // namespace

MemberActuator::MemberActuator(docker::DockerClient& docker, docker::ContainerCache& cache,
                               reconciler::Store& store, resources::ObjectKey key, Options options)
    : docker_(docker),
      cache_(cache),
      store_(store),
      key_(std::move(key)),
      options_(std::move(options)) {}

MemberOutcome MemberActuator::Run(const std::vector<MemberAction>& actions,
                                  const std::map<std::string, RenderedMember>& members) {
  MemberOutcome outcome;
  absl::Mutex mu;
  auto record = [&](const MemberAction& a, absl::Status s) {
    absl::MutexLock lock(&mu);
    if (s.ok()) {
      outcome.changes += a.type != T::kWait;
    } else if (outcome.error.ok()) {
      outcome.error = std::move(s);
    }
  };
  std::vector<const MemberAction*> creates;
  for (const MemberAction& a : actions) {
    if (a.type == T::kCreate) creates.push_back(&a);
  }
  // The owner's network first, alone: without it no create can succeed, so a failure
  // ends the creates of this round with one error instead of one per member.
  absl::Status network;
  for (const MemberAction* a : creates) {
    auto it = members.find(a->name);
    if (it == members.end()) continue;
    network = Annotate(EnsureNetwork(it->second.spec), a->Describe());
    break;
  }
  if (network.ok()) {
    ParallelFor(creates.size(), options_.parallelism,
                [&](size_t i) { record(*creates[i], Do(*creates[i], members)); });
  } else {
    Event("Warning", "ReconcileError", std::string(network.message()));
    record(*creates.front(), network);
  }
  for (const MemberAction& a : actions) {
    if (a.type != T::kCreate && a.type != T::kWait) record(a, Do(a, members));
  }
  absl::MutexLock lock(&refused_mu_);
  outcome.refused = refused_;
  return outcome;
}

absl::Status MemberActuator::Do(const MemberAction& a,
                                const std::map<std::string, RenderedMember>& members) {
  absl::Status s;
  auto rendered = [&]() -> const RenderedMember* {
    auto it = members.find(a.name);
    return it == members.end() ? nullptr : &it->second;
  };
  switch (a.type) {
    case T::kCreate:
    case T::kReplace: {
      const RenderedMember* member = rendered();
      if (member == nullptr) {
        s = absl::InternalError("no rendered container of that name");
        break;
      }
      // Host paths, network and volumes before the remove: when one is refused, the
      // member stays.
      s = BeforeCreate(member->spec);
      if (s.ok()) s = EnsurePrerequisites(member->spec);
      if (s.ok() && a.type == T::kReplace) s = Remove(a.name);
      if (s.ok()) s = CreateAndStart(*member);
      break;
    }
    case T::kStart:
      s = Start(a.name);
      break;
    case T::kRemove:
      s = Remove(a.name);
      break;
    case T::kWait:
      return absl::OkStatus();
  }
  if (!s.ok()) {
    s = Annotate(s, a.Describe());
    Event("Warning", "ReconcileError", std::string(s.message()));
    Log(LogLevel::kWarning, options_.component, "action failed",
        {{"object", key_.NamespacedName()}, {"action", a.Describe()}, {"error", s.ToString()}});
    return s;
  }
  Event("Normal", Reason(a.type), a.Describe());
  Log(LogLevel::kInfo, options_.component, a.Describe(), {{"object", key_.NamespacedName()}});
  return absl::OkStatus();
}

absl::Status MemberActuator::EnsureNetwork(const docker::ContainerSpec& spec) {
  absl::MutexLock lock(&networks_mu_);
  const std::string own_network = NetworkName(key_.namespace_, key_.name);
  for (const std::string& network : spec.networks) {
    // Others are the user's to provide.
    if (network != own_network || networks_ensured_.contains(network)) continue;
    NXT_RETURN_IF_ERROR(EnsureOwnedNetwork(docker_, network, OwnerLabels(key_, kNetworkRole)));
    networks_ensured_.insert(network);
  }
  return absl::OkStatus();
}

absl::Status MemberActuator::EnsurePrerequisites(const docker::ContainerSpec& spec) {
  NXT_RETURN_IF_ERROR(EnsureNetwork(spec));
  std::optional<int> ordinal = OrdinalOf(spec.labels);
  for (const docker::Mount& m : spec.mounts) {
    if (m.type != docker::Mount::Type::kVolume) continue;
    NXT_RETURN_IF_ERROR(
        EnsureOwnedVolume(docker_, m.source, OwnerLabels(key_, kVolumeRole, ordinal)));
  }
  return absl::OkStatus();
}

absl::Status MemberActuator::BeforeCreate(const docker::ContainerSpec& spec) {
  if (!options_.before_create) return absl::OkStatus();
  absl::Status s = options_.before_create(spec);
  if (!s.ok()) {
    absl::MutexLock lock(&refused_mu_);
    if (refused_.ok()) refused_ = s;
  }
  return s;
}

absl::Status MemberActuator::CreateAndStart(const RenderedMember& member) {
  const std::string& name = member.spec.name;
  absl::StatusOr<std::string> id = docker_.CreateContainer(member.spec);
  if (!id.ok()) {
    if (absl::IsAlreadyExists(id.status()))
      return AdoptOrRefuse(docker_, cache_, key_, name, id.status());
    return Annotate(id.status(), absl::StrCat("create ", name));
  }
  for (const MemberFile& f : member.files) {
    absl::Status put = docker_.PutFile(*id, f.path, f.content, f.mode);
    if (!put.ok()) {
      // A member without its config must not start; the next round creates it again.
      (void)docker_.RemoveContainer(*id, /*force=*/true);
      return Annotate(put, absl::StrCat("write ", f.path, " into ", name));
    }
  }
  absl::Status started = docker_.StartContainer(*id);
  RefreshCached(docker_, cache_, *id, name);
  return Annotate(started, absl::StrCat("start ", name));
}

absl::Status MemberActuator::Start(const std::string& name) {
  absl::Status started = docker_.StartContainer(name);
  std::optional<std::string> state = RefreshCached(docker_, cache_, name, name);
  // Removed behind our back meanwhile (`docker rm -f` kills, then destroys: a start in
  // between meets "marked for removal"): its destroy event brings the owner back here.
  if ((absl::IsNotFound(started) && !state.has_value()) ||
      absl::StrContains(std::string(started.message()), "marked for removal")) {
    return absl::OkStatus();
  }
  return Annotate(started, absl::StrCat("start ", name));
}

absl::Status MemberActuator::Remove(const std::string& name) {
  absl::Status stopped = IgnoreNotFound(docker_.StopContainer(name, options_.stop_timeout));
  NXT_RETURN_IF_ERROR(Annotate(stopped, absl::StrCat("stop ", name)));
  absl::Status removed = IgnoreNotFound(docker_.RemoveContainer(name, /*force=*/true));
  NXT_RETURN_IF_ERROR(Annotate(removed, absl::StrCat("remove ", name)));
  cache_.Erase(name);
  return absl::OkStatus();
}

absl::Status MemberActuator::Teardown(bool delete_volumes) {
  const docker::LabelSelector owned = OwnerSelector(key_);
  absl::Status first;
  auto keep = [&first](absl::Status s) {
    if (!s.ok() && first.ok()) first = std::move(s);
  };
  for (const docker::ContainerSummary& c : cache_.List(owned)) {
    absl::Status s = Remove(c.name);
    if (s.ok()) Event("Normal", "Removed", absl::StrCat("remove ", c.name));
    keep(s);
  }
  // A container left behind keeps its network and volumes busy: try again next round.
  NXT_RETURN_IF_ERROR(first);
  NXT_ASSIGN_OR_RETURN(std::vector<docker::NetworkInfo> networks, docker_.ListNetworks(owned));
  for (const docker::NetworkInfo& n : networks) {
    // By id: a name the Engine holds twice is ambiguous.
    keep(Annotate(IgnoreNotFound(docker_.RemoveNetwork(n.id.empty() ? n.name : n.id)),
                  absl::StrCat("remove network ", n.name)));
  }
  if (delete_volumes) {
    NXT_ASSIGN_OR_RETURN(std::vector<docker::VolumeInfo> volumes, docker_.ListVolumes(owned));
    for (const docker::VolumeInfo& v : volumes) {
      absl::Status s = Annotate(IgnoreNotFound(docker_.RemoveVolume(v.name)),
                                absl::StrCat("remove volume ", v.name));
      if (s.ok()) Event("Normal", "VolumeRemoved", absl::StrCat("remove volume ", v.name));
      keep(s);
    }
  }
  return first;
}

void MemberActuator::Event(const std::string& type, const std::string& reason,
                           const std::string& message) {
  // Best effort: the store logs a refused write, and the status says the same.
  if (options_.record_events) (void)store_.RecordEvent(key_, type, reason, message);
}

}  // namespace nxt::controllers
