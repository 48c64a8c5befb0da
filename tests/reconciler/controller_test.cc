#include "reconciler/controller.h"

#include <deque>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "reconciler/metrics.h"
#include "tests/testing/fake_clock.h"

namespace nxt::reconciler {
namespace {

using resources::ObjectKey;

const ObjectKey kKey{"ContainerSet", "default", "web"};

// Answers each Reconcile with the next scripted result (success when the script is
// empty); "throw" entries throw instead. Records the keys it saw.
class ScriptedReconciler : public Reconciler {
 public:
  struct Step {
    absl::StatusOr<Result> result = Result{};
    bool throws = false;
  };

  void Push(absl::StatusOr<Result> result) { script_.push_back({std::move(result), false}); }
  void PushThrow() { script_.push_back({Result{}, true}); }

  absl::StatusOr<Result> Reconcile(const Request& request) override {
    seen_.push_back(request.key);
    if (script_.empty()) {
      return Result{};
    }
    Step step = std::move(script_.front());
    script_.pop_front();
    if (step.throws) {
      throw std::runtime_error("boom");
    }
    return step.result;
  }

  std::vector<ObjectKey> seen_;

 private:
  std::deque<Step> script_;
};

// Reads one sample of the registry: counter, gauge or histogram count.
double Sample(const prometheus::Registry& registry, const std::string& name,
              const std::map<std::string, std::string>& labels) {
  for (const prometheus::MetricFamily& family : registry.Collect()) {
    if (family.name != name) {
      continue;
    }
    for (const prometheus::ClientMetric& metric : family.metric) {
      std::map<std::string, std::string> got;
      for (const auto& label : metric.label) {
        got[label.name] = label.value;
      }
      if (got != labels) {
        continue;
      }
      switch (family.type) {
        case prometheus::MetricType::Counter:
          return metric.counter.value;
        case prometheus::MetricType::Gauge:
          return metric.gauge.value;
        case prometheus::MetricType::Histogram:
          return static_cast<double>(metric.histogram.sample_count);
        default:
          return -1;
      }
    }
  }
  return -1;
}

class ControllerTest : public ::testing::Test {
 protected:
  ControllerTest() : metrics_(registry_) {
    ControllerOptions options;
    options.name = "containerset";
    options.kind = "ContainerSet";
    options.backoff_min = absl::Milliseconds(100);
    options.backoff_max = absl::Seconds(10);
    ControllerMetrics::Hooks hooks = metrics_.Register("containerset", 2);
    controller_ = std::make_unique<Controller>(
        options, reconciler_, clock_,
        ControllerHooks{hooks.reconcile, hooks.workqueue, /*start_waiter=*/false});
  }

  // Adds the key and runs one reconcile of it on this thread.
  void ReconcileOnce() {
    controller_->queue().Add(kKey);
    ASSERT_TRUE(controller_->ProcessNextWorkItem());
  }

  double Total(const std::string& result) {
    return Sample(registry_, "controller_runtime_reconcile_total",
                  {{"controller", "containerset"}, {"result", result}});
  }
  double Counter(const std::string& name) {
    return Sample(registry_, name, {{"controller", "containerset"}});
  }

