// The RustFSPool controller: a RustFS pool of nodes × drives whose topology is fixed
// once created, and its buckets.
//
// Reconcile(key): load the object (absent or being deleted → tear down, then
// Store::Finalize) → decode the spec and check its host paths against the allowed roots
// (InvalidArgument → Stalled/InvalidSpec, a Warning event and a terminal error; the
// running pool is left as it is) → the layout: the recorded one (a spec whose topology
// differs → Stalled/TopologyImmutable, Warning event, terminal error, nothing touched),
// or, on first creation, the spec's, recorded under the state directory BEFORE any
// container exists (refused the same way when volumes of an earlier, differently laid
// out pool of this name are found) → the access and secret keys (SecretStore, generated
// once) → host directories created (never emptied; drive_dirs.h: resolved without
// following symlinks, made with mkdirat, checked again right before each node's create;
// a refusal → Stalled/HostPathRefused, a terminal error, running nodes left) → observe
// (ContainerCache + GET /health on every running node's bridge address) → PlanMembers (create
// missing nodes, start stopped ones, roll changed ones one at a time behind /health) →
// MemberActuator → when every node is current and ready: the bucket plan through the S3 API of the
// lowest ready node (SigV4) → status and events → Result. It requeues while the pool
// moves towards the spec and returns Result{.requeue_after = resync} once converged, so
// a node that stops answering without a Docker event is still noticed.
//
// Data: volumes and host directories are never emptied or removed, except the named
// volumes on deletion with deletionPolicy: Delete (which also removes the keys and the
// layout record). The keys never appear in argv, env, logs, events or status.
//
// Errors come back annotated with their code kept ("rustfspool default/s3: create
// s3-2: docker create ..."). Reconcile is the skeleton's
// (controllers/common/kind_reconciler.h), which adds the object prefix and stalls; the
// layout records live under <KindDeps::state_dir>/rustfs/, and drive host paths may lie
// under KindDeps::allowed_host_path_roots only. Thread-safe: Reconcile may run
// concurrently for different keys (never for one key). The dependencies must outlive
// this object.
#ifndef NXT_CONTROLLERS_RUSTFSPOOL_RUSTFS_RECONCILER_H_
#define NXT_CONTROLLERS_RUSTFSPOOL_RUSTFS_RECONCILER_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "controllers/common/http_client.h"
#include "controllers/common/kind_deps.h"
#include "controllers/common/kind_reconciler.h"
#include "controllers/common/member_plan.h"
#include "controllers/common/secret_store.h"
#include "controllers/rustfspool/layout.h"
#include "controllers/rustfspool/plan.h"
#include "controllers/rustfspool/render.h"
#include "docker/container_cache.h"
#include "docker/docker_client.h"
#include "reconciler/reconciler.h"
#include "reconciler/store.h"
#include "resources/object.h"
#include "resources/rustfspool.h"

namespace nxt::rustfspool {

// What a round wants: the decoded spec, the pool's layout (recorded) and its keys.
struct Desired {
  resources::RustFSPoolSpec spec;
  PoolLayout layout;
  PoolKeys keys;
};

class RustFSPoolReconciler : public controllers::KindReconciler<Desired> {
 public:
  struct Options {
    absl::Duration stop_timeout = absl::Seconds(10);
    absl::Duration probe_timeout = absl::Seconds(2);
    absl::Duration s3_timeout = absl::Seconds(5);
    // While nodes start, /health is polled this often (4 inspects + 4 GETs per round for
    // a 4-node pool): Ready follows the last node within about half a second.
    absl::Duration requeue_after_change = absl::Milliseconds(500);
    absl::Duration requeue_while_waiting = absl::Milliseconds(500);
    // Converged pools are looked at again after this long.
    absl::Duration resync = absl::Seconds(30);
    int create_parallelism = 4;
  };

  RustFSPoolReconciler(const controllers::KindDeps& deps, Options options);

  // What the next reconcile of `object` would do, one line per action, for `nxtctl diff`
  // (probes the nodes' /health; records nothing, creates nothing). InvalidArgument on a
  // bad spec, FailedPrecondition on a topology change.
  absl::StatusOr<std::vector<std::string>> DescribePlan(const resources::Object& object);

 private:
  struct Observed {
    std::vector<controllers::SeenMember> members;
    std::map<std::string, std::string> ips;  // running nodes' addresses on the pool network
  };
  struct BucketRound {
    std::optional<BucketView> view;
    std::vector<BucketAction> actions;
    absl::Status error;
  };

  // Decode, then the recorded layout (a topology change: Refused TopologyImmutable), then
  // the keys (created on first use).
  absl::StatusOr<Desired> Desire(const resources::Object& object) override;
  absl::StatusOr<resources::RustFSPoolSpec> Decode(const resources::Object& object) const;
  // The recorded layout, or (no record) the spec's, recorded when `record`.
  absl::StatusOr<PoolLayout> Layout(const resources::ObjectKey& key,
                                    const resources::RustFSPoolSpec& spec, bool record);
  absl::Status CheckLeftoverVolumes(const resources::ObjectKey& key, const PoolLayout& layout);
  absl::StatusOr<PoolKeys> Keys(const resources::ObjectKey& key, bool create);
  Observed Observe(const resources::ObjectKey& key, const PoolKeys& keys) const;
  absl::StatusOr<reconciler::Result> Converge(const resources::Object& object,
                                              Desired desired) override;
  // Host directories (drive_dirs.h), then `actions` (unless they only wait); the Docker
  // changes made, the first failure in `error`, and in `refused` a drive directory
  // refused on the host (when made, or right before a node's create).
  int ActOnNodes(const resources::ObjectKey& key, const PoolLayout& layout,
                 const std::vector<controllers::MemberAction>& actions,
                 const std::map<std::string, controllers::RenderedMember>& rendered,
                 absl::Status& error, absl::Status& refused);
  BucketRound Buckets(const resources::ObjectKey& key, const resources::RustFSPoolSpec& spec,
                      const PoolKeys& keys, const Observed& observed);
  absl::StatusOr<reconciler::Result> Teardown(const resources::ObjectKey& key,
                                              const resources::Object* object) override;

  const std::vector<std::string> allowed_host_path_roots_;
  const Options options_;
  LayoutStore layouts_;
};

}  // namespace nxt::rustfspool

#endif  // NXT_CONTROLLERS_RUSTFSPOOL_RUSTFS_RECONCILER_H_
