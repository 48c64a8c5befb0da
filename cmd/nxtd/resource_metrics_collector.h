// Refreshes the per-object gauges (nxt_resource_condition, nxt_resource_replicas,
// nxt_manifest_invalid_objects) from the store at scrape time, so they are never stale
// and cost nothing between scrapes. Collect() returns no families itself: list it
// before the registry that holds ResourceMetrics.
#ifndef NXT_CMD_NXTD_RESOURCE_METRICS_COLLECTOR_H_
#define NXT_CMD_NXTD_RESOURCE_METRICS_COLLECTOR_H_

#include <set>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "prometheus/collectable.h"
#include "reconciler/metrics.h"
#include "reconciler/store.h"

namespace nxt::nxtd {

// `store` and `metrics` must outlive this object. Thread-safe.
class ResourceMetricsCollector : public prometheus::Collectable {
 public:
  ResourceMetricsCollector(const reconciler::Store& store, reconciler::ResourceMetrics& metrics)
      : store_(store), metrics_(metrics) {}

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const reconciler::Store& store_;
  reconciler::ResourceMetrics& metrics_;
  mutable absl::Mutex mu_;
  mutable std::set<resources::ObjectKey> known_ ABSL_GUARDED_BY(mu_);
};

}  // namespace nxt::nxtd

#endif  // NXT_CMD_NXTD_RESOURCE_METRICS_COLLECTOR_H_
