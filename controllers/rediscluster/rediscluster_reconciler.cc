#include "controllers/rediscluster/rediscluster_reconciler.h"

#include <atomic>
#include <set>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "controllers/common/owner.h"
#include "controllers/rediscluster/actuator.h"
#include "controllers/rediscluster/render.h"
#include "controllers/rediscluster/status.h"

namespace nxt::rediscluster {
namespace {

std::string LabelOr(const std::map<std::string, std::string>& labels, const char* key) {
  auto it = labels.find(key);
  return it == labels.end() ? std::string() : it->second;
}

// What a round that did nothing waits for ("" when it acted).
std::string Waits(const std::vector<Action>& actions) {
  std::string out;
  for (const Action& a : actions) {
    if (a.type == Action::Type::kWait) absl::StrAppend(&out, a.detail, ";");
  }
  return out;
}

bool OnlyWaits(const std::vector<Action>& actions) {
  for (const Action& a : actions) {
    if (a.type != Action::Type::kWait) return false;
  }
  return true;
}

// Actions that change the cluster itself (redis-cli in a node), not containers. A
// promotion is not one of them: it moves no slot, and it must not wait for a look into
// every node while a shard has no master.
bool ChangesTheCluster(const std::vector<Action>& actions) {
  using T = Action::Type;
  for (const Action& a : actions) {
    switch (a.type) {
      case T::kCreateCluster:
      case T::kResetNode:
      case T::kAddMaster:
      case T::kAddReplica:
      case T::kFailover:
      case T::kDrain:
      case T::kRebalance:
      case T::kDelNode:
      case T::kForget:
      case T::kMeet:
      case T::kReplicate:
      case T::kFix:
        return true;
      default:
        break;
    }
  }
  return false;
}

}  // namespace

RedisClusterReconciler::RedisClusterReconciler(const controllers::KindDeps& deps, Options options)
    : KindReconciler(deps, "rediscluster"),
      options_(std::move(options)),
      started_(deps.clock.Now()),
      own_link_(options_.link == nullptr ? std::make_unique<HiredisNodeLink>(deps.docker)
                                         : nullptr),
      link_(options_.link != nullptr ? options_.link : own_link_.get()),
      pacer_(options_.pace) {}

absl::StatusOr<Desired> RedisClusterReconciler::Desire(const resources::Object& object) {
  const resources::ObjectKey key = object.Key();
  Desired d;
  NXT_ASSIGN_OR_RETURN(d.spec, resources::DecodeRedisClusterSpec(object.spec));
  NXT_ASSIGN_OR_RETURN(d.password,
                       Annotate(secrets_.GetOrCreate(key, kPasswordSecret), "password"));
  d.state.namespace_ = key.namespace_;
  d.state.name = key.name;
  d.state.nodes = d.spec.nodes;
  d.state.replicas_per_master = d.spec.replicas_per_master;
  d.state.config_hash = ConfigHashOf(key, d.spec, controllers::SecretStore::Version(d.password));
  d.state.suspend = d.spec.suspend;
  d.state.delete_volumes = d.spec.deletion_policy == resources::DeletionPolicy::kDelete;
  return d;
}

ObservedState RedisClusterReconciler::Observe(const resources::ObjectKey& key,
                                              RedisAdmin* admin) const {
  ObservedState o;
  for (const docker::ContainerSummary& c : cache_.List(controllers::OwnerSelector(key))) {
    ObservedNode n;
    n.name = c.name;
    if (LabelOr(c.labels, docker::kLabelRole) == kNodeRole) {
      n.ordinal = controllers::OrdinalOf(c.labels).value_or(-1);
    }
    n.config_hash = LabelOr(c.labels, docker::kLabelConfigHash);
    n.state = c.state;
    o.nodes.push_back(std::move(n));
  }
  if (admin == nullptr) return o;
  // The nodes are asked at once (create_parallelism at a time): one slow or dying node
  // does not hold up the others, and the round after a kill acts sooner.
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < o.nodes.size(); i = next++) {
      ObservedNode& n = o.nodes[i];
      if (n.state != "running" || n.ordinal < 0) continue;
      absl::StatusOr<NodeView> view = admin->Query(n.name);
      if (view.ok()) n.view = *std::move(view);
    }
  };
  std::vector<std::thread> threads;
  for (int t = 1; t < options_.create_parallelism && static_cast<size_t>(t) < o.nodes.size(); ++t) {
    threads.emplace_back(worker);
  }
  worker();
  for (std::thread& t : threads) t.join();
  return o;
}

