#include "controllers/galeracluster/setup.h"

#include <memory>
#include <utility>

#include "controllers/galeracluster/galera_metrics.h"
#include "controllers/galeracluster/galera_reconciler.h"

namespace nxt::controllers {

absl::StatusOr<KindController> SetupGaleraCluster(const KindDeps& deps) {
  galera::GaleraClusterReconciler::Options options;
  options.state_dir = deps.state_dir;  // bootstrap markers
  auto reconciler = std::make_unique<galera::GaleraClusterReconciler>(
      deps.store, deps.docker, deps.cache, deps.secrets, deps.clock, options);
  KindController kind;
  galera::GaleraClusterReconciler* planner = reconciler.get();
  kind.describe_plan = [planner](const resources::Object& object) {
    return planner->DescribePlan(object);
  };
  kind.reconciler = std::move(reconciler);
  kind.metrics = std::make_unique<galera::GaleraMetricsCollector>(deps.store);
  return kind;
}

}  // namespace nxt::controllers
