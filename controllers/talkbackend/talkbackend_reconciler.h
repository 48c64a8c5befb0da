// The TalkBackend controller: spreed-signaling nodes, the NATS cluster they share and an
// optional coturn, with every node's peers (NATS routes, gRPC targets, NATS URLs) always
// listing the current members.
//
// Reconcile(key): load the object (absent or being deleted → tear down: every container
// and the network; the secrets too with deletionPolicy: Delete; then Store::Finalize) →
// decode the spec (InvalidArgument → Stalled/InvalidSpec and a terminal error) → the
// secrets from the SecretStore (generated once, kept across restarts and re-applies) →
// render (render.h) → observe: the members in the ContainerCache and their probes
// (probe.h: NATS /routez, signaling /api/v1/welcome, coturn STUN) → PlanBackend (pure) →
// act (MemberActuator: create → PutFile config → start, one rollout step per group) →
// observe again when something changed → status → Result. It requeues while the backend
// moves towards the spec and returns Result{.requeue_after = resync} once converged, so a
// broken mesh that Docker does not see is noticed.
//
// Errors come back annotated, code kept: "talkbackend default/talk: create talk-nats-2:
// docker create talk-nats-2: HTTP 404 ...". No secret ever appears in argv, env, logs,
// events or status: they reach the containers only in 0600 files written before start.
//
// Reconcile is the skeleton's (controllers/common/kind_reconciler.h), which adds the object
// prefix and stalls. Thread-safe: the manager may run Reconcile for different keys
// concurrently (never for one key). The dependencies must outlive this object.
#ifndef NXT_CONTROLLERS_TALKBACKEND_TALKBACKEND_RECONCILER_H_
#define NXT_CONTROLLERS_TALKBACKEND_TALKBACKEND_RECONCILER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "controllers/common/kind_deps.h"
#include "controllers/common/kind_reconciler.h"
#include "controllers/talkbackend/plan.h"
#include "controllers/talkbackend/probe.h"
#include "controllers/talkbackend/render.h"
#include "docker/container_cache.h"
#include "docker/docker_client.h"
#include "reconciler/reconciler.h"
#include "reconciler/store.h"
#include "resources/object.h"
#include "resources/talkbackend.h"

namespace nxt::talkbackend {

// SecretStore names (under secrets/TalkBackend/<ns>/<name>/).
inline constexpr char kHashKeySecret[] = "hash-key";
inline constexpr char kBlockKeySecret[] = "block-key";
inline constexpr char kInternalSecret[] = "internal-secret";
inline constexpr char kBackendSecret[] = "backend-secret";
inline constexpr char kTurnSecret[] = "turn-secret";
inline constexpr char kTurnApiKeySecret[] = "turn-api-key";

// What a round wants: the decoded spec and the backend rendered from it (with secrets).
struct Desired {
  resources::TalkBackendSpec spec;
  DesiredBackend backend;
};

class TalkBackendReconciler : public controllers::KindReconciler<Desired> {
 public:
  struct Options {
    absl::Duration stop_timeout = absl::Seconds(10);
    // Readiness is the services' own (routes, welcome, STUN), which Docker's events do
    // not report: while the backend moves, look again soon (RequeueWhileWaiting: a
    // quarter of the time spent Reconciling, within these bounds).
    absl::Duration requeue_after_change = absl::Milliseconds(250);
    absl::Duration requeue_while_waiting = absl::Milliseconds(250);
    absl::Duration max_requeue_while_waiting = absl::Seconds(15);
    // Converged backends are looked at again after this long (0: only on events).
    absl::Duration resync = absl::Seconds(30);
    Prober::Options probe;
    int create_parallelism = 4;
  };

  TalkBackendReconciler(const controllers::KindDeps& deps, Options options);

  // What the next reconcile of `object` would do, one line per action; for `nxtctl diff`.
  // Probes the running members (read-only). InvalidArgument on a bad spec.
  absl::StatusOr<std::vector<std::string>> DescribePlan(const resources::Object& object);

 private:
  absl::StatusOr<Desired> Desire(const resources::Object& object) override;
  absl::StatusOr<TalkSecrets> Secrets(const resources::ObjectKey& key);
  ObservedBackend Observe(const resources::ObjectKey& key, const Desired* desired);
  absl::StatusOr<reconciler::Result> Converge(const resources::Object& object,
                                              Desired desired) override;
  absl::StatusOr<reconciler::Result> Teardown(const resources::ObjectKey& key,
                                              const resources::Object* object) override;

  const Options options_;
};

}  // namespace nxt::talkbackend

#endif  // NXT_CONTROLLERS_TALKBACKEND_TALKBACKEND_RECONCILER_H_
