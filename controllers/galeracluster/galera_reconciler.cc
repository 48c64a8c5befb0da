#include "controllers/galeracluster/galera_reconciler.h"

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <iterator>
#include <set>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "controllers/common/owner.h"
#include "controllers/galeracluster/render.h"
#include "controllers/galeracluster/status.h"
#include "reconciler/state_files.h"

namespace nxt::galera {
namespace {

// Lines of `docker logs` read for a node that is not ready: a start's state transfer
// decisions come within its first few hundred lines.
constexpr int kLogTail = 2000;

std::string LabelOr(const std::map<std::string, std::string>& labels, const char* key) {
  auto it = labels.find(key);
  return it == labels.end() ? std::string() : it->second;
}

}  // namespace

GaleraClusterReconciler::GaleraClusterReconciler(const controllers::KindDeps& deps, Options options)
    : KindReconciler(deps, "galeracluster"),
      state_dir_(deps.state_dir),
      options_(std::move(options)),
      admin_(deps.docker, options_.admin) {}

std::optional<resources::ObjectKey> GaleraClusterReconciler::OwnerKeyForEvent(
    const docker::Event& event) {
  return controllers::OwnerKeyForEvent(event);
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
  r.plan.grace_per_gib = options_.grace_per_gib;
  const std::optional<resources::ObjectStatus> stored = store_.GetStatus(r.key);
  const resources::ObjectStatus* previous = stored.has_value() ? &*stored : nullptr;
  r.plan.bootstrapped = StatusBool(previous, kFieldBootstrapped) || MarkerExists(r.key);
  // Provisioned when the users and database last created match the spec and secrets.
  r.applied_provision_hash = StatusString(previous, kFieldProvisionHash);
  r.plan.provisioned = r.applied_provision_hash == r.provision_hash;
  return absl::OkStatus();
}

void GaleraClusterReconciler::ObserveJoining(const docker::ContainerSummary& c, ObservedNode& n) {
  // Cheap facts, no exec: the start time from inspect, the processes from `docker top`,
  // the log since the start from `docker logs`. Any may fail (the container just died):
  // the node is then judged without it.
  absl::StatusOr<docker::ContainerInfo> info = docker_.InspectContainer(c.id);
  if (info.ok()) n.started_at = info->started_at;
  absl::StatusOr<std::vector<std::string>> processes = docker_.Top(c.id);
  if (processes.ok()) n.transfer = SstMethodFromProcesses(*processes);
  if (n.started_at == absl::InfinitePast()) return;
  absl::StatusOr<std::string> log = docker_.Logs(c.id, n.started_at, kLogTail);
  if (log.ok()) n.log = ParseNodeLog(*log);
}

void GaleraClusterReconciler::Track(const resources::ObjectKey& key, const std::string& id,
                                    ObservedNode& n, absl::Time now, bool record) {
  std::string event;
  bool warn = false;  // an SST where an IST should have served
  {
    absl::MutexLock lock(&mu_);
    auto found = tracks_.find(id);
    NodeTrack t = found == tracks_.end() ? NodeTrack{} : found->second;
    t.owner = key;
    UpdateTrack(t, n, now);
    if (record && !t.reported && !t.transfer.empty()) {
      t.reported = true;
      event = t.transfer == "IST"
                  ? absl::StrCat(n.name, " rejoins by IST",
                                 t.recovered.empty() ? "" : " from position ", t.recovered)
              : n.log.fresh ? absl::StrCat(n.name, " joins by SST: ", t.sst_reason)
                            : absl::StrCat(n.name, " rejoins by a full SST: ", t.sst_reason);
      warn = t.transfer == "SST" && !n.log.fresh;
    }
    n.not_ready_since = t.not_ready_since;
    n.transfer_seen = t.transfer_seen;
    n.log_progress_seen = t.progress_seen;
    n.last_transfer = t.transfer;
    n.last_sst_reason = t.sst_reason;
    if (record) tracks_[id] = std::move(t);
  }
  if (event.empty()) return;
  Event(key, warn ? "Warning" : "Normal",
        n.last_transfer == "SST" ? "StateSnapshotTransfer" : "IncrementalTransfer", event);
}

void GaleraClusterReconciler::UpdateTrack(NodeTrack& t, const ObservedNode& n, absl::Time now) {
  if (n.Running() && !n.Ready()) {
    if (t.not_ready_since == absl::InfinitePast()) t.not_ready_since = now;
    if (!n.transfer.empty()) t.transfer_seen = now;
    if (n.started_at != absl::InfinitePast() && n.started_at != t.started_at) {
      // A new start: the previous run's log facts are not this one's.
      NodeTrack fresh;
      fresh.owner = t.owner;
      fresh.not_ready_since = t.not_ready_since;
      fresh.transfer_seen = t.transfer_seen;
      fresh.started_at = n.started_at;
      t = std::move(fresh);
    }
    if (!n.log.progress.empty() && n.log.progress != t.progress) {
      t.progress = n.log.progress;
      t.progress_seen = now;
    }
  } else {
    t.not_ready_since = absl::InfinitePast();
  }
  if (!n.log.recovered.empty()) t.recovered = n.log.recovered;
  if (!n.log.transfer.empty()) {
    t.transfer = n.log.transfer;
    t.sst_reason = n.log.sst_reason;
  }
}

bool GaleraClusterReconciler::NeedsFinalLog(const std::string& id, absl::Time* started_at) {
  absl::MutexLock lock(&mu_);
  auto it = tracks_.find(id);
  if (it == tracks_.end() || it->second.final_log_read || !it->second.transfer.empty() ||
      it->second.started_at == absl::InfinitePast()) {
    return false;
  }
  it->second.final_log_read = true;
  *started_at = it->second.started_at;
  return true;
}

void GaleraClusterReconciler::Observe(Round& r, bool probe, bool track) {
  r.plan.nodes.clear();
  r.plan.now = clock_.Now();
  docker::LabelSelector selector = controllers::OwnerSelector(r.key);
  selector[docker::kLabelRole] = kNodeRole;
  const std::vector<docker::ContainerSummary> containers = cache_.List(selector);
  NodeAdmin::ProbeAuth auth;
  auth.as_root = !r.plan.provisioned;
  auth.network = controllers::NetworkName(r.key.namespace_, r.key.name);
  auth.health_password = r.passwords.health;
  std::set<std::string> ids;
  for (const docker::ContainerSummary& c : containers) {
    ObservedNode n;
    n.name = c.name;
    n.ordinal = controllers::OrdinalOf(c.labels).value_or(-1);
    n.state = c.state;
    n.config_hash = LabelOr(c.labels, docker::kLabelConfigHash);
    n.bootstrap_mode = LabelOr(c.labels, kLabelMode) == kModeBootstrap;
    if (probe && n.state == "running") {
      absl::StatusOr<WsrepStatus> w = admin_.Probe(n.name, auth);
      if (w.ok()) n.wsrep = *w;
      if (w.ok() && track) RememberRun(r.key, n);
    }
    if (probe && n.Running() && !n.Ready()) ObserveJoining(c, n);
    absl::Time started_at;
    if (probe && track && n.Ready() && NeedsFinalLog(c.id, &started_at)) {
      // Ready before a round saw its log say IST or SST: read it once more.
      absl::StatusOr<std::string> log = docker_.Logs(c.id, started_at, kLogTail);
      if (log.ok()) n.log = ParseNodeLog(*log);
    }
    if (probe) Track(r.key, c.id, n, r.plan.now, /*record=*/track);
    ids.insert(c.id);
    r.plan.nodes.push_back(std::move(n));
  }
  if (probe && track) {
    absl::MutexLock lock(&mu_);
    for (auto it = tracks_.begin(); it != tracks_.end();) {
      // Only this object's containers are listed here; another object's stay.
      bool mine = false;
      for (const docker::ContainerSummary& c : containers) mine |= c.id == it->first;
      it = !mine && it->second.owner == r.key ? tracks_.erase(it) : std::next(it);
    }
  }
  // A node container exists only once a cluster was bootstrapped.
  if (!r.plan.nodes.empty()) r.plan.bootstrapped = true;
  if (probe) ObserveDataSize(r);
}

void GaleraClusterReconciler::RememberRun(const resources::ObjectKey& key, const ObservedNode& n) {
  if (!n.wsrep.has_value() || n.wsrep->gcomm_uuid.empty()) return;
  absl::MutexLock lock(&mu_);
  runs_[{key, n.name}] = n.wsrep->gcomm_uuid;
}

std::vector<std::pair<std::string, std::string>> GaleraClusterReconciler::DeadRuns(
    const Round& r, bool stale_view) {
  std::vector<std::pair<std::string, std::string>> dead;
  absl::MutexLock lock(&mu_);
  for (auto it = runs_.begin(); it != runs_.end();) {
    const auto& [owner, name] = it->first;
    auto node = std::find_if(r.plan.nodes.begin(), r.plan.nodes.end(),
                             [&](const ObservedNode& n) { return n.name == name; });
    const bool gone = node == r.plan.nodes.end();
    // Exited, dead or removed: its process is gone for certain (not paused, not
    // restarting).
    if (owner != r.key || (!gone && node->state != "exited" && node->state != "dead")) {
      ++it;
      continue;
    }
    if (stale_view) dead.emplace_back(name, it->second);
    // A removed node the view no longer counts left (or was dropped): forget it.
    it = !stale_view && gone ? runs_.erase(it) : std::next(it);
  }
  return dead;
}

void GaleraClusterReconciler::EvictDeadMembers(const Round& r) {
  std::vector<std::string> survivors;
  int running = 0;
  bool stale_view = false;  // a survivor's view counts a member that does not run
  for (const ObservedNode& n : r.plan.nodes) running += n.Running() ? 1 : 0;
  for (const ObservedNode& n : r.plan.nodes) {
    if (!n.Ready()) continue;
    survivors.push_back(n.name);
    stale_view |= n.wsrep->cluster_size > running;
  }
  if (survivors.empty()) return;
  for (const auto& [name, uuid] : DeadRuns(r, stale_view)) {
    // On every survivor at once: the view changes when they all agree the run is gone,
    // so one survivor alone would still wait for the others' suspect timeout.
    std::vector<absl::Status> results(survivors.size());
    std::vector<std::thread> evictions;
    for (size_t i = 0; i < survivors.size(); ++i) {
      evictions.emplace_back(
          [&, i, uuid = uuid] { results[i] = admin_.Evict(survivors[i], uuid); });
    }
    for (std::thread& t : evictions) t.join();
    std::vector<std::string> done;
    for (size_t i = 0; i < survivors.size(); ++i) {
      if (results[i].ok()) {
        done.push_back(survivors[i]);
        continue;
      }
      Log(LogLevel::kWarning, "galeracluster", "could not evict a dead node's run",
          {{"object", r.key.NamespacedName()},
           {"node", name},
           {"on", survivors[i]},
           {"error", std::string(results[i].message())}});
    }
    if (done.empty()) continue;  // tried again next round
    {
      absl::MutexLock lock(&mu_);
      runs_.erase({r.key, name});
    }
    Event(r.key, "Normal", "MemberEvicted",
          absl::StrCat(name, " is down: its run ", uuid, " was evicted from the cluster's view on ",
                       absl::StrJoin(done, ", "),
                       ", so writes go on and its restart can join at once"));
  }
}

void GaleraClusterReconciler::ObserveDataSize(Round& r) {
  const ObservedNode* ready = nullptr;
  bool judged = false;  // some node could be judged stuck
  for (const ObservedNode& n : r.plan.nodes) {
    if (n.Ready() && ready == nullptr) ready = &n;
    judged |= n.Running() && !n.Ready() && !n.Transferring();
  }
  absl::MutexLock lock(&mu_);
  DataSize& size = data_sizes_[r.key];
  if (judged && ready != nullptr && r.plan.now - size.at > absl::Minutes(10)) {
    absl::StatusOr<int64_t> bytes = admin_.DataBytes(ready->name);
    size = {bytes.ok() ? *bytes : size.bytes, r.plan.now};  // a failure is not retried at once
  }
  r.plan.data_bytes = size.bytes;
}

absl::StatusOr<Round> GaleraClusterReconciler::Desire(const resources::Object& object) {
  Round r;
  NXT_RETURN_IF_ERROR(Prepare(object, r));
  return r;
}

absl::StatusOr<reconciler::Result> GaleraClusterReconciler::Converge(
    const resources::Object& object, Round r) {
  const bool recorded = r.plan.bootstrapped;
  NXT_RETURN_IF_ERROR(ReportDownNodes(r.key));
  Observe(r, /*probe=*/true, /*track=*/true);
  EvictDeadMembers(r);
  if (r.plan.bootstrapped && !recorded) {
    // Containers exist without a record (state lost): record now, never bootstrap anew.
    NXT_RETURN_IF_ERROR(WriteMarker(r.key));
    r.bootstrapped_now = true;
  }
  std::vector<Action> actions = Plan(r.plan);
  const bool acts = std::any_of(actions.begin(), actions.end(),
                                [](const Action& a) { return a.type != Action::Type::kWait; });
  // What was observed reaches the status before any action runs: a stop or a start can
  // take seconds, and a die must show in the ready count at once.
  if (acts) NXT_RETURN_IF_ERROR(WriteStatus(object, r, actions, absl::OkStatus()));
  absl::Status error;
  for (const Action& a : actions) {
    if (a.type == Action::Type::kWait) continue;
    Log(LogLevel::kInfo, "galeracluster", a.Describe(), {{"object", r.key.NamespacedName()}});
    error = Annotate(Act(r, a), a.Describe());
    if (!error.ok()) break;
  }
  const absl::Status written = WriteStatus(object, r, actions, error);
  if (!error.ok()) return error;
  NXT_RETURN_IF_ERROR(written);
  if (r.spec.suspend) return reconciler::Result{};
  if (actions.empty() && ClusterReady(r.plan)) {
    return reconciler::Result{.requeue_after = options_.requeue_when_ready};
  }
  switch (PaceOf(r.plan)) {
    case Pace::kFinishing:
      return reconciler::Result{.requeue_after = options_.requeue_while_finishing};
    case Pace::kConverging:
      break;
  }
  return reconciler::Result{.requeue_after = options_.requeue_while_converging};
}

absl::Status GaleraClusterReconciler::ReportDownNodes(const resources::ObjectKey& key) {
  const std::optional<resources::ObjectStatus> previous = store_.GetStatus(key);
  if (!previous.has_value()) return absl::OkStatus();
  docker::LabelSelector selector = controllers::OwnerSelector(key);
  selector[docker::kLabelRole] = kNodeRole;
  std::map<std::string, std::string> down;
  const boost::json::value* nodes = previous->fields.if_contains("nodes");
  if (nodes != nullptr && nodes->is_array()) {
    for (const boost::json::value& n : nodes->get_array()) {
      const boost::json::value* name = n.is_object() ? n.as_object().if_contains("name") : nullptr;
      if (name != nullptr && name->is_string()) down[std::string(name->get_string())] = "missing";
    }
  }
  for (const docker::ContainerSummary& c : cache_.List(selector)) {
    if (c.state == "running") {
      down.erase(c.name);
    } else if (down.count(c.name) > 0) {
      down[c.name] = c.state;
    }
  }
  if (std::optional<resources::ObjectStatus> s = MarkNodesDown(*previous, down, clock_.Now())) {
    return Annotate(store_.UpdateStatus(key, *s), "write status");
  }
  return absl::OkStatus();
}

absl::Status GaleraClusterReconciler::WriteStatus(const resources::Object& object, const Round& r,
                                                  const std::vector<Action>& actions,
                                                  const absl::Status& error) {
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
  return Annotate(store_.UpdateStatus(r.key, BuildStatus(in)), "write status");
}

absl::StatusOr<reconciler::Result> GaleraClusterReconciler::Teardown(
    const resources::ObjectKey& key, const resources::Object* object) {
  {
    absl::MutexLock lock(&mu_);
    for (auto it = runs_.begin(); it != runs_.end();) {
      it = it->first.first == key ? runs_.erase(it) : std::next(it);
    }
  }
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
  return absl::StrCat(state_dir_, "/galera/", key.namespace_, "/", key.name, "/bootstrapped");
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
  (void)store_.RecordEvent(key, type, reason, message);  // best effort; the store logs
}

}  // namespace nxt::galera
