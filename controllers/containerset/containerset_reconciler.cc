#include "controllers/containerset/containerset_reconciler.h"

#include <utility>

#include "common/status_macros.h"
#include "controllers/common/adoption.h"
#include "controllers/common/host_path.h"
#include "controllers/common/owner.h"
#include "controllers/containerset/actuator.h"
#include "controllers/containerset/render.h"
#include "controllers/containerset/status.h"

namespace nxt::containerset {
namespace {

std::string LabelOr(const std::map<std::string, std::string>& labels, const char* key) {
  auto it = labels.find(key);
  return it == labels.end() ? std::string() : it->second;
}

}  // namespace

ContainerSetReconciler::ContainerSetReconciler(const controllers::KindDeps& deps, Options options)
    : KindReconciler(deps, "containerset"),
      render_{deps.allowed_host_path_roots},
      options_(std::move(options)) {}

std::optional<resources::ObjectKey> ContainerSetReconciler::OwnerKeyForEvent(
    const docker::Event& event) {
  return controllers::OwnerKeyForEvent(event);
}

absl::StatusOr<Desired> ContainerSetReconciler::Desire(const resources::Object& object) {
  const resources::ObjectKey key = object.Key();
  Desired d;
  NXT_ASSIGN_OR_RETURN(d.spec, resources::DecodeContainerSetSpec(object.spec));
  NXT_ASSIGN_OR_RETURN(d.state.config_hash, ConfigHashOf(key, d.spec, render_));
  d.state.namespace_ = key.namespace_;
  d.state.name = key.name;
  d.state.replicas = d.spec.replicas;
  d.state.volume_purposes = VolumePurposes(d.spec);
  d.state.suspend = d.spec.suspend;
  d.state.delete_volumes = d.spec.deletion_policy == resources::DeletionPolicy::kDelete;
  return d;
}

ObservedState ContainerSetReconciler::Observe(const resources::ObjectKey& key) const {
  ObservedState o;
  for (const docker::ContainerSummary& c : cache_.List(controllers::OwnerSelector(key))) {
    ObservedMember m;
    m.name = c.name;
    if (LabelOr(c.labels, docker::kLabelRole) == kMemberRole) {
      m.ordinal = controllers::OrdinalOf(c.labels).value_or(-1);
    }
    m.config_hash = LabelOr(c.labels, docker::kLabelConfigHash);
    m.state = c.state;
    m.health = c.Health();
    o.members.push_back(std::move(m));
  }
  return o;
}

absl::StatusOr<reconciler::Result> ContainerSetReconciler::Converge(const resources::Object& object,
                                                                    Desired desired) {
  const resources::ObjectKey key = object.Key();
  std::vector<Action> actions = Plan(desired.state, Observe(key));
  ActuatorOutcome outcome;
  if (!actions.empty()) {
    Actuator actuator(
        docker_, cache_, store_,
        {key, &desired.spec, render_, options_.stop_timeout, options_.create_parallelism, true});
    outcome = actuator.Run(actions);
  }
  ObservedState after = Observe(key);
  std::optional<resources::ObjectStatus> previous = store_.GetStatus(key);
  StatusInput in;
  in.generation = object.metadata.generation;
  in.desired = &desired.state;
  in.observed = &after;
  in.start_failures = outcome.start_failures;
  in.error = outcome.error;
  in.now = clock_.Now();
  in.previous = previous.has_value() ? &*previous : nullptr;
  const absl::Status written = store_.UpdateStatus(key, BuildStatus(in));

  if (!outcome.refused.ok()) {
    // A host path that no longer resolves cleanly (a symlink swapped in after apply):
    // terminal until the object changes; what runs stays as it is.
    return controllers::Refused(controllers::kReasonHostPathRefused, outcome.refused);
  }
  if (!outcome.error.ok()) return outcome.error;
  NXT_RETURN_IF_ERROR(Annotate(written, "write status"));
  if (desired.state.suspend || Converged(desired.state, after)) return reconciler::Result{};
  return reconciler::Result{.requeue_after = outcome.changes > 0 ? options_.requeue_after_change
                                                                 : options_.requeue_while_waiting};
}

absl::StatusOr<reconciler::Result> ContainerSetReconciler::Teardown(
    const resources::ObjectKey& key, const resources::Object* object) {
  DesiredState d;
  d.namespace_ = key.namespace_;
  d.name = key.name;
  d.deleting = true;
  if (object != nullptr) {
    absl::StatusOr<resources::ContainerSetSpec> spec =
        resources::DecodeContainerSetSpec(object->spec);
    // An undecodable spec keeps its volumes: data is only deleted when asked in writing.
    d.delete_volumes = spec.ok() && spec->deletion_policy == resources::DeletionPolicy::kDelete;
  }
  ObservedState o = Observe(key);
  if (object == nullptr && o.members.empty()) return reconciler::Result{};  // nothing left
  const docker::LabelSelector selector = controllers::OwnerSelector(key);
  NXT_ASSIGN_OR_RETURN(std::vector<docker::NetworkInfo> networks, docker_.ListNetworks(selector));
  const std::string network = controllers::NetworkName(key.namespace_, key.name);
  for (const docker::NetworkInfo& n : networks) o.network_present |= n.name == network;
  if (d.delete_volumes) {
    NXT_ASSIGN_OR_RETURN(std::vector<docker::VolumeInfo> volumes, docker_.ListVolumes(selector));
    for (const docker::VolumeInfo& v : volumes) o.volumes.push_back(v.name);
  }
  Actuator actuator(docker_, cache_, store_,
                    {key, nullptr, render_, options_.stop_timeout, options_.create_parallelism,
                     object != nullptr});
  ActuatorOutcome outcome = actuator.Run(Plan(d, o));
  NXT_RETURN_IF_ERROR(outcome.error);
  if (object != nullptr) store_.Finalize(key);
  return reconciler::Result{};
}

absl::StatusOr<std::vector<std::string>> ContainerSetReconciler::DescribePlan(
    const resources::Object& object) {
  NXT_ASSIGN_OR_RETURN(Desired desired, Desire(object));
  std::vector<std::string> out;
  for (const Action& a : Plan(desired.state, Observe(object.Key()))) {
    if (a.type != Action::Type::kWaitFor && a.type != Action::Type::kEnsureNetwork &&
        a.type != Action::Type::kEnsureVolume) {
      out.push_back(a.Describe());
    }
  }
  return out;
}

}  // namespace nxt::containerset
