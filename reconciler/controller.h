// One controller: a WorkQueue, N worker threads and the loop that calls a Reconciler
// and turns its result into queue actions, as controller-runtime's
// pkg/internal/controller does:
//   error (not terminal)  → AddRateLimited; errors_total; result="error"
//   terminal error        → Forget; errors_total + terminal_reconcile_errors_total;
//                           result="error" (not retried until the key is added again)
//   requeue_after > 0     → Forget + AddAfter(requeue_after); result="requeue_after"
//   requeue               → AddRateLimited; result="requeue"
//   success               → Forget; result="success"
// then Done. Errors are logged with the key. A Reconcile that throws is caught,
// logged, counted as a panic and handled as an error: a worker never dies.
#ifndef NXT_RECONCILER_CONTROLLER_H_
#define NXT_RECONCILER_CONTROLLER_H_

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "reconciler/manager.h"
#include "reconciler/metrics_hooks.h"
#include "reconciler/reconciler.h"
#include "reconciler/workqueue.h"

namespace nxt::reconciler {

// "ContainerSet/default/web", for logs (needs no resources/ code).
std::string KeyString(const resources::ObjectKey& key);

struct ControllerHooks {
  ReconcileMetrics* reconcile = nullptr;  // optional
  WorkQueueMetrics* workqueue = nullptr;  // optional
  // Start the queue's waiter thread (tests driving ProcessDue() may turn it off).
  bool start_waiter = true;
};

// Thread-safe. Start once; Stop once (the destructor stops too). The reconciler, the
// clock and the metrics must outlive the Controller, and also any worker abandoned by a
// Stop that timed out (the process is expected to exit then).
class Controller {
 public:
  Controller(ControllerOptions options, Reconciler& reconciler, Clock& clock,
             ControllerHooks hooks = {});
  ~Controller();

  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  const ControllerOptions& options() const;
  WorkQueue& queue();

  // Starts options().workers worker threads.
  void Start();
  // Takes one key (blocking until there is one), reconciles it and handles the result.
  // False once the queue has shut down. The workers loop on this; tests call it
  // directly instead of Start().
  bool ProcessNextWorkItem();

  // Stops handing out keys (in-flight reconciles go on).
  void ShutDown();
  // ShutDown, then waits until `deadline` (real time) for in-flight reconciles to
  // finish and joins the workers. False if some did not finish: those workers are
  // detached and abandoned.
  bool Stop(absl::Time deadline);

 private:
  class Core;
  const std::shared_ptr<Core> core_;  // shared with the workers
  std::vector<std::thread> workers_;
};

}  // namespace nxt::reconciler

#endif  // NXT_RECONCILER_CONTROLLER_H_
