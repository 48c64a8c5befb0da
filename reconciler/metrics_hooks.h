// The metric hooks the runtime reports through, so the workqueue and the controller
// loop do not depend on prometheus. ControllerMetrics (metrics.h) implements both;
// tests may implement them with plain counters.
#ifndef NXT_RECONCILER_METRICS_HOOKS_H_
#define NXT_RECONCILER_METRICS_HOOKS_H_

#include "absl/time/time.h"

namespace nxt::reconciler {

// What a WorkQueue reports (client-go's workqueue.MetricsProvider). Implementations
// are thread-safe; every call is cheap and never blocks on the queue.
class WorkQueueMetrics {
 public:
  virtual ~WorkQueueMetrics() = default;
  // Items waiting in the queue (not processing, not delayed).
  virtual void SetDepth(int64_t depth) = 0;
  virtual void IncAdds() = 0;
  // Time from Add to Get.
  virtual void ObserveQueueDuration(absl::Duration d) = 0;
  // Time from Get to Done.
  virtual void ObserveWorkDuration(absl::Duration d) = 0;
  virtual void IncRetries() = 0;
  // Sum over items being processed of their time in processing so far.
  virtual void SetUnfinishedWorkSeconds(double seconds) = 0;
  virtual void SetLongestRunningProcessorSeconds(double seconds) = 0;
};

// What a Controller reports. Thread-safe.
class ReconcileMetrics {
 public:
  enum class Outcome { kSuccess, kError, kRequeue, kRequeueAfter };

  virtual ~ReconcileMetrics() = default;
  // One finished Reconcile call: its outcome and duration.
  virtual void RecordReconcile(Outcome outcome, absl::Duration d) = 0;
  // Every error (terminal ones too, as controller-runtime counts them).
  virtual void IncErrors() = 0;
  virtual void IncTerminalErrors() = 0;
  // A Reconcile that threw (controller-runtime's "panics").
  virtual void IncPanics() = 0;
  virtual void AddActiveWorkers(int delta) = 0;
};

}  // namespace nxt::reconciler

#endif  // NXT_RECONCILER_METRICS_HOOKS_H_