absl::StatusOr<reconciler::Result> RedisClusterReconciler::Converge(const resources::Object& object,
                                                                    Desired desired) {
  const resources::ObjectKey key = object.Key();
  // The containers' facts first: a node that stopped is no longer ready now, not after
  // the probes below (each may take up to timeouts.query).
  std::optional<resources::ObjectStatus> previous = store_.GetStatus(key);
  if (previous.has_value()) {
    std::optional<resources::ObjectStatus> facts =
        FactsStatus(desired.state, Observe(key, nullptr), *previous, clock_.Now());
    if (facts.has_value()) {
      NXT_RETURN_IF_ERROR(Annotate(store_.UpdateStatus(key, *facts), "write status"));
    }
  }
  RedisAdmin admin(docker_, desired.password, options_.timeouts, link_,
                   controllers::NetworkName(key.namespace_, key.name));
  ObservedState observed = Observe(key, &admin);
  observed.down_for = DownFor(desired.state, observed);
  std::vector<Action> actions = Plan(desired.state, observed);
  if (ChangesTheCluster(actions)) {
    if (std::optional<Action> wait = WaitForLeftoverTool(key, admin)) actions = {*wait};
  }
  ActuatorOutcome outcome;
  if (!OnlyWaits(actions)) {
    ActuatorContext context{key,
                            &desired.spec,
                            desired.state.config_hash,
                            desired.password,
                            desired.spec.replicas_per_master,
                            options_.stop_timeout,
                            options_.create_parallelism,
                            true};
    Actuator actuator(docker_, cache_, store_, &admin, std::move(context));
    outcome = actuator.Run(actions);
  }
  ObservedState after = outcome.changes > 0 ? Observe(key, &admin) : std::move(observed);
  previous = store_.GetStatus(key);
  StatusInput in;
  in.generation = object.metadata.generation;
  in.desired = &desired.state;
  in.observed = &after;
  in.actions = actions;
  in.error = outcome.error;
  in.now = clock_.Now();
  in.previous = previous.has_value() ? &*previous : nullptr;
  const absl::Status written = store_.UpdateStatus(key, BuildStatus(in));

  if (!outcome.error.ok()) {
    pacer_.Forget(key.NamespacedName());  // the queue's backoff paces failed rounds
    if (ChangesTheCluster(actions)) ForgetToolFree(key);
    return outcome.error;
  }
  NXT_RETURN_IF_ERROR(Annotate(written, "write status"));
  if (desired.state.suspend || Converged(desired.state, after)) {
    pacer_.Forget(key.NamespacedName());
    return reconciler::Result{.requeue_after = options_.resync};
  }
  return reconciler::Result{
      .requeue_after = pacer_.Next(key.NamespacedName(), outcome.changes > 0, Waits(actions))};
}

void RedisClusterReconciler::ForgetToolFree(const resources::ObjectKey& key) {
  absl::MutexLock lock(&down_mu_);
  tool_free_.erase(key.NamespacedName());
}

std::map<std::string, absl::Duration> RedisClusterReconciler::DownFor(
    const DesiredState& desired, const ObservedState& observed) {
  std::set<std::string> running;
  std::set<std::string> stopped;  // the container exists but does not run
  for (const ObservedNode& n : observed.nodes) {
    (n.state == "running" ? running : stopped).insert(n.name);
  }
  const absl::Time now = clock_.Now();
  std::map<std::string, absl::Duration> out;
  for (int i = 0; i < desired.nodes; ++i) {
    const std::string name = controllers::ContainerName(desired.name, i);
    std::optional<absl::Time> since;
    {
      absl::MutexLock lock(&down_mu_);
      if (running.count(name) > 0) {
        down_since_.erase(name);
        continue;
      }
      auto it = down_since_.find(name);
      if (it != down_since_.end()) since = it->second;
    }
    if (!since.has_value()) {
      // First seen down by this nxtd: the engine's FinishedAt says since when (it survives
      // an nxtd restart, so the hold limit neither starts over nor ends early); a vanished
      // container counts from now.
      since = now;
      if (stopped.count(name) > 0) {
        absl::StatusOr<docker::ContainerInfo> info = docker_.InspectContainer(name);
        if (info.ok() && info->finished_at != absl::InfinitePast() && info->finished_at < now) {
          since = info->finished_at;
        }
      }
      absl::MutexLock lock(&down_mu_);
      down_since_.emplace(name, *since);
    }
    out[name] = now - *since;
  }
  return out;
}

