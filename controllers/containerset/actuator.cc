#include "controllers/containerset/actuator.h"

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
#include "controllers/containerset/host_paths.h"

namespace nxt::containerset {

Actuator::Actuator(docker::DockerClient& docker, docker::ContainerCache& cache,
                   reconciler::Store& store, ActuatorContext context)
    : docker_(docker), cache_(cache), store_(store), context_(std::move(context)) {}

ActuatorOutcome Actuator::Run(const std::vector<Action>& actions) {
  ActuatorOutcome outcome;
  absl::Mutex mu;
  int failures = 0;
  auto record = [&](absl::Status s) {
    absl::MutexLock lock(&mu);
    if (s.ok()) return;
    if (failures++ == 0) outcome.error = std::move(s);
  };
  size_t i = 0;
  while (i < actions.size()) {
    if (actions[i].type != Action::Type::kCreate) {
      absl::Status s = Do(actions[i], outcome);
      const bool prerequisite_failed =
          !s.ok() && (actions[i].type == Action::Type::kEnsureNetwork ||
                      actions[i].type == Action::Type::kEnsureVolume);
      record(std::move(s));
      ++i;
      // Containers cannot be created without their network or volumes: stop the round
      // instead of leaving members stuck in "created".
      if (prerequisite_failed) break;
      continue;
    }
    size_t end = i;
    while (end < actions.size() && actions[end].type == Action::Type::kCreate) ++end;
    std::vector<ActuatorOutcome> parts(end - i);
    ParallelFor(end - i, context_.parallelism,
                [&](size_t k) { record(Do(actions[i + k], parts[k])); });
    for (ActuatorOutcome& p : parts) {
      outcome.changes += p.changes;
      if (outcome.refused.ok()) outcome.refused = p.refused;
      outcome.start_failures.insert(outcome.start_failures.end(), p.start_failures.begin(),
                                    p.start_failures.end());
    }
    i = end;
  }
  if (failures > 1) {
    absl::Status first = std::move(outcome.error);
    outcome.error = absl::Status(first.code(), absl::StrCat(first.message(), " (and ", failures - 1,
                                                            " more failed actions)"));
    first.ForEachPayload([&outcome](absl::string_view url, const absl::Cord& payload) {
      outcome.error.SetPayload(url, payload);
    });
  }
  return outcome;
}

absl::Status Actuator::Do(const Action& a, ActuatorOutcome& outcome) {
  using T = Action::Type;
  const resources::ObjectKey& key = context_.key;
  bool start_failed = false;
  absl::Status s;
  std::string reason;
  std::string message;
  switch (a.type) {
    case T::kWaitFor:
      return absl::OkStatus();
    case T::kEnsureNetwork:
      s = EnsureNetworks(a.name);
      break;
    case T::kEnsureVolume:
      s = controllers::EnsureOwnedVolume(docker_, a.name,
                                         controllers::OwnerLabels(key, kVolumeRole, a.ordinal));
      break;
    case T::kCreate:
      s = Annotate(CheckHostPaths(outcome), a.Describe());
      if (s.ok()) s = CreateAndStart(a.ordinal, &start_failed);
      reason = "Created";
      message = absl::StrCat("created container ", a.name);
      break;
    case T::kStart:
      s = Start(a.name, &start_failed);
      reason = "Started";
      message = absl::StrCat("started container ", a.name);
      break;
    case T::kReplace:
      s = Annotate(CheckHostPaths(outcome), a.Describe());
      if (s.ok()) s = Remove(a.name);
      if (s.ok()) s = CreateAndStart(a.ordinal, &start_failed);
      reason = "Replaced";
      message = absl::StrCat("replaced container ", a.name, " (config changed)");
      break;
    case T::kRemove:
      s = Remove(a.name);
      reason = "Removed";
      message = absl::StrCat("removed container ", a.name);
      break;
    case T::kRemoveNetwork:
      s = docker_.RemoveNetwork(a.name);
      if (absl::IsNotFound(s)) s = absl::OkStatus();
      s = Annotate(s, absl::StrCat("remove network ", a.name));
      reason = "Removed";
      message = absl::StrCat("removed network ", a.name);
      break;
    case T::kRemoveVolume:
      s = docker_.RemoveVolume(a.name);
      if (absl::IsNotFound(s)) s = absl::OkStatus();
      s = Annotate(s, absl::StrCat("remove volume ", a.name));
      reason = "Removed";
      message = absl::StrCat("removed volume ", a.name);
      break;
  }
  if (start_failed) {
    outcome.start_failures.push_back(a.name);
    s = absl::UnavailableError(absl::StrCat("start ", a.name, ": exited right after start"));
  }
  if (!s.ok()) {
    Event("Warning", start_failed ? "StartFailed" : "ReconcileError", std::string(s.message()));
    Log(LogLevel::kWarning, "containerset", "action failed",
        {{"object", key.NamespacedName()}, {"action", a.Describe()}, {"error", s.ToString()}});
    return s;
  }
  if (!reason.empty()) {
    ++outcome.changes;
    Event("Normal", reason, message);
    Log(LogLevel::kInfo, "containerset", message, {{"object", key.NamespacedName()}});
  }
  return absl::OkStatus();
}

absl::Status Actuator::CheckHostPaths(ActuatorOutcome& outcome) {
  if (context_.spec == nullptr) return absl::OkStatus();
  absl::Status s = VerifyHostPaths(*context_.spec, context_.render.allowed_host_path_roots);
  if (!s.ok() && outcome.refused.ok()) outcome.refused = s;
  return s;
}

absl::Status Actuator::EnsureNetworks(const std::string& own) {
  NXT_RETURN_IF_ERROR(controllers::EnsureOwnedNetwork(
      docker_, own, controllers::OwnerLabels(context_.key, kNetworkRole)));
  if (context_.spec == nullptr) return absl::OkStatus();
  // Checked before any member joins them; errors start with the field path.
  for (size_t i = 0; i < context_.spec->networks.size(); ++i) {
    NXT_RETURN_IF_ERROR(controllers::CheckJoinableNetwork(
        docker_, context_.key, context_.spec->networks[i], absl::StrCat("spec.networks[", i, "]")));
  }
  return absl::OkStatus();
}

absl::Status Actuator::CreateAndStart(int ordinal, bool* start_failed) {
  const std::string name = controllers::ContainerName(context_.key.name, ordinal);
  if (context_.spec == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("create ", name, ": no spec"));
  }
  NXT_ASSIGN_OR_RETURN(docker::ContainerSpec spec,
                       Render(context_.key, *context_.spec, ordinal, context_.render));
  absl::StatusOr<std::string> id = docker_.CreateContainer(spec);
  if (!id.ok()) {
    if (absl::IsAlreadyExists(id.status()))
      return controllers::AdoptOrRefuse(docker_, cache_, context_.key, name, id.status());
    return Annotate(id.status(), absl::StrCat("create ", name));
  }
  absl::Status started = docker_.StartContainer(*id);
  std::optional<std::string> state = controllers::RefreshCached(docker_, cache_, *id, name);
  if (!started.ok()) return Annotate(started, absl::StrCat("start ", name));
  *start_failed = state.has_value() && *state != "running" && *state != "restarting";
  return absl::OkStatus();
}