  prometheus::Registry registry_;
  ControllerMetrics metrics_;
  testing::FakeClock clock_;
  ScriptedReconciler reconciler_;
  std::unique_ptr<Controller> controller_;
};

TEST_F(ControllerTest, SuccessForgetsTheKey) {
  reconciler_.Push(absl::UnavailableError("docker down"));
  ReconcileOnce();
  ASSERT_EQ(controller_->queue().NumRequeues(kKey), 1);
  clock_.Advance(absl::Milliseconds(100));
  ASSERT_EQ(controller_->queue().ProcessDue(), 1);
  ASSERT_TRUE(controller_->ProcessNextWorkItem());  // success now

  EXPECT_EQ(reconciler_.seen_, (std::vector<ObjectKey>{kKey, kKey}));
  EXPECT_EQ(controller_->queue().NumRequeues(kKey), 0);
  EXPECT_EQ(controller_->queue().Len(), 0);
  EXPECT_EQ(controller_->queue().NumWaiting(), 0);
  EXPECT_EQ(controller_->queue().NumProcessing(), 0);
  EXPECT_EQ(Total("success"), 1);
  EXPECT_EQ(Sample(registry_, "controller_runtime_reconcile_time_seconds",
                   {{"controller", "containerset"}}),
            2);
}

TEST_F(ControllerTest, ErrorRetriesWithPerKeyBackoff) {
  reconciler_.Push(absl::UnavailableError("docker down"));
  reconciler_.Push(absl::UnavailableError("docker down"));
  ReconcileOnce();
  EXPECT_EQ(controller_->queue().NumWaiting(), 1);
  EXPECT_EQ(Total("error"), 1);
  EXPECT_EQ(Counter("controller_runtime_reconcile_errors_total"), 1);
  EXPECT_EQ(Counter("controller_runtime_terminal_reconcile_errors_total"), 0);

  clock_.Advance(absl::Milliseconds(100));  // first backoff: min
  ASSERT_EQ(controller_->queue().ProcessDue(), 1);
  ASSERT_TRUE(controller_->ProcessNextWorkItem());  // fails again

  clock_.Advance(absl::Milliseconds(100));  // second backoff: 2 * min
  EXPECT_EQ(controller_->queue().ProcessDue(), 0);
  clock_.Advance(absl::Milliseconds(100));
  EXPECT_EQ(controller_->queue().ProcessDue(), 1);
  EXPECT_EQ(Total("error"), 2);
  EXPECT_EQ(Sample(registry_, "workqueue_retries_total",
                   {{"name", "containerset"}, {"controller", "containerset"}}),
            2);
}

TEST_F(ControllerTest, TerminalErrorIsNotRetried) {
  reconciler_.Push(absl::UnavailableError("transient"));
  reconciler_.Push(TerminalError(absl::FailedPreconditionError("topology is immutable")));
  ReconcileOnce();
  clock_.Advance(absl::Milliseconds(100));
  ASSERT_EQ(controller_->queue().ProcessDue(), 1);
  ASSERT_TRUE(controller_->ProcessNextWorkItem());

  EXPECT_EQ(controller_->queue().Len(), 0);
  EXPECT_EQ(controller_->queue().NumWaiting(), 0);
  EXPECT_EQ(controller_->queue().NumRequeues(kKey), 0) << "terminal errors Forget the key";
  EXPECT_EQ(Counter("controller_runtime_terminal_reconcile_errors_total"), 1);
  EXPECT_EQ(Counter("controller_runtime_reconcile_errors_total"), 2);
  EXPECT_EQ(Total("error"), 2);
}

TEST_F(ControllerTest, InvalidArgumentIsTerminal) {
  reconciler_.Push(absl::InvalidArgumentError("spec.replicas: must be odd"));
  ReconcileOnce();
  EXPECT_EQ(controller_->queue().NumWaiting(), 0);
  EXPECT_EQ(Counter("controller_runtime_terminal_reconcile_errors_total"), 1);
}

TEST_F(ControllerTest, RequeueAfterForgetsBackoffAndWaits) {
  reconciler_.Push(absl::UnavailableError("transient"));
  reconciler_.Push(Result{.requeue = false, .requeue_after = absl::Seconds(30)});
  ReconcileOnce();
  clock_.Advance(absl::Milliseconds(100));
  ASSERT_EQ(controller_->queue().ProcessDue(), 1);
  ASSERT_TRUE(controller_->ProcessNextWorkItem());

  EXPECT_EQ(controller_->queue().NumRequeues(kKey), 0);
  EXPECT_EQ(controller_->queue().NumWaiting(), 1);
  clock_.Advance(absl::Seconds(29));
  EXPECT_EQ(controller_->queue().ProcessDue(), 0);
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(controller_->queue().ProcessDue(), 1);
  EXPECT_EQ(Total("requeue_after"), 1);
}

TEST_F(ControllerTest, RequeueUsesBackoff) {
  reconciler_.Push(Result{.requeue = true, .requeue_after = absl::ZeroDuration()});
  ReconcileOnce();
  EXPECT_EQ(controller_->queue().NumRequeues(kKey), 1);
  EXPECT_EQ(controller_->queue().NumWaiting(), 1);
  clock_.Advance(absl::Milliseconds(100));
  EXPECT_EQ(controller_->queue().ProcessDue(), 1);
  EXPECT_EQ(Total("requeue"), 1);
  EXPECT_EQ(Counter("controller_runtime_reconcile_errors_total"), 0);
}

TEST_F(ControllerTest, ThrowingReconcilerIsAnErrorAndTheWorkerSurvives) {
  reconciler_.PushThrow();
  ReconcileOnce();
  EXPECT_EQ(Counter("controller_runtime_reconcile_panics_total"), 1);
  EXPECT_EQ(Counter("controller_runtime_reconcile_errors_total"), 1);
  EXPECT_EQ(controller_->queue().NumWaiting(), 1) << "retried with backoff";
  EXPECT_EQ(controller_->queue().NumProcessing(), 0) << "Done was called";
  clock_.Advance(absl::Milliseconds(100));
  ASSERT_EQ(controller_->queue().ProcessDue(), 1);
  ASSERT_TRUE(controller_->ProcessNextWorkItem());
  EXPECT_EQ(Total("success"), 1);
}

TEST_F(ControllerTest, ProcessNextWorkItemIsFalseAfterShutDown) {
  controller_->ShutDown();
  EXPECT_FALSE(controller_->ProcessNextWorkItem());
}

// Blocks every Reconcile until released; counts calls and concurrency.
class BlockingReconciler : public Reconciler {
 public:
  absl::StatusOr<Result> Reconcile(const Request&) override {
    absl::MutexLock lock(&mu_);
    ++running_;
    ++calls_;
    max_running_ = std::max(max_running_, running_);
    mu_.Await(absl::Condition(&released_));
    --running_;
    return Result{};
  }
  void Release() {
    absl::MutexLock lock(&mu_);
    released_ = true;
  }
  void AwaitRunning(int n) {
    absl::MutexLock lock(&mu_);
    auto enough = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return running_ >= n; };
    mu_.Await(absl::Condition(&enough));
  }
  void AwaitCalls(int n) {
    absl::MutexLock lock(&mu_);
    auto enough = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return calls_ >= n; };
    mu_.Await(absl::Condition(&enough));
  }
  int max_running() {
    absl::MutexLock lock(&mu_);
    return max_running_;
  }

