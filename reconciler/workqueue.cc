#include "reconciler/workqueue.h"

#include <algorithm>

namespace nxt::reconciler {
namespace {

constexpr absl::Duration kUnfinishedWorkUpdatePeriod = absl::Milliseconds(500);

std::unique_ptr<RateLimiter> DefaultRateLimiter() {
  return std::make_unique<ExponentialFailureRateLimiter>(absl::Milliseconds(5),
                                                         absl::Seconds(1000));
}

}  // namespace

WorkQueue::WorkQueue(Clock& clock, WorkQueueOptions options)
    : clock_(clock),
      metrics_(options.metrics),
      rate_limiter_(options.rate_limiter ? std::move(options.rate_limiter) : DefaultRateLimiter()) {
  if (metrics_ != nullptr) {
    metrics_->SetDepth(0);
  }
  if (options.start_waiter) {
    waiter_ = std::thread([this] { WaiterLoop(); });
  }
}

WorkQueue::~WorkQueue() {
  ShutDown();
  if (waiter_.joinable()) {
    waiter_.join();
  }
}

void WorkQueue::Add(const resources::ObjectKey& key) {
  absl::MutexLock lock(&mu_);
  AddLocked(key, clock_.Now());
}

void WorkQueue::AddLocked(const resources::ObjectKey& key, absl::Time now) {
  if (shutting_down_) {
    return;
  }
  if (metrics_ != nullptr) {
    metrics_->IncAdds();
  }
  if (!dirty_.insert(key).second) {
    return;  // already queued, or already marked to run again after Done
  }
  if (processing_.contains(key)) {
    return;  // Done will queue it again
  }
  added_at_.try_emplace(key, now);
  queue_.push_back(key);
  ReportDepthLocked();
  item_available_.Signal();
}

std::optional<resources::ObjectKey> WorkQueue::Get() {
  absl::MutexLock lock(&mu_);
  while (queue_.empty() && !shutting_down_) {
    item_available_.Wait(&mu_);
  }
  if (shutting_down_) {
    return std::nullopt;
  }
  resources::ObjectKey key = std::move(queue_.front());
  queue_.pop_front();
  ReportDepthLocked();
  const absl::Time now = clock_.Now();
  if (auto it = added_at_.find(key); it != added_at_.end()) {
    if (metrics_ != nullptr) {
      metrics_->ObserveQueueDuration(now - it->second);
    }
    added_at_.erase(it);
  }
  if (processing_.empty() && metrics_ != nullptr) {
    waiter_wakeup_.Signal();  // start refreshing the unfinished-work metrics
  }
  processing_.emplace(key, now);
  dirty_.erase(key);
  return key;
}

void WorkQueue::Done(const resources::ObjectKey& key) {
  absl::MutexLock lock(&mu_);
  auto it = processing_.find(key);
  if (it == processing_.end()) {
    return;
  }
  const absl::Time now = clock_.Now();
  if (metrics_ != nullptr) {
    metrics_->ObserveWorkDuration(now - it->second);
  }
  processing_.erase(it);
  if (processing_.empty()) {
    UpdateUnfinishedLocked(now);
    processing_empty_.SignalAll();
  }
  if (!shutting_down_ && dirty_.contains(key)) {
    added_at_.try_emplace(key, now);
    queue_.push_back(key);
    ReportDepthLocked();
    item_available_.Signal();
  }
}

int WorkQueue::Len() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(queue_.size());
}

int WorkQueue::NumProcessing() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(processing_.size());
}

void WorkQueue::ShutDown() {
  absl::MutexLock lock(&mu_);
  shutting_down_ = true;
  waiting_.clear();
  waiting_by_time_.clear();
  item_available_.SignalAll();
  waiter_wakeup_.SignalAll();
}

bool WorkQueue::ShutDownWithDrain(absl::Duration timeout) {
  ShutDown();
  const absl::Time deadline = absl::Now() + timeout;
  absl::MutexLock lock(&mu_);
  while (!processing_.empty()) {
    if (processing_empty_.WaitWithDeadline(&mu_, deadline)) {
      return processing_.empty();
    }
  }
  return true;
}

