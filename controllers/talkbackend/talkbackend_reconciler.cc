#include "controllers/talkbackend/talkbackend_reconciler.h"

#include <optional>
#include <utility>

#include "common/status_macros.h"
#include "controllers/common/member_actuator.h"
#include "controllers/common/owner.h"
#include "controllers/talkbackend/status.h"

namespace nxt::talkbackend {
namespace {

constexpr char kComponent[] = "talkbackend";

std::string LabelOr(const std::map<std::string, std::string>& labels, const char* key) {
  auto it = labels.find(key);
  return it == labels.end() ? std::string() : it->second;
}

std::vector<std::string> Names(const std::vector<controllers::WantedMember>& wanted) {
  std::vector<std::string> out;
  for (const controllers::WantedMember& w : wanted) out.push_back(w.name);
  return out;
}

}  // namespace

TalkBackendReconciler::TalkBackendReconciler(const controllers::KindDeps& deps, Options options)
    : KindReconciler(deps, kComponent), options_(std::move(options)) {}

absl::StatusOr<TalkSecrets> TalkBackendReconciler::Secrets(const resources::ObjectKey& key) {
  TalkSecrets s;
  const std::pair<const char*, std::string*> wanted[] = {
      {kHashKeySecret, &s.hash_key},         {kBlockKeySecret, &s.block_key},
      {kInternalSecret, &s.internal_secret}, {kBackendSecret, &s.backend_secret},
      {kTurnSecret, &s.turn_secret},         {kTurnApiKeySecret, &s.turn_api_key}};
  for (const auto& [name, out] : wanted) {
    // The session hash key may be 32 or 64 bytes, the block key 16, 24 or 32.
    const size_t length = out == &s.hash_key ? 64 : 32;
    NXT_ASSIGN_OR_RETURN(*out, Annotate(secrets_.GetOrCreate(key, name, length), name));
  }
  return s;
}

absl::StatusOr<Desired> TalkBackendReconciler::Desire(const resources::Object& object) {
  const resources::ObjectKey key = object.Key();
  Desired d;
  NXT_ASSIGN_OR_RETURN(d.spec, resources::DecodeTalkBackendSpec(object.spec));
  NXT_ASSIGN_OR_RETURN(TalkSecrets secrets, Secrets(key));
  d.backend = RenderBackend(key, d.spec, secrets);
  return d;
}

ObservedBackend TalkBackendReconciler::Observe(const resources::ObjectKey& key,
                                               const Desired* desired) {
  ObservedBackend o;
  for (const docker::ContainerSummary& c : cache_.List(controllers::OwnerSelector(key))) {
    controllers::SeenMember m;
    m.name = c.name;
    m.ordinal = controllers::OrdinalOf(c.labels).value_or(-1);
    m.config_hash = LabelOr(c.labels, docker::kLabelConfigHash);
    m.state = c.state;
    const std::string role = LabelOr(c.labels, docker::kLabelRole);
    auto& group = role == kNatsRole        ? o.nats
                  : role == kSignalingRole ? o.signaling
                  : role == kCoturnRole    ? o.coturn
                                           : o.strays;
    group.push_back(std::move(m));
  }
  if (desired != nullptr) {
    Prober prober(docker_, http_, options_.probe);
    prober.Probe(key, Names(desired->backend.nats.wanted), desired->spec.coturn.port, o);
  }
  return o;
}

absl::StatusOr<reconciler::Result> TalkBackendReconciler::Converge(const resources::Object& object,
                                                                   Desired desired) {
  const resources::ObjectKey key = object.Key();
  ObservedBackend observed = Observe(key, &desired);
  BackendPlan plan;
  if (!desired.spec.suspend) plan = PlanBackend(desired.backend, observed);
  const std::vector<controllers::MemberAction> actions = plan.All();
  controllers::MemberOutcome outcome;
  if (!controllers::OnlyWaits(actions)) {
    controllers::MemberActuator::Options actuator_options;
    actuator_options.component = kComponent;
    actuator_options.stop_timeout = options_.stop_timeout;
    actuator_options.parallelism = options_.create_parallelism;
    controllers::MemberActuator actuator(docker_, cache_, store_, key, actuator_options);
    outcome = actuator.Run(actions, desired.backend.rendered);
  }
  ObservedBackend after = outcome.changes > 0 ? Observe(key, &desired) : std::move(observed);
  std::optional<resources::ObjectStatus> previous = store_.GetStatus(key);
  StatusInput in;
  in.generation = object.metadata.generation;
  in.spec = &desired.spec;
  in.desired = &desired.backend;
  in.observed = &after;
  in.plan = std::move(plan);
  in.error = outcome.error;
  in.now = clock_.Now();
  in.previous = previous.has_value() ? &*previous : nullptr;
  const resources::ObjectStatus status = BuildStatus(in);
  const absl::Status written = store_.UpdateStatus(key, status);

  if (!outcome.error.ok()) return outcome.error;
  NXT_RETURN_IF_ERROR(Annotate(written, "write status"));
  if (desired.spec.suspend || BackendConverged(desired.backend, after)) {
    return reconciler::Result{.requeue_after = options_.resync};
  }
  if (outcome.changes > 0)
    return reconciler::Result{.requeue_after = options_.requeue_after_change};
  return reconciler::Result{.requeue_after =
                                RequeueWhileWaiting(status, in.now, options_.requeue_while_waiting,
                                                    options_.max_requeue_while_waiting)};
}

absl::StatusOr<reconciler::Result> TalkBackendReconciler::Teardown(
    const resources::ObjectKey& key, const resources::Object* object) {
  bool delete_secrets = false;
  if (object != nullptr) {
    absl::StatusOr<resources::TalkBackendSpec> spec =
        resources::DecodeTalkBackendSpec(object->spec);
    // An undecodable spec keeps its secrets: nothing is deleted unless asked in writing.
    delete_secrets = spec.ok() && spec->deletion_policy == resources::DeletionPolicy::kDelete;
  }
  if (object == nullptr && cache_.List(controllers::OwnerSelector(key)).empty()) {
    return reconciler::Result{};
  }
  controllers::MemberActuator::Options actuator_options;
  actuator_options.component = kComponent;
  actuator_options.stop_timeout = options_.stop_timeout;
  actuator_options.record_events = object != nullptr;
  controllers::MemberActuator actuator(docker_, cache_, store_, key, actuator_options);
  // The backend has no volumes: its state is its config and secrets.
  NXT_RETURN_IF_ERROR(actuator.Teardown(/*delete_volumes=*/false));
  if (delete_secrets) NXT_RETURN_IF_ERROR(Annotate(secrets_.DeleteAll(key), "delete secrets"));
  if (object != nullptr) store_.Finalize(key);
  return reconciler::Result{};
}

absl::StatusOr<std::vector<std::string>> TalkBackendReconciler::DescribePlan(
    const resources::Object& object) {
  NXT_ASSIGN_OR_RETURN(Desired desired, Desire(object));
  std::vector<std::string> out;
  if (desired.spec.suspend) return out;
  for (const controllers::MemberAction& a :
       PlanBackend(desired.backend, Observe(object.Key(), &desired)).All()) {
    if (a.type != controllers::MemberAction::Type::kWait) out.push_back(a.Describe());
  }
  return out;
}

}  // namespace nxt::talkbackend
