// The standard process metrics (as Prometheus' Go process collector names them), read
// from /proc at every scrape.
#ifndef NXT_RECONCILER_PROCESS_METRICS_H_
#define NXT_RECONCILER_PROCESS_METRICS_H_

#include <vector>

#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"

namespace nxt::reconciler {

// process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_start_time_seconds, process_open_fds,
// process_max_fds. A value that cannot be read (no /proc) is left out rather than
// reported wrong. Stateless and thread-safe; never throws.
class ProcessMetrics : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override;
};

}  // namespace nxt::reconciler

#endif  // NXT_RECONCILER_PROCESS_METRICS_H_
