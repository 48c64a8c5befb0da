// Carries out a ContainerSet plan against Docker: one method per action kind, writing
// through to the container cache after each change (so the next observe sees it without
// waiting for the event stream) and recording a Normal event per change and a Warning
// per failure. Creates run concurrently (bounded); everything else in plan order.
//
// Errors are collected, not short-circuited: independent actions still run; Run returns
// the first error annotated with the action ("create web-2: docker create web-2: HTTP
// 409 ..."). NotFound while removing counts as done.
//
// Right before each create or replace (before the old container is removed), the set's
// host paths are resolved again on the host (host_paths.h): a refusal leaves that member
// alone and is reported in ActuatorOutcome::refused, so the reconciler can stall the set.
//
// Thread-compatible: one Actuator per reconcile. The client, cache and store must
// outlive it and be thread-safe.
#ifndef NXT_CONTROLLERS_CONTAINERSET_ACTUATOR_H_
#define NXT_CONTROLLERS_CONTAINERSET_ACTUATOR_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "controllers/containerset/plan.h"
#include "controllers/containerset/render.h"
#include "docker/container_cache.h"
#include "docker/docker_client.h"
#include "reconciler/store.h"
#include "resources/containerset.h"
#include "resources/object.h"

namespace nxt::containerset {

struct ActuatorContext {
  resources::ObjectKey key;
  const resources::ContainerSetSpec* spec = nullptr;  // null during teardown without spec
  RenderOptions render;
  absl::Duration stop_timeout = absl::Seconds(10);
  int parallelism = 4;
  bool record_events = true;  // false when the object is already gone from the store
};

struct ActuatorOutcome {
  absl::Status error;
  std::vector<std::string> start_failures;  // started, then found exited at once
  int changes = 0;                          // Docker-changing actions that succeeded
  // The first refusal of a create or replace by the host path check (InvalidArgument,
  // "spec.volumes[1].hostPath: ..."); also counted in `error`.
  absl::Status refused;
};

class Actuator {
 public:
  Actuator(docker::DockerClient& docker, docker::ContainerCache& cache, reconciler::Store& store,
           ActuatorContext context);

  ActuatorOutcome Run(const std::vector<Action>& actions);

 private:
  absl::Status Do(const Action& action, ActuatorOutcome& outcome);
  absl::Status CheckHostPaths(ActuatorOutcome& outcome);
  // The set's own network (created or adopted by its labels) and the extra networks of
  // spec.networks (refused when nxt manages them for another object).
  absl::Status EnsureNetworks(const std::string& own);
  absl::Status CreateAndStart(int ordinal, bool* start_failed);
  // A start the engine refuses because it kept a task or a network endpoint of the
  // container across its own restart ("task ...: already exists", "endpoint with name ...
  // already exists in network") removes the container (volumes stay) and returns the
  // error: the next round creates it again.
  absl::Status Start(const std::string& name, bool* start_failed);
  static bool StaleInEngine(const absl::Status& start_error);
  absl::Status Remove(const std::string& name);
  void Event(const std::string& type, const std::string& reason, const std::string& message);

  docker::DockerClient& docker_;
  docker::ContainerCache& cache_;
  reconciler::Store& store_;
  const ActuatorContext context_;
};

}  // namespace nxt::containerset

#endif  // NXT_CONTROLLERS_CONTAINERSET_ACTUATOR_H_
