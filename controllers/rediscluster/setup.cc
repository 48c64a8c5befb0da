#include "controllers/rediscluster/setup.h"

#include <memory>
#include <utility>

#include "controllers/rediscluster/redis_metrics.h"
#include "controllers/rediscluster/rediscluster_reconciler.h"

namespace nxt::controllers {

absl::StatusOr<KindController> SetupRedisCluster(const KindDeps& deps) {
  rediscluster::RedisClusterReconciler::Options options;
  auto reconciler = std::make_unique<rediscluster::RedisClusterReconciler>(
      deps.store, deps.docker, deps.cache, deps.secrets, deps.clock, options);
  KindController kind;
  rediscluster::RedisClusterReconciler* planner = reconciler.get();
  kind.describe_plan = [planner](const resources::Object& object) {
    return planner->DescribePlan(object);
  };
  kind.reconciler = std::move(reconciler);
  kind.metrics = std::make_unique<rediscluster::RedisMetricsCollector>(deps.store);
  return kind;
}

}  // namespace nxt::controllers
