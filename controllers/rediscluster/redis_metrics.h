// The RedisCluster domain metrics, computed at scrape time from the statuses the
// controller writes (so they are never out of step with `nxtctl get`):
//   nxt_redis_cluster_state_ok{namespace,name}         1 when cluster_state is ok
//   nxt_redis_slots{namespace,name,state}              assigned | ok | fail (pfail + fail)
//   nxt_redis_known_nodes{namespace,name}              cluster_known_nodes
//   nxt_redis_masters{namespace,name}                  healthy masters serving slots
//   nxt_redis_node_up{namespace,name,node,role}        1 when the node answers
//       (role: master, replica, unknown)
// Register it with the metrics server's collectables. Thread-safe; never throws; the
// store must outlive it.
#ifndef NXT_CONTROLLERS_REDISCLUSTER_REDIS_METRICS_H_
#define NXT_CONTROLLERS_REDISCLUSTER_REDIS_METRICS_H_

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <vector>

#include "reconciler/store.h"

namespace nxt::rediscluster {

class RedisMetricsCollector : public prometheus::Collectable {
 public:
  explicit RedisMetricsCollector(const reconciler::Store& store) : store_(store) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const reconciler::Store& store_;
};

}  // namespace nxt::rediscluster

#endif  // NXT_CONTROLLERS_REDISCLUSTER_REDIS_METRICS_H_
