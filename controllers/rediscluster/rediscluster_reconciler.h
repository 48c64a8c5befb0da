// The RedisCluster controller: a Redis Cluster of masters and replicas that is created,
// grown and shrunk by whole shards, and repaired (see plan.h for the rules).
//
// Reconcile(key): load the object (absent or being deleted → tear down, then
// Store::Finalize) → decode the spec (InvalidArgument → Stalled/InvalidSpec and a terminal
// error) → the password from the SecretStore (generated once, kept) → the status from
// the containers alone when a ready node's container stopped or vanished (FactsStatus;
// written before any node is asked) → observe: the node containers in the
// ContainerCache, and CLUSTER INFO + CLUSTER NODES of every running node (one connection
// to its address each, node_link.h), how long each down node has been down (remembered
// by this object) → Plan (pure) → before a step that changes the cluster, wait while a
// redis-cli --cluster an earlier nxtd started still runs in a node (exec'd processes
// outlive a SIGKILLed nxtd) → act (actuator.h) → observe again when something changed →
// write status → Result. It requeues while the cluster moves towards the spec (50 ms
// after a step or a change of what it waits for, doubling to 1 s while the same wait goes
// on: step_pacer.h) and returns Result{.requeue_after = resync} once converged, so
// cluster failures that Docker does not see (a node leaving the bus, a failover) are
// noticed.
//
// Errors come back annotated, code kept: "rediscluster default/cache: add cache-6 as a
// master: redis-cli --cluster add-node in cache-0: [ERR] ...". The password never appears
// in argv, env, logs, events or status. Volumes are never removed except on deletion
// with deletionPolicy: Delete (which also removes the password).
//
// Reconcile is the skeleton's (controllers/common/kind_reconciler.h), which adds the object
// prefix and stalls. Thread-safe: the manager may run Reconcile for different keys
// concurrently (never for one key). The dependencies must outlive this object.
#ifndef NXT_CONTROLLERS_REDISCLUSTER_REDISCLUSTER_RECONCILER_H_
#define NXT_CONTROLLERS_REDISCLUSTER_REDISCLUSTER_RECONCILER_H_

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "controllers/common/kind_deps.h"
#include "controllers/common/kind_reconciler.h"
#include "controllers/common/secret_store.h"
#include "controllers/rediscluster/admin.h"
#include "controllers/rediscluster/hiredis_node_link.h"
#include "controllers/rediscluster/node_link.h"
#include "controllers/rediscluster/plan.h"
#include "controllers/rediscluster/step_pacer.h"
#include "docker/container_cache.h"
#include "docker/docker_client.h"
#include "reconciler/reconciler.h"
#include "reconciler/store.h"
#include "resources/object.h"
#include "resources/rediscluster.h"

namespace nxt::rediscluster {

inline constexpr char kPasswordSecret[] = "password";

// What a round wants: the decoded spec, the cluster's desired state and its password.
struct Desired {
  resources::RedisClusterSpec spec;
  DesiredState state;
  std::string password;
};

class RedisClusterReconciler : public controllers::KindReconciler<Desired> {
 public:
  struct Options {
    absl::Duration stop_timeout = absl::Seconds(10);
    // While the cluster moves towards the spec: the next round after this long, doubled
    // while it waits for the same thing (step_pacer.h).
    StepPacer::Options pace;
    // Converged clusters are looked at again after this long (0: only on events).
    absl::Duration resync = absl::Seconds(30);
    RedisAdmin::Timeouts timeouts;
    int create_parallelism = 4;
    // How nodes are asked for their view and sent single commands; null: Redis's own
    // protocol at their addresses (HiredisNodeLink over `docker`). Must outlive the
    // reconciler.
    NodeLink* link = nullptr;
  };

  RedisClusterReconciler(const controllers::KindDeps& deps, Options options);

  // What the next reconcile of `object` would do, one line per action; for `nxtctl diff`.
  // Execs CLUSTER NODES in the running nodes (read-only). InvalidArgument on a bad spec.
  absl::StatusOr<std::vector<std::string>> DescribePlan(const resources::Object& object);

 private:
  absl::StatusOr<Desired> Desire(const resources::Object& object) override;
  ObservedState Observe(const resources::ObjectKey& key, RedisAdmin* admin) const;
  // ObservedState::down_for of nodes 0..nodes-1 that do not run: since the engine's
  // FinishedAt of a stopped container (read once, when this controller first sees it
  // down), since first seen for a missing one; remembered across rounds, forgotten once
  // it runs.
  std::map<std::string, absl::Duration> DownFor(const DesiredState& desired,
                                                const ObservedState& observed);
  // A wait while a `redis-cli --cluster` from before an nxtd restart still runs in a
  // node (or the check fails): two cluster tools at once corrupt slot moves.
  // A container is looked into at most once: one made or started since this reconciler
  // started, or found free once, stays free (this nxtd waits for its own tools), until a
  // cluster step fails.
  std::optional<Action> WaitForLeftoverTool(const resources::ObjectKey& key, RedisAdmin& admin);
  // Forgets which containers of `key` were found free of leftover tools.
  void ForgetToolFree(const resources::ObjectKey& key);
  absl::StatusOr<reconciler::Result> Converge(const resources::Object& object,
                                              Desired desired) override;
  absl::StatusOr<reconciler::Result> Teardown(const resources::ObjectKey& key,
                                              const resources::Object* object) override;

  const Options options_;
  const absl::Time started_;
  std::unique_ptr<HiredisNodeLink> own_link_;  // when options_.link is null
  NodeLink* const link_;
  StepPacer pacer_;
  absl::Mutex down_mu_;
  // Container name → since when it has been down (nodes 0..nodes-1).
  std::map<std::string, absl::Time> down_since_ ABSL_GUARDED_BY(down_mu_);
  // Object → IDs of its containers known to run no redis-cli --cluster of an earlier nxtd.
  std::map<std::string, std::set<std::string>> tool_free_ ABSL_GUARDED_BY(down_mu_);
};

}  // namespace nxt::rediscluster

#endif  // NXT_CONTROLLERS_REDISCLUSTER_REDISCLUSTER_RECONCILER_H_
