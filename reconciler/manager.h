// Runs controllers: one workqueue and N workers per controller, fed by the store,
// by extra sources (Docker events), and by a jittered periodic resync.
#ifndef NXT_RECONCILER_MANAGER_H_
#define NXT_RECONCILER_MANAGER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "reconciler/reconciler.h"
#include "reconciler/store.h"

namespace nxt::reconciler {

class ControllerMetrics;

struct ControllerOptions {
  std::string name;  // "containerset": the `controller` label of the metrics
  std::string kind;  // the kind it reconciles: store changes of this kind enqueue the key
  int workers = 2;
  absl::Duration backoff_min = absl::Milliseconds(5);
  absl::Duration backoff_max = absl::Seconds(60);
  // Every object of `kind` is enqueued every resync_period ± 10 % (0: never).
  absl::Duration resync_period = absl::Minutes(5);
  // Called once per resync round before the keys are enqueued (e.g. one Docker list
  // call to refresh the observed-state cache). May be empty.
  std::function<void()> before_resync;
};

// Thread-safe. Start once; Stop once. Controllers and the store must outlive it.
class Manager {
 public:
  virtual ~Manager() = default;

  virtual void AddController(ControllerOptions options, Reconciler& reconciler) = 0;
  // Enqueues `key` on the controller of key.kind (ignored for unknown kinds).
  virtual void Enqueue(const resources::ObjectKey& key) = 0;
  // Enqueues every object of every controller now (after a Docker event-stream gap).
  virtual void EnqueueAll() = 0;

  virtual void Start() = 0;
  // Stops taking work, lets in-flight reconciles finish up to `grace`, joins the
  // workers. DeadlineExceeded if some did not finish in time (they are abandoned).
  virtual absl::Status Stop(absl::Duration grace) = 0;
  // True once Start ran and every controller's first full enqueue happened.
  virtual bool Ready() const = 0;
};

// `metrics` may be nullptr (no metrics).
std::unique_ptr<Manager> NewManager(Clock& clock, Store& store, ControllerMetrics* metrics);

}  // namespace nxt::reconciler

#endif  // NXT_RECONCILER_MANAGER_H_
