// The one reconcile skeleton of every kind (controller-runtime's reconcile.Func, written
// once): a kind derives from KindReconciler<Desired> and supplies three hooks; Reconcile
// is final and reads like a table of contents:
//
//   object = store.Get(key)
//   absent, or carrying a deletion timestamp → Teardown(key, object)
//   desired = Desire(object)     decode, validate, secrets, render; no Docker change
//   Converge(object, desired)    observe → plan → act → status
//
// What a round comes to is turned into what the workqueue gets here and nowhere else, so
// the condition policy (conditions.h, docs/resources.md) reads the same for every kind:
//   - a Result: returned as it is (the kind's status already says Ready/Reconciling);
//   - an error that carries a refusal reason (adoption.h: ConflictReason; a kind's own
//     Refused(reason, error)), from Desire or Converge, or an InvalidArgument from Desire
//     (reason InvalidSpec): Stall (stall.h): Stalled=True with that reason, a Warning
//     event, a terminal error; the members run on as they were;
//   - any other error (Teardown's too): returned with "<component> <namespace>/<name>: "
//     before its message, its code and payloads kept: a terminal error stays terminal,
//     anything else is retried with backoff.
// The object prefix is added in this one layer: hooks return errors without it
// ("create db-2: docker create db-2: HTTP 409 ...").
//
// Thread-safe as far as the hooks are: the manager may run Reconcile for different keys
// concurrently, never for one key. The dependencies must outlive this object.
#ifndef NXT_CONTROLLERS_COMMON_KIND_RECONCILER_H_
#define NXT_CONTROLLERS_COMMON_KIND_RECONCILER_H_

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "controllers/common/kind_deps.h"
#include "reconciler/reconciler.h"
#include "resources/object.h"

namespace nxt::controllers {

// The Stalled reason of a spec that Desire refuses with InvalidArgument.
inline constexpr char kReasonInvalidSpec[] = "InvalidSpec";

// The part of the skeleton that does not depend on the kind's Desired type.
class KindReconcilerBase : public reconciler::Reconciler {
 protected:
  // `component`: the kind's folder ("galeracluster"), which errors and logs name.
  KindReconcilerBase(const KindDeps& deps, std::string component)
      : store_(deps.store),
        docker_(deps.docker),
        cache_(deps.cache),
        secrets_(deps.secrets),
        http_(deps.http),
        clock_(deps.clock),
        component_(std::move(component)) {}

  // The object to reconcile; null when it is absent. Deleting(): absent or being deleted.
  resources::ObjectPtr Load(const resources::ObjectKey& key) const;
  static bool Deleting(const resources::Object* object);
  // What Reconcile returns for a Teardown that came to `result`.
  absl::StatusOr<reconciler::Result> TornDown(const resources::ObjectKey& key,
                                              absl::StatusOr<reconciler::Result> result) const;
  // What Reconcile returns for a round of `object` that failed with `error` in Desire
  // (`desiring`) or Converge: Stall, or the error with the object prefix (see above).
  absl::Status Failed(const resources::Object& object, const absl::Status& error,
                      bool desiring) const;

  // The shared dependencies (KindDeps), for the kind's hooks; fixed at construction.
  reconciler::Store& store_;
  docker::DockerClient& docker_;
  docker::ContainerCache& cache_;
  SecretStore& secrets_;
  HttpClient& http_;
  Clock& clock_;

 private:
  const std::string component_;
};

template <typename Desired>
class KindReconciler : public KindReconcilerBase {
 public:
  absl::StatusOr<reconciler::Result> Reconcile(const reconciler::Request& request) final {
    const resources::ObjectKey& key = request.key;
    resources::ObjectPtr object = Load(key);
    if (Deleting(object.get())) return TornDown(key, Teardown(key, object.get()));
    absl::StatusOr<Desired> desired = Desire(*object);
    if (!desired.ok()) return Failed(*object, desired.status(), /*desiring=*/true);
    absl::StatusOr<reconciler::Result> result = Converge(*object, *std::move(desired));
    if (!result.ok()) return Failed(*object, result.status(), /*desiring=*/false);
    return result;
  }

 protected:
  using KindReconcilerBase::KindReconcilerBase;

 private:
  // What the object asks for, from its spec alone (and the kind's records and secrets):
  // decoded, checked, rendered. Changes nothing in Docker. InvalidArgument: the spec
  // cannot be reconciled (Stalled/InvalidSpec).
  virtual absl::StatusOr<Desired> Desire(const resources::Object& object) = 0;
  // One round towards `desired`: observe → plan → act → write status. The Result asks
  // for the next round; the status it wrote says how far it came.
  virtual absl::StatusOr<reconciler::Result> Converge(const resources::Object& object,
                                                      Desired desired) = 0;
  // Removes what the object made (`object`: null when already gone from the store; then
  // only what is left running), as its deletionPolicy says, then Store::Finalize.
  virtual absl::StatusOr<reconciler::Result> Teardown(const resources::ObjectKey& key,
                                                      const resources::Object* object) = 0;
};

}  // namespace nxt::controllers

#endif  // NXT_CONTROLLERS_COMMON_KIND_RECONCILER_H_
