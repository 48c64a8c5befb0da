// The Manager behind NewManager, exposed for tests (manual resync and thread control).
#ifndef NXT_RECONCILER_MANAGER_IMPL_H_
#define NXT_RECONCILER_MANAGER_IMPL_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/random/random.h"
#include "absl/synchronization/mutex.h"
#include "reconciler/controller.h"
#include "reconciler/manager.h"
#include "reconciler/metrics.h"

namespace nxt::reconciler {

struct ManagerImplOptions {
  // Run worker threads, the queues' delay waiters and the resync thread. When false,
  // Start only does the initial enqueue; tests then drive the controllers
  // (FindController(...)->ProcessNextWorkItem(), queue().ProcessDue()) and call
  // RunDueResyncs() after advancing a FakeClock.
  bool run_threads = true;
};

// See manager.h. Subscribes to the store at construction: every change of an object
// enqueues its key on the controllers of its kind (before Start too; the keys wait).
// Resync times are read from the clock; the resync thread sleeps in real time until
// the earliest one.
class ManagerImpl : public Manager {
 public:
  ManagerImpl(Clock& clock, Store& store, ControllerMetrics* metrics,
              ManagerImplOptions options = {});
  ~ManagerImpl() override;  // Stop(InfiniteDuration()) unless stopped already

  void AddController(ControllerOptions options, Reconciler& reconciler) override;
  void Enqueue(const resources::ObjectKey& key) override;
  void EnqueueAll() override;
  void Start() override;
  absl::Status Stop(absl::Duration grace) override;
  bool Ready() const override;

  // Resyncs every controller whose resync time has come per the clock (before_resync,
  // then every object of its kind enqueued) and schedules its next one at
  // now + resync_period ± 10 %. Returns how many controllers resynced.
  int RunDueResyncs();
  // When controller `name` resyncs next; InfiniteFuture before Start or if it never does.
  absl::Time NextResync(const std::string& name) const;
  // The controller called `name`, or nullptr.
  Controller* FindController(const std::string& name);

 private:
  struct Entry {
    std::unique_ptr<Controller> controller;
    absl::Time next_resync = absl::InfiniteFuture();
  };
  // Lets the store's listener outlive the manager safely.
  struct ListenerGuard {
    absl::Mutex mu;
    ManagerImpl* manager ABSL_GUARDED_BY(mu) = nullptr;
  };

  void EnqueueKind(Controller& controller);
  void ScheduleResyncLocked(Entry& entry, absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ResyncLoop();

  Clock& clock_;
  Store& store_;
  ControllerMetrics* const metrics_;
  const ManagerImplOptions options_;
  const std::shared_ptr<ListenerGuard> guard_;

  mutable absl::Mutex mu_;
  absl::CondVar resync_wakeup_;
  std::vector<std::unique_ptr<Entry>> entries_ ABSL_GUARDED_BY(mu_);
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  absl::BitGen rng_ ABSL_GUARDED_BY(mu_);
  std::atomic<bool> ready_{false};
  absl::Mutex resync_mu_;  // one resync round at a time
  std::thread resync_thread_;
};

}  // namespace nxt::reconciler

#endif  // NXT_RECONCILER_MANAGER_IMPL_H_