 private:
  absl::Mutex mu_;
  bool released_ ABSL_GUARDED_BY(mu_) = false;
  int running_ ABSL_GUARDED_BY(mu_) = 0;
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
  int max_running_ ABSL_GUARDED_BY(mu_) = 0;
};

// A new T that is never destroyed but stays reachable (so not a leak): for objects an
// abandoned worker thread may still use after the test returns.
template <typename T>
T* NeverDestroyed() {
  static auto* all = new std::vector<std::unique_ptr<T>>();
  all->push_back(std::make_unique<T>());
  return all->back().get();
}

TEST(ControllerThreadsTest, WorkersRunKeysConcurrentlyAndAReAddRunsOnceMore) {
  prometheus::Registry registry;
  ControllerMetrics metrics(registry);
  ControllerMetrics::Hooks hooks = metrics.Register("cs", 2);
  BlockingReconciler reconciler;
  ControllerOptions options;
  options.name = "cs";
  options.kind = "ContainerSet";
  options.workers = 2;
  Controller controller(options, reconciler, RealClock::Get(),
                        ControllerHooks{hooks.reconcile, hooks.workqueue, true});
  controller.Start();
  const ObjectKey a{"ContainerSet", "default", "a"};
  const ObjectKey b{"ContainerSet", "default", "b"};
  controller.queue().Add(a);
  controller.queue().Add(b);
  reconciler.AwaitRunning(2);
  EXPECT_EQ(Sample(registry, "controller_runtime_active_workers", {{"controller", "cs"}}), 2);
  controller.queue().Add(a);  // while a is processing
  reconciler.Release();
  reconciler.AwaitCalls(3);
  EXPECT_TRUE(controller.Stop(absl::InfiniteFuture()));
  EXPECT_EQ(reconciler.max_running(), 2);
  EXPECT_EQ(Sample(registry, "controller_runtime_reconcile_total",
                   {{"controller", "cs"}, {"result", "success"}}),
            3);
  EXPECT_EQ(Sample(registry, "controller_runtime_active_workers", {{"controller", "cs"}}), 0);
}

TEST(ControllerThreadsTest, StopGivesUpOnAStuckReconcile) {
  auto* reconciler = NeverDestroyed<BlockingReconciler>();
  ControllerOptions options;
  options.name = "cs";
  options.workers = 1;
  auto controller = std::make_unique<Controller>(options, *reconciler, RealClock::Get());
  controller->Start();
  controller->queue().Add(kKey);
  reconciler->AwaitRunning(1);
  EXPECT_FALSE(controller->Stop(absl::Now() + absl::Milliseconds(10)));
  controller.reset();  // must not wait for the abandoned worker
  reconciler->Release();
}

}  // namespace
}  // namespace nxt::reconciler
