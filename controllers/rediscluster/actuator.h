// Carries out a RedisCluster plan: container actions against Docker (written through to
// the ContainerCache), cluster actions through RedisAdmin (redis-cli in the anchor's or
// the node's container; addresses resolved with InspectContainer on the cluster's
// network, because CLUSTER MEET and --cluster need IPs). A Normal event per change, a
// Warning per failure. Creates run concurrently; everything else in plan order, stopping
// at the first failed cluster action (the next round re-plans from what Redis says).
//
// Errors carry the action: "add cache-6 as a master: redis-cli --cluster add-node in
// cache-0: [ERR] ...". NotFound while removing counts as done.
//
// Thread-compatible: one Actuator per reconcile. The client, cache, store and admin must
// outlive it.
#ifndef NXT_CONTROLLERS_REDISCLUSTER_ACTUATOR_H_
#define NXT_CONTROLLERS_REDISCLUSTER_ACTUATOR_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "controllers/rediscluster/admin.h"
#include "controllers/rediscluster/plan.h"
#include "docker/container_cache.h"
#include "docker/docker_client.h"
#include "reconciler/store.h"
#include "resources/object.h"
#include "resources/rediscluster.h"

namespace nxt::rediscluster {

struct ActuatorContext {
  resources::ObjectKey key;
  const resources::RedisClusterSpec* spec = nullptr;  // null during teardown
  std::string config_hash;
  std::string password;  // written into redis.conf only
  int replicas_per_master = 1;
  absl::Duration stop_timeout = absl::Seconds(10);
  int parallelism = 4;
  bool record_events = true;
};

struct ActuatorOutcome {
  absl::Status error;
  int changes = 0;
};

class Actuator {
 public:
  Actuator(docker::DockerClient& docker, docker::ContainerCache& cache, reconciler::Store& store,
           RedisAdmin* admin, ActuatorContext context);

  ActuatorOutcome Run(const std::vector<Action>& actions);

 private:
  absl::Status Do(const Action& action);
  absl::Status Container(const Action& action);
  absl::Status Cluster(const Action& action);
  absl::Status CreateAndStart(int ordinal);
  absl::Status Remove(const std::string& name);
  absl::Status Forget(const std::string& node_id);
  // CLUSTER FAILOVER FORCE on the replica of `a.ordinals` with the highest replication
  // offset; one that is already a master counts as done.
  absl::Status Promote(const Action& a);
  // "<ip>:6379" of node `ordinal` on the cluster's network.
  absl::StatusOr<std::string> Address(int ordinal);
  std::string Name(int ordinal) const;
  void Event(const std::string& type, const std::string& reason, const std::string& message);

  docker::DockerClient& docker_;
  docker::ContainerCache& cache_;
  reconciler::Store& store_;
  RedisAdmin* const admin_;  // null during teardown
  const ActuatorContext context_;
};

}  // namespace nxt::rediscluster

#endif  // NXT_CONTROLLERS_REDISCLUSTER_ACTUATOR_H_
