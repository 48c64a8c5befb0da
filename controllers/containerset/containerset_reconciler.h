// The ContainerSet controller: N identical containers converged by config hash.
//
// Reconcile(key): load the object (absent or being deleted → tear down, then
// Store::Finalize) → decode and render the spec (InvalidArgument → Stalled/InvalidSpec
// status and a terminal error) → observe the member containers in the ContainerCache (by
// owner labels; no Docker call) → Plan (plan.h) → act (actuator.h: Docker calls, written
// through to the cache) → write status and events → Result. A create or replace whose
// host paths no longer resolve cleanly on the host (host_paths.h, checked right before
// it) is refused: Stalled/HostPathRefused and a terminal error; running members stay. It requeues
// after 1-2 s while members are starting or a rollout waits on readiness, and returns Result{} once
// converged. A second run on a converged set makes no Docker call at all.
//
// Docker errors come back annotated, code kept (the workqueue retries with backoff):
//   "containerset default/web: create web-2: docker create web-2: HTTP 409: ..."
// Volumes are never removed, except on deletion with deletionPolicy: Delete.
//
// Reconcile is the skeleton's (controllers/common/kind_reconciler.h), which adds the object
// prefix and stalls. Host paths may lie under KindDeps::allowed_host_path_roots only.
// Thread-safe: the manager may run Reconcile for different keys concurrently (never for
// one key). The dependencies must outlive this object.
#ifndef NXT_CONTROLLERS_CONTAINERSET_CONTAINERSET_RECONCILER_H_
#define NXT_CONTROLLERS_CONTAINERSET_CONTAINERSET_RECONCILER_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "controllers/common/kind_deps.h"
#include "controllers/common/kind_reconciler.h"
#include "controllers/containerset/plan.h"
#include "controllers/containerset/render.h"
#include "docker/container_cache.h"
#include "docker/docker_client.h"
#include "reconciler/reconciler.h"
#include "reconciler/store.h"
#include "resources/containerset.h"
#include "resources/object.h"

namespace nxt::containerset {

// What a round wants: the decoded spec and the set's desired state.
struct Desired {
  resources::ContainerSetSpec spec;
  DesiredState state;
};

class ContainerSetReconciler : public controllers::KindReconciler<Desired> {
 public:
  struct Options {
    // Grace given to a container's process on removal (SIGTERM, then SIGKILL).
    absl::Duration stop_timeout = absl::Seconds(10);
    absl::Duration requeue_after_change = absl::Seconds(1);
    absl::Duration requeue_while_waiting = absl::Seconds(2);
    int create_parallelism = 16;  // concurrent creates in one round
  };

  ContainerSetReconciler(const controllers::KindDeps& deps, Options options);

  // What the next reconcile of `object` (stored or only proposed) would do, one line per
  // action ("create container web-2", ...); empty when nothing would change. For `nxtctl
  // diff`. InvalidArgument for a spec that cannot be rendered. Reads only the cache.
  absl::StatusOr<std::vector<std::string>> DescribePlan(const resources::Object& object);

  // The ContainerSet (or any nxt object) a Docker event belongs to, from its labels.
  static std::optional<resources::ObjectKey> OwnerKeyForEvent(const docker::Event& event);

 private:
  absl::StatusOr<Desired> Desire(const resources::Object& object) override;
  ObservedState Observe(const resources::ObjectKey& key) const;
  absl::StatusOr<reconciler::Result> Converge(const resources::Object& object,
                                              Desired desired) override;
  absl::StatusOr<reconciler::Result> Teardown(const resources::ObjectKey& key,
                                              const resources::Object* object) override;

  const RenderOptions render_;  // the allowed host path roots
  const Options options_;
};

}  // namespace nxt::containerset

#endif  // NXT_CONTROLLERS_CONTAINERSET_CONTAINERSET_RECONCILER_H_
