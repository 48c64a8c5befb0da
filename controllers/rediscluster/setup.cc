// SetupRedisCluster: the RedisCluster kind's entry point for nxtd (see kind_setup.h).
#include <memory>
#include <utility>

#include "controllers/common/kind_setup.h"
#include "controllers/rediscluster/redis_metrics.h"
#include "controllers/rediscluster/rediscluster_reconciler.h"

namespace nxt::controllers {

absl::StatusOr<KindController> SetupRedisCluster(const KindDeps& deps) {
  rediscluster::RedisClusterReconciler::Options options;
  KindController kind =
      ControllerOf(std::make_unique<rediscluster::RedisClusterReconciler>(deps, options));
  kind.metrics = std::make_unique<rediscluster::RedisMetricsCollector>(deps.store);
  return kind;
}

}  // namespace nxt::controllers
