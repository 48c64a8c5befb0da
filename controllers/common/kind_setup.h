// The seam between nxtd and a kind, as controller-runtime's SetupWithManager: each kind
// folder controllers/<folder>/ defines, in its setup.cc,
//
//   absl::StatusOr<KindController> Setup<Kind>(const KindDeps& deps);
//
// (declared below for every kind of crd-schemas/kinds.def) that builds the kind's
// reconciler and its hooks from one bundle of dependencies. The daemon runs each
// registered Setup once at start-up and wires the result: a controller named after the
// folder, the predicate for its containers' events, its `nxtctl diff` planner, its
// metrics and the manifest checks that need the daemon's configuration.
#ifndef NXT_CONTROLLERS_COMMON_KIND_SETUP_H_
#define NXT_CONTROLLERS_COMMON_KIND_SETUP_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "controllers/common/change_predicate.h"
#include "controllers/common/kind_deps.h"
#include "prometheus/collectable.h"
#include "reconciler/reconciler.h"
#include "resources/kind_registry.h"
#include "resources/object.h"

namespace nxt::controllers {

// A kind's controller, built by its Setup and owned by the daemon.
struct KindController {
  std::unique_ptr<reconciler::Reconciler> reconciler;  // never null
  // `nxtctl diff`: what the next reconcile of an object would do, one line per action.
  // Must be a pure read and thread-safe (see reconciler::api::Planner).
  std::function<absl::StatusOr<std::vector<std::string>>(const resources::Object&)> describe_plan;
  // Which changes of the kind's containers wake it (the default unless the kind says).
  ChangePredicate predicate;
  // The kind's own gauges, collected at each scrape; null when it has none.
  std::unique_ptr<prometheus::Collectable> metrics;
  // Manifest rules that need the daemon's configuration (host paths under the allowed
  // roots), run after the kind's own check when a manifest is read or applied; may be empty.
  resources::SemanticCheck configured_check;
};

using KindSetup = std::function<absl::StatusOr<KindController>(const KindDeps& deps)>;

// A KindController owning `reconciler`, whose DescribePlan is the `nxtctl diff` planner.
template <typename R>
KindController ControllerOf(std::unique_ptr<R> reconciler) {
  KindController kind;
  R* planner = reconciler.get();
  kind.describe_plan = [planner](const resources::Object& object) {
    return planner->DescribePlan(object);
  };
  kind.reconciler = std::move(reconciler);
  return kind;
}

// Setup<Kind> of every registered kind, defined in controllers/<folder>/setup.cc.
#define NXT_KIND(folder, Kind) absl::StatusOr<KindController> Setup##Kind(const KindDeps& deps);
#include "crd-schemas/kinds.def"
#undef NXT_KIND

}  // namespace nxt::controllers

#endif  // NXT_CONTROLLERS_COMMON_KIND_SETUP_H_
