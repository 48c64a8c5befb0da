// The RustFSPool domain metrics, computed at scrape time from the statuses the
// controller writes (so they never disagree with `nxtctl get`):
//   nxt_rustfs_nodes{namespace,name}        nodes of the pool (its recorded layout)
//   nxt_rustfs_nodes_ready{namespace,name}  nodes answering GET /health
//   nxt_rustfs_buckets{namespace,name}      buckets of the spec present with the versioning
//                                           it asks for
// Register it with the metrics server's collectables. Thread-safe; never throws; the
// store must outlive it.
#ifndef NXT_CONTROLLERS_RUSTFSPOOL_RUSTFS_METRICS_H_
#define NXT_CONTROLLERS_RUSTFSPOOL_RUSTFS_METRICS_H_

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <vector>

#include "reconciler/store.h"

namespace nxt::rustfspool {

class RustFSMetricsCollector : public prometheus::Collectable {
 public:
  explicit RustFSMetricsCollector(const reconciler::Store& store) : store_(store) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const reconciler::Store& store_;
};

}  // namespace nxt::rustfspool

#endif  // NXT_CONTROLLERS_RUSTFSPOOL_RUSTFS_METRICS_H_
