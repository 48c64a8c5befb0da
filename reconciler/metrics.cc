#include "reconciler/metrics.h"

#include <utility>
#include <vector>

namespace nxt::reconciler {
namespace {

using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Histogram;

// controller-runtime's ReconcileTime buckets.
Histogram::BucketBoundaries ReconcileTimeBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1,  0.15, 0.2,  0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6,
          0.7,   0.8,  0.9,   1.0,  1.25, 1.5,  1.75, 2.0,  2.5, 3.0,  3.5, 4.0,  4.5, 5,
          6,     7,    8,     9,    10,   15,   20,   25,   30,  40,   50,  60};
}

// prometheus.ExponentialBuckets(10e-9, 10, 12), as the workqueue histograms use.
Histogram::BucketBoundaries WorkQueueBuckets() {
  Histogram::BucketBoundaries buckets;
  double bound = 10e-9;
  for (int i = 0; i < 12; ++i) {
    buckets.push_back(bound);
    bound *= 10;
  }
  return buckets;
}

Family<Counter>& CounterFamily(prometheus::Registry& r, const std::string& name,
                               const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r);
}
Family<Gauge>& GaugeFamily(prometheus::Registry& r, const std::string& name,
                           const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r);
}
Family<Histogram>& HistogramFamily(prometheus::Registry& r, const std::string& name,
                                   const std::string& help) {
  return prometheus::BuildHistogram().Name(name).Help(help).Register(r);
}

const char* OutcomeLabel(ReconcileMetrics::Outcome outcome) {
  switch (outcome) {
    case ReconcileMetrics::Outcome::kSuccess:
      return "success";
    case ReconcileMetrics::Outcome::kError:
      return "error";
    case ReconcileMetrics::Outcome::kRequeue:
      return "requeue";
    case ReconcileMetrics::Outcome::kRequeueAfter:
      return "requeue_after";
  }
  return "error";
}

}  // namespace

// Every series of one controller, created (at 0) on registration.
class ControllerMetrics::PerController : public ReconcileMetrics, public WorkQueueMetrics {
 public:
  PerController(ControllerMetrics& m, const std::string& name)
      : errors_(m.reconcile_errors_.Add({{"controller", name}})),
        terminal_errors_(m.terminal_errors_.Add({{"controller", name}})),
        panics_(m.reconcile_panics_.Add({{"controller", name}})),
        reconcile_time_(m.reconcile_time_.Add({{"controller", name}}, ReconcileTimeBuckets())),
        max_concurrent_(m.max_concurrent_.Add({{"controller", name}})),
        active_workers_(m.active_workers_.Add({{"controller", name}})),
        depth_(m.depth_.Add(QueueLabels(name))),
        adds_(m.adds_.Add(QueueLabels(name))),
        queue_duration_(m.queue_duration_.Add(QueueLabels(name), WorkQueueBuckets())),
        work_duration_(m.work_duration_.Add(QueueLabels(name), WorkQueueBuckets())),
        retries_(m.retries_.Add(QueueLabels(name))),
        unfinished_(m.unfinished_.Add(QueueLabels(name))),
        longest_running_(m.longest_running_.Add(QueueLabels(name))) {
    for (auto outcome :
         {Outcome::kSuccess, Outcome::kError, Outcome::kRequeue, Outcome::kRequeueAfter}) {
      total_[static_cast<int>(outcome)] =
          &m.reconcile_total_.Add({{"controller", name}, {"result", OutcomeLabel(outcome)}});
    }
  }

  void SetMaxConcurrent(int n) { max_concurrent_.Set(n); }

  void RecordReconcile(Outcome outcome, absl::Duration d) override {
    total_[static_cast<int>(outcome)]->Increment();
    reconcile_time_.Observe(absl::ToDoubleSeconds(d));
  }
  void IncErrors() override { errors_.Increment(); }
  void IncTerminalErrors() override { terminal_errors_.Increment(); }
  void IncPanics() override { panics_.Increment(); }
  void AddActiveWorkers(int delta) override { active_workers_.Increment(delta); }

  void SetDepth(int64_t depth) override { depth_.Set(static_cast<double>(depth)); }
  void IncAdds() override { adds_.Increment(); }
  void ObserveQueueDuration(absl::Duration d) override {
    queue_duration_.Observe(absl::ToDoubleSeconds(d));
  }
  void ObserveWorkDuration(absl::Duration d) override {
    work_duration_.Observe(absl::ToDoubleSeconds(d));
  }
  void IncRetries() override { retries_.Increment(); }
  void SetUnfinishedWorkSeconds(double seconds) override { unfinished_.Set(seconds); }
  void SetLongestRunningProcessorSeconds(double seconds) override { longest_running_.Set(seconds); }

 private:
  static prometheus::Labels QueueLabels(const std::string& name) {
    return {{"name", name}, {"controller", name}};
  }

  Counter* total_[4] = {};
  Counter& errors_;
  Counter& terminal_errors_;
  Counter& panics_;
  Histogram& reconcile_time_;
  Gauge& max_concurrent_;
  Gauge& active_workers_;
  Gauge& depth_;
  Counter& adds_;
  Histogram& queue_duration_;
  Histogram& work_duration_;
  Counter& retries_;
  Gauge& unfinished_;
  Gauge& longest_running_;
};