bool WorkQueue::ShuttingDown() const {
  absl::MutexLock lock(&mu_);
  return shutting_down_;
}

void WorkQueue::AddAfter(const resources::ObjectKey& key, absl::Duration delay) {
  absl::MutexLock lock(&mu_);
  if (shutting_down_) {
    return;
  }
  const absl::Time now = clock_.Now();
  if (delay <= absl::ZeroDuration()) {
    AddLocked(key, now);
    return;
  }
  const absl::Time due = now + delay;
  auto [it, inserted] = waiting_.try_emplace(key, due);
  if (!inserted) {
    if (it->second <= due) {
      return;  // already waiting for an earlier (or the same) time
    }
    waiting_by_time_.erase({it->second, key});
    it->second = due;
  }
  const bool new_earliest = waiting_by_time_.empty() || due < waiting_by_time_.begin()->first;
  waiting_by_time_.emplace(due, key);
  if (new_earliest) {
    waiter_wakeup_.Signal();
  }
}

int WorkQueue::ProcessDue() {
  absl::MutexLock lock(&mu_);
  return ProcessDueLocked(clock_.Now());
}

int WorkQueue::ProcessDueLocked(absl::Time now) {
  int moved = 0;
  while (!waiting_by_time_.empty() && waiting_by_time_.begin()->first <= now) {
    resources::ObjectKey key = waiting_by_time_.begin()->second;
    waiting_by_time_.erase(waiting_by_time_.begin());
    waiting_.erase(key);
    AddLocked(key, now);
    ++moved;
  }
  return moved;
}

int WorkQueue::NumWaiting() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(waiting_.size());
}

void WorkQueue::AddRateLimited(const resources::ObjectKey& key) {
  if (ShuttingDown()) {
    return;
  }
  const absl::Duration delay = rate_limiter_->When(key);
  if (metrics_ != nullptr) {
    metrics_->IncRetries();
  }
  AddAfter(key, delay);
}

void WorkQueue::Forget(const resources::ObjectKey& key) { rate_limiter_->Forget(key); }

int WorkQueue::NumRequeues(const resources::ObjectKey& key) const {
  return rate_limiter_->NumRequeues(key);
}

void WorkQueue::UpdateUnfinishedWorkMetrics() {
  absl::MutexLock lock(&mu_);
  UpdateUnfinishedLocked(clock_.Now());
}

void WorkQueue::UpdateUnfinishedLocked(absl::Time now) {
  if (metrics_ == nullptr) {
    return;
  }
  double total = 0;
  double longest = 0;
  for (const auto& [key, started] : processing_) {
    const double seconds = std::max(0.0, absl::ToDoubleSeconds(now - started));
    total += seconds;
    longest = std::max(longest, seconds);
  }
  metrics_->SetUnfinishedWorkSeconds(total);
  metrics_->SetLongestRunningProcessorSeconds(longest);
}

void WorkQueue::ReportDepthLocked() {
  if (metrics_ != nullptr) {
    metrics_->SetDepth(static_cast<int64_t>(queue_.size()));
  }
}

// Sleeps (real time) until the earliest delayed key falls due per the clock, queues
// what is due, and repeats; while keys are processing and metrics are on, also wakes
// every 500 ms to refresh the unfinished-work gauges.
void WorkQueue::WaiterLoop() {
  absl::MutexLock lock(&mu_);
  while (!shutting_down_) {
    const absl::Time now = clock_.Now();
    ProcessDueLocked(now);
    absl::Duration wait = absl::InfiniteDuration();
    if (!waiting_by_time_.empty()) {
      wait = waiting_by_time_.begin()->first - now;
    }
    if (metrics_ != nullptr && !processing_.empty()) {
      UpdateUnfinishedLocked(now);
      wait = std::min(wait, kUnfinishedWorkUpdatePeriod);
    }
    if (wait > absl::ZeroDuration()) {
      waiter_wakeup_.WaitWithTimeout(&mu_, wait);
    }
  }
}

}  // namespace nxt::reconciler
