#include "controllers/galeracluster/galera_reconciler.h"

#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "controllers/common/owner.h"
#include "controllers/common/stall.h"
#include "controllers/galeracluster/render.h"
#include "controllers/galeracluster/status.h"
#include "reconciler/state_files.h"

namespace nxt::galera {
namespace {

std::string Context(const resources::ObjectKey& key) {
  return absl::StrCat("galeracluster ", key.NamespacedName());
}

std::string LabelOr(const std::map<std::string, std::string>& labels, const char* key) {
  auto it = labels.find(key);
  return it == labels.end() ? std::string() : it->second;
}

}  // namespace

GaleraClusterReconciler::GaleraClusterReconciler(reconciler::Store& store,
                                                 docker::DockerClient& docker,
                                                 docker::ContainerCache& cache,
                                                 controllers::SecretStore& secrets, Clock& clock,
                                                 Options options)
    : store_(store),
      docker_(docker),
      cache_(cache),
      secrets_(secrets),
      clock_(clock),
      options_(std::move(options)),
      admin_(docker, options_.admin) {}

std::optional<resources::ObjectKey> GaleraClusterReconciler::OwnerKeyForEvent(
    const docker::Event& event) {
  return controllers::OwnerKeyForEvent(event);
}

absl::StatusOr<reconciler::Result> GaleraClusterReconciler::Reconcile(
    const reconciler::Request& request) {
  const resources::ObjectKey& key = request.key;
  resources::ObjectPtr object = store_.Get(key);
  if (object == nullptr || object->metadata.deletion_timestamp != absl::InfinitePast()) {
    return Annotate(Teardown(key, object.get()), Context(key));
  }
  return controllers::AnnotateOrStall(store_, clock_.Now(), *object, Converge(*object),
                                      "galeracluster", Context(key));
}

absl::Status GaleraClusterReconciler::Prepare(const resources::Object& object, Round& r) {
  r.key = object.Key();
  NXT_ASSIGN_OR_RETURN(r.spec, resources::DecodeGaleraClusterSpec(object.spec));
  NXT_ASSIGN_OR_RETURN(r.passwords.root, secrets_.GetOrCreate(r.key, "root"));
  NXT_ASSIGN_OR_RETURN(r.passwords.health, secrets_.GetOrCreate(r.key, "health"));
  NXT_ASSIGN_OR_RETURN(r.passwords.sst, secrets_.GetOrCreate(r.key, "sst"));
  if (!r.spec.user.empty()) {
    NXT_ASSIGN_OR_RETURN(r.passwords.user, secrets_.GetOrCreate(r.key, "user"));
  }
  r.config_hash = NodeConfigHash(r.key, r.spec, r.passwords);
  r.provision_hash = ProvisionHash(r.spec, r.passwords);
  r.plan.desired.replicas = r.spec.replicas;
  r.plan.desired.config_hash = r.config_hash;
  r.plan.desired.suspend = r.spec.suspend;
  r.plan.grace = options_.grace;
  const std::optional<resources::ObjectStatus> stored = store_.GetStatus(r.key);
  const resources::ObjectStatus* previous = stored.has_value() ? &*stored : nullptr;
  r.plan.bootstrapped = StatusBool(previous, kFieldBootstrapped) || MarkerExists(r.key);
  // Provisioned when the users and database last created match the spec and secrets.
  r.applied_provision_hash = StatusString(previous, kFieldProvisionHash);
  r.plan.provisioned = r.applied_provision_hash == r.provision_hash;
  return absl::OkStatus();
}

void GaleraClusterReconciler::ObserveJoining(const docker::ContainerSummary& c, ObservedNode& n) {
  // Cheap facts, no exec: the start time from inspect, the processes from `docker top`.
  // Either may fail (the container just died): the node is then judged without it.
  absl::StatusOr<docker::ContainerInfo> info = docker_.InspectContainer(c.id);
  if (info.ok()) n.started_at = info->started_at;
  absl::StatusOr<std::vector<std::string>> processes = docker_.Top(c.id);
  if (processes.ok()) n.transfer = SstMethodFromProcesses(*processes);
}

void GaleraClusterReconciler::Observe(Round& r, bool probe, bool track) {
  r.plan.nodes.clear();
  r.plan.now = clock_.Now();
  docker::LabelSelector selector = controllers::OwnerSelector(r.key);
  selector[docker::kLabelRole] = kNodeRole;
  std::map<std::string, NotReady> seen;
  const std::vector<docker::ContainerSummary> containers = cache_.List(selector);
  for (const docker::ContainerSummary& c : containers) {
    ObservedNode n;
    n.name = c.name;
    n.ordinal = controllers::OrdinalOf(c.labels).value_or(-1);
    n.state = c.state;
    n.config_hash = LabelOr(c.labels, docker::kLabelConfigHash);
    n.bootstrap_mode = LabelOr(c.labels, kLabelMode) == kModeBootstrap;
    if (probe && n.state == "running") {
      absl::StatusOr<WsrepStatus> w = admin_.Probe(n.name, !r.plan.provisioned);
      if (w.ok()) n.wsrep = *w;
    }
    if (n.Running() && !n.Ready()) {
      if (probe) ObserveJoining(c, n);
      absl::MutexLock lock(&mu_);
      auto it = not_ready_.find(c.id);
      NotReady track_of = it == not_ready_.end() ? NotReady{r.plan.now} : it->second;
      if (!n.transfer.empty()) track_of.transfer_seen = r.plan.now;
      seen[c.id] = track_of;
      n.not_ready_since = track_of.since;
      n.transfer_seen = track_of.transfer_seen;
    }
    r.plan.nodes.push_back(std::move(n));
  }
  if (probe && track) {
    absl::MutexLock lock(&mu_);
    for (const docker::ContainerSummary& c : containers) {
      if (!seen.count(c.id)) not_ready_.erase(c.id);
    }
    for (const auto& [id, track_of] : seen) not_ready_[id] = track_of;
  }
  // A node container exists only once a cluster was bootstrapped.
  if (!r.plan.nodes.empty()) r.plan.bootstrapped = true;
}

absl::StatusOr<reconciler::Result> GaleraClusterReconciler::Converge(
    const resources::Object& object) {
  Round r;
  if (absl::Status s = Prepare(object, r); !s.ok()) {
    if (!absl::IsInvalidArgument(s)) return s;
    return controllers::Stall(store_, clock_.Now(), object, "InvalidSpec", s, "galeracluster");
  }
  const bool recorded = r.plan.bootstrapped;
  Observe(r, /*probe=*/true, /*track=*/true);
  if (r.plan.bootstrapped && !recorded) {
    // Containers exist without a record (state lost): record now, never bootstrap anew.
    NXT_RETURN_IF_ERROR(WriteMarker(r.key));
    r.bootstrapped_now = true;
  }
  std::vector<Action> actions = Plan(r.plan);
  absl::Status error;
  for (const Action& a : actions) {
    if (a.type == Action::Type::kWait) continue;
    Log(LogLevel::kInfo, "galeracluster", a.Describe(), {{"object", r.key.NamespacedName()}});
    error = Annotate(Act(r, a), a.Describe());
    if (!error.ok()) break;
  }
  StatusInput in;
  std::optional<resources::ObjectStatus> previous = store_.GetStatus(r.key);
  in.generation = object.metadata.generation;
  in.plan = &r.plan;
  in.actions = actions;
  in.error = error;
  in.now = clock_.Now();
  in.previous = previous.has_value() ? &*previous : nullptr;
  in.bootstrapped = r.bootstrapped_now || r.plan.bootstrapped;
  in.provisioned = r.plan.provisioned;
  in.provision_hash = r.applied_provision_hash;
  in.recovery = r.recovery.has_value() ? &*r.recovery : nullptr;
  in.config_hash = r.config_hash;
  store_.UpdateStatus(r.key, BuildStatus(in));
  if (!error.ok()) return error;
  if (r.spec.suspend) return reconciler::Result{};
  if (actions.empty() && ClusterReady(r.plan)) {
    return reconciler::Result{.requeue_after = options_.requeue_when_ready};
  }
  return reconciler::Result{.requeue_after = options_.requeue_while_converging};
}

absl::StatusOr<reconciler::Result> GaleraClusterReconciler::Teardown(
    const resources::ObjectKey& key, const resources::Object* object) {
  Round r;
  r.key = key;
  r.plan.desired.deleting = true;
  if (object != nullptr) {
    absl::StatusOr<resources::GaleraClusterSpec> spec =
        resources::DecodeGaleraClusterSpec(object->spec);
    // An undecodable spec keeps its volumes: data is only deleted when asked in writing.
    r.plan.desired.delete_volumes =
        spec.ok() && spec->deletion_policy == resources::DeletionPolicy::kDelete;
  }
  const docker::LabelSelector selector = controllers::OwnerSelector(key);
  std::vector<docker::ContainerSummary> containers = cache_.List(selector);
  if (object == nullptr && containers.empty()) return reconciler::Result{};
  for (const docker::ContainerSummary& c : containers) {
    ObservedNode n;
    n.name = c.name;
    n.ordinal = controllers::OrdinalOf(c.labels).value_or(-1);
    n.state = c.state;
    r.plan.nodes.push_back(std::move(n));
  }
  NXT_ASSIGN_OR_RETURN(std::vector<docker::NetworkInfo> networks, docker_.ListNetworks(selector));
  const std::string network = controllers::NetworkName(key.namespace_, key.name);
  for (const docker::NetworkInfo& n : networks) r.plan.network_present |= n.name == network;
  if (r.plan.desired.delete_volumes) {
    NXT_ASSIGN_OR_RETURN(std::vector<docker::VolumeInfo> volumes, docker_.ListVolumes(selector));
    for (const docker::VolumeInfo& v : volumes) r.plan.volumes.push_back(v.name);
  }
  for (const Action& a : Plan(r.plan)) NXT_RETURN_IF_ERROR(Annotate(Act(r, a), a.Describe()));
  if (r.plan.desired.delete_volumes) {
    NXT_RETURN_IF_ERROR(secrets_.DeleteAll(key));
    std::error_code ec;
    std::filesystem::remove(MarkerPath(key), ec);
  }
  if (object != nullptr) store_.Finalize(key);
  return reconciler::Result{};
}

absl::StatusOr<std::vector<std::string>> GaleraClusterReconciler::DescribePlan(
    const resources::Object& object) {
  Round r;
  NXT_RETURN_IF_ERROR(Prepare(object, r));
  Observe(r, /*probe=*/true, /*track=*/false);
  std::vector<std::string> out;
  for (const Action& a : Plan(r.plan)) {
    if (a.type != Action::Type::kWait) out.push_back(a.Describe());
  }
  return out;
}

std::string GaleraClusterReconciler::MarkerPath(const resources::ObjectKey& key) const {
  return absl::StrCat(options_.state_dir, "/galera/", key.namespace_, "/", key.name,
                      "/bootstrapped");
}

bool GaleraClusterReconciler::MarkerExists(const resources::ObjectKey& key) const {
  std::error_code ec;
  return std::filesystem::exists(MarkerPath(key), ec);
}

absl::Status GaleraClusterReconciler::WriteMarker(const resources::ObjectKey& key) {
  const std::string path = MarkerPath(key);
  NXT_RETURN_IF_ERROR(
      reconciler::MakeDirs(std::filesystem::path(path).parent_path().string(), 0700));
  return reconciler::WriteFileAtomically(
      path, absl::StrCat(resources::FormatTimestamp(clock_.Now()), "\n"), 0600);
}

void GaleraClusterReconciler::Event(const resources::ObjectKey& key, const std::string& type,
                                    const std::string& reason, const std::string& message) {
  store_.RecordEvent(key, type, reason, message);
}

}  // namespace nxt::galera
