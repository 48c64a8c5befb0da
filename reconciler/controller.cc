#include "reconciler/controller.h"

#include <algorithm>
#include <exception>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/logging.h"

namespace nxt::reconciler {

std::string KeyString(const resources::ObjectKey& key) {
  return absl::StrCat(key.kind, "/", key.namespace_, "/", key.name);
}

class Controller::Core {
 public:
  Core(ControllerOptions options, Reconciler& reconciler, Clock& clock, ControllerHooks hooks)
      : options_(std::move(options)),
        reconciler_(reconciler),
        clock_(clock),
        metrics_(hooks.reconcile),
        queue_(clock, QueueOptions(options_, hooks)) {}

  const ControllerOptions& options() const { return options_; }
  WorkQueue& queue() { return queue_; }

  bool ProcessNextWorkItem() {
    std::optional<resources::ObjectKey> key = queue_.Get();
    if (!key) {
      return false;
    }
    if (metrics_ != nullptr) {
      metrics_->AddActiveWorkers(1);
    }
    const absl::Time start = clock_.Now();
    absl::StatusOr<Result> result = CallReconcile(*key);
    const absl::Duration took = clock_.Now() - start;
    HandleResult(*key, result, took);
    if (metrics_ != nullptr) {
      metrics_->AddActiveWorkers(-1);
    }
    queue_.Done(*key);
    return true;
  }

 private:
  static WorkQueueOptions QueueOptions(const ControllerOptions& options,
                                       const ControllerHooks& hooks) {
    WorkQueueOptions q;
    q.metrics = hooks.workqueue;
    q.rate_limiter =
        std::make_unique<ExponentialFailureRateLimiter>(options.backoff_min, options.backoff_max);
    q.start_waiter = hooks.start_waiter;
    return q;
  }

  absl::StatusOr<Result> CallReconcile(const resources::ObjectKey& key) {
    std::string what;
    try {
      return reconciler_.Reconcile(Request{key});
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
      what = "non-standard exception";
    }
    if (metrics_ != nullptr) {
      metrics_->IncPanics();
    }
    return absl::InternalError(absl::StrCat("reconciler threw: ", what));
  }

  void HandleResult(const resources::ObjectKey& key, const absl::StatusOr<Result>& result,
                    absl::Duration took) {
    ReconcileMetrics::Outcome outcome = ReconcileMetrics::Outcome::kSuccess;
    if (!result.ok()) {
      outcome = ReconcileMetrics::Outcome::kError;
      HandleError(key, result.status());
    } else if (result->requeue_after > absl::ZeroDuration()) {
      outcome = ReconcileMetrics::Outcome::kRequeueAfter;
      queue_.Forget(key);
      queue_.AddAfter(key, result->requeue_after);
    } else if (result->requeue) {
      outcome = ReconcileMetrics::Outcome::kRequeue;
      queue_.AddRateLimited(key);
    } else {
      queue_.Forget(key);
    }
    if (metrics_ != nullptr) {
      metrics_->RecordReconcile(outcome, took);
    }
  }

  void HandleError(const resources::ObjectKey& key, const absl::Status& status) {
    const bool terminal = IsTerminal(status);
    if (terminal) {
      queue_.Forget(key);
    } else {
      queue_.AddRateLimited(key);
    }
    if (metrics_ != nullptr) {
      metrics_->IncErrors();
      if (terminal) {
        metrics_->IncTerminalErrors();
      }
    }
    Log(LogLevel::kError, options_.name, "Reconciler error",
        {{"key", KeyString(key)},
         {"code", absl::StatusCodeToString(status.code())},
         {"error", std::string(status.message())},
         {"terminal", terminal ? "true" : "false"}});
  }

  const ControllerOptions options_;
  Reconciler& reconciler_;
  Clock& clock_;
  ReconcileMetrics* const metrics_;
  WorkQueue queue_;
};

Controller::Controller(ControllerOptions options, Reconciler& reconciler, Clock& clock,
                       ControllerHooks hooks)
    : core_(std::make_shared<Core>(std::move(options), reconciler, clock, hooks)) {}

Controller::~Controller() {
  if (workers_.empty()) {
    ShutDown();  // never started, or already stopped (maybe abandoning workers): no wait
  } else {
    Stop(absl::InfiniteFuture());
  }
}

const ControllerOptions& Controller::options() const { return core_->options(); }

WorkQueue& Controller::queue() { return core_->queue(); }

void Controller::Start() {
  const int workers = std::max(1, core_->options().workers);
  for (int i = 0; i < workers; ++i) {
    workers_.emplace_back([core = core_] {
      while (core->ProcessNextWorkItem()) {
      }
    });
  }
}

bool Controller::ProcessNextWorkItem() { return core_->ProcessNextWorkItem(); }

void Controller::ShutDown() { core_->queue().ShutDown(); }

bool Controller::Stop(absl::Time deadline) {
  const bool drained = core_->queue().ShutDownWithDrain(deadline - absl::Now());
  for (std::thread& worker : workers_) {
    if (drained) {
      worker.join();
    } else {
      worker.detach();
    }
  }
  workers_.clear();
  return drained;
}

}  // namespace nxt::reconciler
