// The GaleraCluster domain metrics, computed at scrape time from the statuses the
// controller writes (so they are never out of step with `nxtctl get`):
//   nxt_galera_cluster_size{namespace,name}            wsrep_cluster_size (0: no Primary)
//   nxt_galera_node_ready{namespace,name,node}         1 when Primary and Synced
//   nxt_galera_node_state{namespace,name,node,state}   1 on the node's state, 0 on the others
//       (state: Synced, Donor/Desynced, Joining, Joined, NonPrimary, Starting, Stopped)
//   nxt_galera_recoveries_total{namespace,name}        total-outage recoveries carried out
// Register it with the metrics server's collectables. Thread-safe; never throws; the
// store must outlive it.
#ifndef NXT_CONTROLLERS_GALERACLUSTER_GALERA_METRICS_H_
#define NXT_CONTROLLERS_GALERACLUSTER_GALERA_METRICS_H_

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <string>
#include <vector>

#include "reconciler/store.h"

namespace nxt::galera {

// The state label for a node state as written in status ("Primary/Synced", "Starting",
// "exited", "non-Primary/Initialized", ...).
std::string MetricState(const std::string& status_state);

class GaleraMetricsCollector : public prometheus::Collectable {
 public:
  explicit GaleraMetricsCollector(const reconciler::Store& store) : store_(store) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const reconciler::Store& store_;
};

}  // namespace nxt::galera

#endif  // NXT_CONTROLLERS_GALERACLUSTER_GALERA_METRICS_H_
