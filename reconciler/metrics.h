// Prometheus metrics of the runtime, with controller-runtime's exact names, help
// texts, buckets and labels (pkg/internal/controller/metrics, pkg/metrics/workqueue.go)
// so existing dashboards and alerts work, plus nxt's resource and manifest series.
#ifndef NXT_RECONCILER_METRICS_H_
#define NXT_RECONCILER_METRICS_H_

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "absl/synchronization/mutex.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "reconciler/metrics_hooks.h"
#include "resources/object.h"

namespace nxt::reconciler {

// controller_runtime_reconcile_total{controller,result}, ..._reconcile_errors_total,
// ..._terminal_reconcile_errors_total, ..._reconcile_panics_total,
// ..._reconcile_time_seconds, ..._max_concurrent_reconciles, ..._active_workers (label
// controller) and workqueue_depth, _adds_total, _queue_duration_seconds,
// _work_duration_seconds, _retries_total, _unfinished_work_seconds,
// _longest_running_processor_seconds (labels name, controller; both carry the
// controller name).
//
// The constructor registers the families in `registry`, which must outlive this
// object; like all prometheus-cpp registration it may throw, so build it at start-up
// (once per registry). Everything else is thread-safe and never throws.
class ControllerMetrics {
 public:
  // The hooks one controller reports through. Valid as long as the ControllerMetrics.
  struct Hooks {
    ReconcileMetrics* reconcile;
    WorkQueueMetrics* workqueue;
  };

  explicit ControllerMetrics(prometheus::Registry& registry);
  ~ControllerMetrics();

  ControllerMetrics(const ControllerMetrics&) = delete;
  ControllerMetrics& operator=(const ControllerMetrics&) = delete;

  // Creates every series of `controller` at 0 (all four `result` values included) and
  // sets max_concurrent_reconciles. Registering a name again returns the same hooks.
  Hooks Register(const std::string& controller, int max_concurrent_reconciles);

 private:
  class PerController;

  prometheus::Family<prometheus::Counter>& reconcile_total_;
  prometheus::Family<prometheus::Counter>& reconcile_errors_;
  prometheus::Family<prometheus::Counter>& terminal_errors_;
  prometheus::Family<prometheus::Counter>& reconcile_panics_;
  prometheus::Family<prometheus::Histogram>& reconcile_time_;
  prometheus::Family<prometheus::Gauge>& max_concurrent_;
  prometheus::Family<prometheus::Gauge>& active_workers_;
  prometheus::Family<prometheus::Gauge>& depth_;
  prometheus::Family<prometheus::Counter>& adds_;
  prometheus::Family<prometheus::Histogram>& queue_duration_;
  prometheus::Family<prometheus::Histogram>& work_duration_;
  prometheus::Family<prometheus::Counter>& retries_;
  prometheus::Family<prometheus::Gauge>& unfinished_;
  prometheus::Family<prometheus::Gauge>& longest_running_;

  absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<PerController>> controllers_ ABSL_GUARDED_BY(mu_);
};

// nxt_resource_condition{kind,namespace,name,type,status} (1 on the current status of
// each condition, 0 on the other two of True/False/Unknown),
// nxt_resource_replicas{kind,namespace,name,state="desired|ready"},
// nxt_manifest_errors_total and nxt_manifest_invalid_objects.
//
// Same construction rules as ControllerMetrics; every method is thread-safe.
class ResourceMetrics {
 public:
  explicit ResourceMetrics(prometheus::Registry& registry);

  ResourceMetrics(const ResourceMetrics&) = delete;
  ResourceMetrics& operator=(const ResourceMetrics&) = delete;

  // `status` is "True", "False" or "Unknown" (anything else counts as "Unknown").
  void SetCondition(const resources::ObjectKey& key, const std::string& type,
                    const std::string& status);
  // SetCondition for every condition of `status`.
  void SetConditions(const resources::ObjectKey& key, const resources::ObjectStatus& status);
  void SetReplicas(const resources::ObjectKey& key, int64_t desired, int64_t ready);
  // Drops every condition and replica series of `key` (the object is gone).
  void Remove(const resources::ObjectKey& key);

  // A manifest file or object was refused (parse, schema or semantic error).
  void IncManifestErrors(int count = 1);
  // Objects whose current manifest is invalid (their last valid version keeps running).
  void SetInvalidObjects(int64_t count);

 private:
  prometheus::Gauge& SeriesLocked(prometheus::Family<prometheus::Gauge>& family,
                                  const resources::ObjectKey& key, const prometheus::Labels& extra)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  prometheus::Family<prometheus::Gauge>& condition_;
  prometheus::Family<prometheus::Gauge>& replicas_;
  prometheus::Counter& manifest_errors_;
  prometheus::Gauge& invalid_objects_;

  absl::Mutex mu_;
  // The series created per object, so Remove can drop them.
  std::map<resources::ObjectKey,
           std::set<std::pair<prometheus::Family<prometheus::Gauge>*, prometheus::Gauge*>>>
      series_ ABSL_GUARDED_BY(mu_);
};

}  // namespace nxt::reconciler

#endif  // NXT_RECONCILER_METRICS_H_
