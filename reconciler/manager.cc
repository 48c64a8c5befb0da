#include <exception>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/logging.h"
#include "reconciler/manager_impl.h"

namespace nxt::reconciler {
namespace {

constexpr char kComponent[] = "manager";

}  // namespace

std::unique_ptr<Manager> NewManager(Clock& clock, Store& store, ControllerMetrics* metrics) {
  return std::make_unique<ManagerImpl>(clock, store, metrics);
}

ManagerImpl::ManagerImpl(Clock& clock, Store& store, ControllerMetrics* metrics,
                         ManagerImplOptions options)
    : clock_(clock),
      store_(store),
      metrics_(metrics),
      options_(options),
      guard_(std::make_shared<ListenerGuard>()) {
  {
    absl::MutexLock lock(&guard_->mu);
    guard_->manager = this;
  }
  store_.AddListener([guard = guard_](const resources::ObjectKey& key) {
    absl::MutexLock lock(&guard->mu);
    if (guard->manager != nullptr) {
      guard->manager->Enqueue(key);
    }
  });
}

ManagerImpl::~ManagerImpl() {
  {
    absl::MutexLock lock(&guard_->mu);  // waits for a listener call in progress
    guard_->manager = nullptr;
  }
  Stop(absl::InfiniteDuration()).IgnoreError();
}

void ManagerImpl::AddController(ControllerOptions options, Reconciler& reconciler) {
  ControllerHooks hooks;
  hooks.start_waiter = options_.run_threads;
  if (metrics_ != nullptr) {
    ControllerMetrics::Hooks m = metrics_->Register(options.name, options.workers);
    hooks.reconcile = m.reconcile;
    hooks.workqueue = m.workqueue;
  }
  auto entry = std::make_unique<Entry>();
  entry->controller = std::make_unique<Controller>(std::move(options), reconciler, clock_, hooks);
  Controller* controller = entry->controller.get();
  bool started;
  {
    absl::MutexLock lock(&mu_);
    started = started_ && !stopped_;
    if (started) {  // added late: start it now, as Start does
      if (options_.run_threads) {
        controller->Start();
      }
      ScheduleResyncLocked(*entry, clock_.Now());
    }
    entries_.push_back(std::move(entry));
  }
  if (started) {
    EnqueueKind(*controller);
  }
}

void ManagerImpl::Enqueue(const resources::ObjectKey& key) {
  absl::ReaderMutexLock lock(&mu_);
  for (const auto& entry : entries_) {
    if (entry->controller->options().kind == key.kind) {
      entry->controller->queue().Add(key);
    }
  }
}

void ManagerImpl::EnqueueKind(Controller& controller) {
  for (const resources::ObjectPtr& object : store_.List(controller.options().kind)) {
    controller.queue().Add(object->Key());
  }
}

void ManagerImpl::EnqueueAll() {
  std::vector<Controller*> controllers;
  {
    absl::ReaderMutexLock lock(&mu_);
    for (const auto& entry : entries_) {
      controllers.push_back(entry->controller.get());
    }
  }
  for (Controller* controller : controllers) {
    EnqueueKind(*controller);
  }
}

void ManagerImpl::ScheduleResyncLocked(Entry& entry, absl::Time now) {
  const absl::Duration period = entry.controller->options().resync_period;
  if (period <= absl::ZeroDuration()) {
    entry.next_resync = absl::InfiniteFuture();
    return;
  }
  entry.next_resync = now + period * absl::Uniform(rng_, 0.9, 1.1);
  resync_wakeup_.SignalAll();
}

void ManagerImpl::Start() {
  {
    absl::MutexLock lock(&mu_);
    if (started_) {
      return;
    }
    started_ = true;
    const absl::Time now = clock_.Now();
    for (auto& entry : entries_) {
      if (options_.run_threads) {
        entry->controller->Start();
      }
      ScheduleResyncLocked(*entry, now);
    }
  }
  EnqueueAll();  // the initial list
  ready_ = true;
  if (options_.run_threads) {
    resync_thread_ = std::thread([this] { ResyncLoop(); });
  }
  Log(LogLevel::kInfo, kComponent, "started");
}

int ManagerImpl::RunDueResyncs() {
  absl::MutexLock round(&resync_mu_);
  std::vector<Controller*> due;
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) {
      return 0;
    }
    const absl::Time now = clock_.Now();
    for (auto& entry : entries_) {
      if (entry->next_resync <= now) {
        due.push_back(entry->controller.get());
        ScheduleResyncLocked(*entry, now);
      }
    }
  }
  for (Controller* controller : due) {
    const ControllerOptions& options = controller->options();
    if (options.before_resync) {
      try {
        options.before_resync();
      } catch (const std::exception& e) {
        Log(LogLevel::kError, options.name, "before_resync failed", {{"error", e.what()}});
      }
    }
    EnqueueKind(*controller);
  }
  return static_cast<int>(due.size());
}

void ManagerImpl::ResyncLoop() {
  mu_.Lock();
  while (!stopped_) {
    absl::Time earliest = absl::InfiniteFuture();
    for (const auto& entry : entries_) {
      earliest = std::min(earliest, entry->next_resync);
    }
    const absl::Duration wait = earliest - clock_.Now();
    if (wait > absl::ZeroDuration()) {
      resync_wakeup_.WaitWithTimeout(&mu_, wait);
      continue;
    }
    mu_.Unlock();
    RunDueResyncs();
    mu_.Lock();
  }
  mu_.Unlock();
}

absl::Status ManagerImpl::Stop(absl::Duration grace) {
  const absl::Time deadline = absl::Now() + grace;
  std::vector<Controller*> controllers;
  bool was_started;
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) {
      return absl::OkStatus();
    }
    was_started = started_;
    stopped_ = true;
    ready_ = false;
    resync_wakeup_.SignalAll();
    for (const auto& entry : entries_) {
      controllers.push_back(entry->controller.get());
    }
  }
  if (resync_thread_.joinable()) {
    resync_thread_.join();
  }
  for (Controller* controller : controllers) {
    controller->ShutDown();  // every controller stops taking work at once
  }
  std::vector<std::string> late;
  for (Controller* controller : controllers) {
    if (!controller->Stop(deadline)) {
      late.push_back(controller->options().name);
    }
  }
  if (!late.empty()) {
    return absl::DeadlineExceededError(
        absl::StrCat("reconciles still running after ", absl::FormatDuration(grace),
                     " (abandoned) in controllers: ", absl::StrJoin(late, ", ")));
  }
  if (was_started) {
    Log(LogLevel::kInfo, kComponent, "stopped");
  }
  return absl::OkStatus();
}

bool ManagerImpl::Ready() const { return ready_; }

absl::Time ManagerImpl::NextResync(const std::string& name) const {
  absl::ReaderMutexLock lock(&mu_);
  for (const auto& entry : entries_) {
    if (entry->controller->options().name == name) {
      return entry->next_resync;
    }
  }
  return absl::InfiniteFuture();
}

Controller* ManagerImpl::FindController(const std::string& name) {
  absl::ReaderMutexLock lock(&mu_);
  for (const auto& entry : entries_) {
    if (entry->controller->options().name == name) {
      return entry->controller.get();
    }
  }
  return nullptr;
}

}  // namespace nxt::reconciler