absl::Status Actuator::Start(const std::string& name, bool* start_failed) {
  absl::Status started = docker_.StartContainer(name);
  std::optional<std::string> state = controllers::RefreshCached(docker_, cache_, name, name);
  // NotFound counts as gone only when the container itself is gone: Docker also answers
  // 404 for a start whose network is missing, which must surface as an error.
  if ((absl::IsNotFound(started) && !state.has_value()) ||
      absl::StrContains(std::string(started.message()), "marked for removal")) {
    // Removed behind our back while we acted (`docker rm -f` kills, then destroys): its
    // destroy event brings the set back here to create it again. Not an error.
    return absl::OkStatus();
  }
  if (!started.ok() && StaleInEngine(started)) {
    // The engine kept a task or a network endpoint of this container across its own
    // restart and refuses every start of it. A member holds nothing of its own outside
    // its volumes (kept), so it is removed here and created again by the next round.
    Event("Warning", "Recreating",
          absl::StrCat("the engine cannot start ", name, " (", started.message(),
                       "); removing it to create it again, volumes kept"));
    NXT_RETURN_IF_ERROR(Remove(name));
  }
  if (!started.ok()) return Annotate(started, absl::StrCat("start ", name));
  *start_failed = state.has_value() && *state != "running" && *state != "restarting";
  return absl::OkStatus();
}

bool Actuator::StaleInEngine(const absl::Status& start_error) {
  const std::string message(start_error.message());
  return (absl::StrContains(message, "task ") && absl::StrContains(message, "already exists")) ||
         (absl::StrContains(message, "endpoint with name") &&
          absl::StrContains(message, "already exists in network"));
}

absl::Status Actuator::Remove(const std::string& name) {
  absl::Status stopped = docker_.StopContainer(name, context_.stop_timeout);
  if (!stopped.ok() && !absl::IsNotFound(stopped)) {
    return Annotate(stopped, absl::StrCat("remove ", name));
  }
  absl::Status removed = docker_.RemoveContainer(name, /*force=*/true);
  if (!removed.ok() && !absl::IsNotFound(removed)) {
    return Annotate(removed, absl::StrCat("remove ", name));
  }
  cache_.Erase(name);
  return absl::OkStatus();
}

void Actuator::Event(const std::string& type, const std::string& reason,
                     const std::string& message) {
  // Best effort: the store logs a refused write, and the status says the same.
  if (context_.record_events) (void)store_.RecordEvent(context_.key, type, reason, message);
}

}  // namespace nxt::containerset