std::optional<Action> RedisClusterReconciler::WaitForLeftoverTool(const resources::ObjectKey& key,
                                                                  RedisAdmin& admin) {
  std::set<std::string> known_free;
  {
    absl::MutexLock lock(&down_mu_);
    known_free = tool_free_[key.NamespacedName()];
  }
  std::set<std::string> free;
  for (const docker::ContainerSummary& c : cache_.List(controllers::OwnerSelector(key))) {
    if (c.state != "running" || LabelOr(c.labels, docker::kLabelRole) != kNodeRole) continue;
    // Made or started since this reconciler started (the cache's `created` is the start
    // time of a container it inspected): no process of an earlier nxtd runs in it.
    if (known_free.count(c.id) > 0 || c.created >= started_) {
      free.insert(c.id);
      continue;
    }
    absl::StatusOr<bool> running = admin.ClusterToolRunning(c.name);
    if (running.ok() && !*running) {
      free.insert(c.id);
    } else {
      absl::MutexLock lock(&down_mu_);
      tool_free_[key.NamespacedName()].insert(free.begin(), free.end());
      Action wait;
      wait.type = Action::Type::kWait;
      wait.detail =
          running.ok()
              ? absl::StrCat("a redis-cli --cluster started earlier still runs in ", c.name)
              : std::string(running.status().message());
      return wait;
    }
  }
  absl::MutexLock lock(&down_mu_);
  tool_free_[key.NamespacedName()] = std::move(free);  // containers gone are dropped
  return std::nullopt;
}

absl::StatusOr<reconciler::Result> RedisClusterReconciler::Teardown(
    const resources::ObjectKey& key, const resources::Object* object) {
  pacer_.Forget(key.NamespacedName());
  ForgetToolFree(key);
  DesiredState d;
  d.namespace_ = key.namespace_;
  d.name = key.name;
  d.deleting = true;
  if (object != nullptr) {
    absl::StatusOr<resources::RedisClusterSpec> spec =
        resources::DecodeRedisClusterSpec(object->spec);
    // An undecodable spec keeps its volumes: data is only deleted when asked in writing.
    d.delete_volumes = spec.ok() && spec->deletion_policy == resources::DeletionPolicy::kDelete;
  }
  ObservedState o = Observe(key, nullptr);
  if (object == nullptr && o.nodes.empty()) return reconciler::Result{};
  const docker::LabelSelector selector = controllers::OwnerSelector(key);
  NXT_ASSIGN_OR_RETURN(std::vector<docker::NetworkInfo> networks, docker_.ListNetworks(selector));
  const std::string network = controllers::NetworkName(key.namespace_, key.name);
  for (const docker::NetworkInfo& n : networks) o.network_present |= n.name == network;
  if (d.delete_volumes) {
    NXT_ASSIGN_OR_RETURN(std::vector<docker::VolumeInfo> volumes, docker_.ListVolumes(selector));
    for (const docker::VolumeInfo& v : volumes) o.volumes.push_back(v.name);
  }
  ActuatorContext context;
  context.key = key;
  context.stop_timeout = options_.stop_timeout;
  context.record_events = object != nullptr;
  Actuator actuator(docker_, cache_, store_, nullptr, std::move(context));
  ActuatorOutcome outcome = actuator.Run(Plan(d, o));
  NXT_RETURN_IF_ERROR(outcome.error);
  if (d.delete_volumes) NXT_RETURN_IF_ERROR(Annotate(secrets_.DeleteAll(key), "delete password"));
  if (object != nullptr) store_.Finalize(key);
  return reconciler::Result{};
}

absl::StatusOr<std::vector<std::string>> RedisClusterReconciler::DescribePlan(
    const resources::Object& object) {
  NXT_ASSIGN_OR_RETURN(Desired desired, Desire(object));
  const resources::ObjectKey key = object.Key();
  RedisAdmin admin(docker_, desired.password, options_.timeouts, link_,
                   controllers::NetworkName(key.namespace_, key.name));
  std::vector<std::string> out;
  for (const Action& a : Plan(desired.state, Observe(object.Key(), &admin))) {
    if (a.type != Action::Type::kWait && a.type != Action::Type::kEnsureNetwork &&
        a.type != Action::Type::kEnsureVolume) {
      out.push_back(a.Describe());
    }
  }
  return out;
}

}  // namespace nxt::rediscluster
