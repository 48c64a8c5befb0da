// A work queue of object keys with client-go's semantics (util/workqueue: queue.go,
// delaying_queue.go, rate_limiting_queue.go), reading time from an injected Clock.
//
//  - Add dedups: a key queued once is handed out once however often it was added.
//  - One worker per key: Get moves a key to "processing"; a key re-added while it is
//    processing is queued again only when Done is called for it, never handed to a
//    second worker meanwhile.
//  - AddAfter(key, d) queues the key once the clock reaches now + d (an earlier
//    pending time wins). ProcessDue() moves due keys into the queue; an internal
//    waiter thread calls it when the earliest due time arrives in real time. With a
//    FakeClock, tests call ProcessDue() after FakeClock::Advance.
//  - AddRateLimited waits the rate limiter's per-key backoff; Forget resets it.
//  - ShutDown: Add and AddAfter are ignored from then on and Get returns nullopt at
//    once. Unlike client-go, keys still queued are not handed out after ShutDown: the
//    next start lists every object anyway. ShutDownWithDrain also waits until every
//    key being processed is Done.
//
// Thread-safe. The clock, and the metrics when given, must outlive the queue.
#ifndef NXT_RECONCILER_WORKQUEUE_H_
#define NXT_RECONCILER_WORKQUEUE_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "reconciler/metrics_hooks.h"
#include "reconciler/rate_limiter.h"
#include "resources/object.h"

namespace nxt::reconciler {

struct WorkQueueOptions {
  // Optional. Reported through; see metrics_hooks.h.
  WorkQueueMetrics* metrics = nullptr;
  // Per-key backoff of AddRateLimited. Null: exponential, 5 ms doubling up to 1000 s.
  std::unique_ptr<RateLimiter> rate_limiter;
  // Run the thread that calls ProcessDue() when delayed keys fall due (and refreshes
  // the unfinished-work metrics). Tests driving ProcessDue() themselves may disable it.
  bool start_waiter = true;
};

class WorkQueue {
 public:
  explicit WorkQueue(Clock& clock, WorkQueueOptions options = {});
  ~WorkQueue();  // ShutDown, then joins the waiter thread.

  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  void Add(const resources::ObjectKey& key);
  // Blocks until a key is available (and returns it, now "processing") or the queue
  // shuts down (nullopt). The caller must call Done(key) when finished.
  std::optional<resources::ObjectKey> Get();
  void Done(const resources::ObjectKey& key);
  // Keys waiting to be handed out (excluding processing and delayed keys).
  int Len() const;
  // Keys being processed (handed out, not yet Done).
  int NumProcessing() const;

  void ShutDown();
  // ShutDown, then waits up to `timeout` (real time) for every processing key to be
  // Done. True if they all were.
  bool ShutDownWithDrain(absl::Duration timeout);
  bool ShuttingDown() const;

  void AddAfter(const resources::ObjectKey& key, absl::Duration delay);
  // Queues every delayed key whose time has come per the clock; returns how many.
  int ProcessDue();
  // Delayed keys not yet due.
  int NumWaiting() const;

  void AddRateLimited(const resources::ObjectKey& key);
  void Forget(const resources::ObjectKey& key);
  int NumRequeues(const resources::ObjectKey& key) const;

  // Reports unfinished work and the longest running processor now (the waiter thread
  // also does so every 500 ms while keys are processing).
  void UpdateUnfinishedWorkMetrics();

 private:
  void AddLocked(const resources::ObjectKey& key, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  int ProcessDueLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void UpdateUnfinishedLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ReportDepthLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void WaiterLoop();

  Clock& clock_;
  WorkQueueMetrics* const metrics_;
  const std::unique_ptr<RateLimiter> rate_limiter_;

  mutable absl::Mutex mu_;
  absl::CondVar item_available_;    // Get waiters
  absl::CondVar waiter_wakeup_;     // the waiter thread: earlier due time or shutdown
  absl::CondVar processing_empty_;  // ShutDownWithDrain
  std::deque<resources::ObjectKey> queue_ ABSL_GUARDED_BY(mu_);
  // Keys that need processing: queued, or re-added while processing.
  absl::flat_hash_set<resources::ObjectKey> dirty_ ABSL_GUARDED_BY(mu_);
  // Keys handed out by Get and not yet Done, with the time Get returned them.
  absl::flat_hash_map<resources::ObjectKey, absl::Time> processing_ ABSL_GUARDED_BY(mu_);
  // When each queued key was first added (queue-duration metric).
  absl::flat_hash_map<resources::ObjectKey, absl::Time> added_at_ ABSL_GUARDED_BY(mu_);
  // Delayed keys: key → due time, and the same ordered by due time.
  std::map<resources::ObjectKey, absl::Time> waiting_ ABSL_GUARDED_BY(mu_);
  std::set<std::pair<absl::Time, resources::ObjectKey>> waiting_by_time_ ABSL_GUARDED_BY(mu_);
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;

  std::thread waiter_;
};

}  // namespace nxt::reconciler

#endif  // NXT_RECONCILER_WORKQUEUE_H_