ControllerMetrics::ControllerMetrics(prometheus::Registry& r)
    : reconcile_total_(CounterFamily(r, "controller_runtime_reconcile_total",
                                     "Total number of reconciliations per controller")),
      reconcile_errors_(CounterFamily(r, "controller_runtime_reconcile_errors_total",
                                      "Total number of reconciliation errors per controller")),
      terminal_errors_(
          CounterFamily(r, "controller_runtime_terminal_reconcile_errors_total",
                        "Total number of terminal reconciliation errors per controller")),
      reconcile_panics_(CounterFamily(r, "controller_runtime_reconcile_panics_total",
                                      "Total number of reconciliation panics per controller")),
      reconcile_time_(HistogramFamily(r, "controller_runtime_reconcile_time_seconds",
                                      "Length of time per reconciliation per controller")),
      max_concurrent_(GaugeFamily(r, "controller_runtime_max_concurrent_reconciles",
                                  "Maximum number of concurrent reconciles per controller")),
      active_workers_(GaugeFamily(r, "controller_runtime_active_workers",
                                  "Number of currently used workers per controller")),
      depth_(GaugeFamily(r, "workqueue_depth", "Current depth of workqueue")),
      adds_(CounterFamily(r, "workqueue_adds_total", "Total number of adds handled by workqueue")),
      queue_duration_(
          HistogramFamily(r, "workqueue_queue_duration_seconds",
                          "How long in seconds an item stays in workqueue before being requested")),
      work_duration_(HistogramFamily(r, "workqueue_work_duration_seconds",
                                     "How long in seconds processing an item from workqueue "
                                     "takes.")),
      retries_(CounterFamily(r, "workqueue_retries_total",
                             "Total number of retries handled by workqueue")),
      unfinished_(GaugeFamily(r, "workqueue_unfinished_work_seconds",
                              "How many seconds of work has been done that is in progress and "
                              "hasn't been observed by work_duration. Large values indicate stuck "
                              "threads. One can deduce the number of stuck threads by observing "
                              "the rate at which this increases.")),
      longest_running_(GaugeFamily(r, "workqueue_longest_running_processor_seconds",
                                   "How many seconds has the longest running processor for "
                                   "workqueue been running.")) {}

ControllerMetrics::~ControllerMetrics() = default;

ControllerMetrics::Hooks ControllerMetrics::Register(const std::string& controller,
                                                     int max_concurrent_reconciles) {
  absl::MutexLock lock(&mu_);
  auto& slot = controllers_[controller];
  if (slot == nullptr) {
    slot = std::make_unique<PerController>(*this, controller);
  }
  slot->SetMaxConcurrent(max_concurrent_reconciles);
  return Hooks{slot.get(), slot.get()};
}

ResourceMetrics::ResourceMetrics(prometheus::Registry& r)
    : condition_(GaugeFamily(r, "nxt_resource_condition",
                             "The current status of each condition of each resource (1 on the "
                             "current status, 0 on the others)")),
      replicas_(GaugeFamily(r, "nxt_resource_replicas",
                            "Replicas of each resource by state (desired, ready)")),
      manifest_errors_(CounterFamily(r, "nxt_manifest_errors_total",
                                     "Total number of manifest files or objects refused as "
                                     "invalid (parse, schema or semantic errors)")
                           .Add({})),
      invalid_objects_(GaugeFamily(r, "nxt_manifest_invalid_objects",
                                   "Number of objects whose current manifest is invalid (their "
                                   "last valid version keeps running)")
                           .Add({})) {}

prometheus::Gauge& ResourceMetrics::SeriesLocked(Family<Gauge>& family,
                                                 const resources::ObjectKey& key,
                                                 const prometheus::Labels& extra) {
  prometheus::Labels labels = extra;
  labels["kind"] = key.kind;
  labels["namespace"] = key.namespace_;
  labels["name"] = key.name;
  Gauge& gauge = family.Add(labels);  // returns the existing series for the same labels
  series_[key].emplace(&family, &gauge);
  return gauge;
}

void ResourceMetrics::SetCondition(const resources::ObjectKey& key, const std::string& type,
                                   const std::string& status) {
  const std::string current = (status == "True" || status == "False") ? status : "Unknown";
  absl::MutexLock lock(&mu_);
  for (const char* value : {"True", "False", "Unknown"}) {
    SeriesLocked(condition_, key, {{"type", type}, {"status", value}})
        .Set(current == value ? 1 : 0);
  }
}

void ResourceMetrics::SetConditions(const resources::ObjectKey& key,
                                    const resources::ObjectStatus& status) {
  for (const resources::Condition& c : status.conditions) {
    SetCondition(key, c.type, c.status);
  }
}

void ResourceMetrics::SetReplicas(const resources::ObjectKey& key, int64_t desired, int64_t ready) {
  absl::MutexLock lock(&mu_);
  SeriesLocked(replicas_, key, {{"state", "desired"}}).Set(static_cast<double>(desired));
  SeriesLocked(replicas_, key, {{"state", "ready"}}).Set(static_cast<double>(ready));
}

void ResourceMetrics::Remove(const resources::ObjectKey& key) {
  absl::MutexLock lock(&mu_);
  auto it = series_.find(key);
  if (it == series_.end()) {
    return;
  }
  for (const auto& [family, gauge] : it->second) {
    family->Remove(gauge);
  }
  series_.erase(it);
}

void ResourceMetrics::IncManifestErrors(int count) { manifest_errors_.Increment(count); }

void ResourceMetrics::SetInvalidObjects(int64_t count) {
  invalid_objects_.Set(static_cast<double>(count));
}

}  // namespace nxt::reconciler
