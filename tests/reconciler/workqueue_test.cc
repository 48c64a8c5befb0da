#include "reconciler/workqueue.h"

#include <atomic>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/fake_clock.h"

namespace nxt::reconciler {
namespace {

using resources::ObjectKey;
using ::testing::Optional;

ObjectKey Key(const std::string& name) { return {"ContainerSet", "default", name}; }

// Records what the queue reports.
class RecordingQueueMetrics : public WorkQueueMetrics {
 public:
  void SetDepth(int64_t depth) override { depth_ = depth; }
  void IncAdds() override { ++adds_; }
  void ObserveQueueDuration(absl::Duration d) override { queue_durations_.push_back(d); }
  void ObserveWorkDuration(absl::Duration d) override { work_durations_.push_back(d); }
  void IncRetries() override { ++retries_; }
  void SetUnfinishedWorkSeconds(double s) override { unfinished_ = s; }
  void SetLongestRunningProcessorSeconds(double s) override { longest_ = s; }

  std::atomic<int64_t> depth_{-1};
  std::atomic<int> adds_{0};
  std::atomic<int> retries_{0};
  std::atomic<double> unfinished_{-1};
  std::atomic<double> longest_{-1};
  std::vector<absl::Duration> queue_durations_;
  std::vector<absl::Duration> work_durations_;
};

class WorkQueueTest : public ::testing::Test {
 protected:
  static WorkQueueOptions ManualOptions(WorkQueueMetrics* metrics = nullptr) {
    WorkQueueOptions options;
    options.start_waiter = false;  // the tests call ProcessDue()
    options.metrics = metrics;
    options.rate_limiter =
        std::make_unique<ExponentialFailureRateLimiter>(absl::Milliseconds(5), absl::Seconds(60));
    return options;
  }

  testing::FakeClock clock_;
};

TEST_F(WorkQueueTest, AddDedupsQueuedKeys) {
  WorkQueue queue(clock_, ManualOptions());
  queue.Add(Key("a"));
  queue.Add(Key("a"));
  queue.Add(Key("b"));
  queue.Add(Key("a"));
  EXPECT_EQ(queue.Len(), 2);
  EXPECT_THAT(queue.Get(), Optional(Key("a")));
  EXPECT_THAT(queue.Get(), Optional(Key("b")));
  EXPECT_EQ(queue.Len(), 0);
  EXPECT_EQ(queue.NumProcessing(), 2);
}

TEST_F(WorkQueueTest, AddWhileProcessingRequeuesOnDone) {
  WorkQueue queue(clock_, ManualOptions());
  queue.Add(Key("a"));
  ASSERT_THAT(queue.Get(), Optional(Key("a")));
  queue.Add(Key("a"));
  queue.Add(Key("a"));
  EXPECT_EQ(queue.Len(), 0) << "a key being processed is never handed out again";
  queue.Done(Key("a"));
  EXPECT_EQ(queue.Len(), 1) << "re-added while processing: runs exactly once more";
  EXPECT_THAT(queue.Get(), Optional(Key("a")));
  queue.Done(Key("a"));
  EXPECT_EQ(queue.Len(), 0);
  EXPECT_EQ(queue.NumProcessing(), 0);
}

TEST_F(WorkQueueTest, DoneWithoutReAddDoesNotRequeue) {
  WorkQueue queue(clock_, ManualOptions());
  queue.Add(Key("a"));
  ASSERT_THAT(queue.Get(), Optional(Key("a")));
  queue.Done(Key("a"));
  EXPECT_EQ(queue.Len(), 0);
}

TEST_F(WorkQueueTest, NeverGivesOneKeyToTwoWorkersUnderContention) {
  WorkQueue queue(RealClock::Get(), ManualOptions());
  absl::Mutex mu;
  std::set<ObjectKey> in_flight;
  std::atomic<int> violations{0};
  std::atomic<int> processed{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      while (std::optional<ObjectKey> key = queue.Get()) {
        {
          absl::MutexLock lock(&mu);
          if (!in_flight.insert(*key).second) {
            ++violations;
          }
        }
        queue.Add(*key);  // re-added while processing
        std::this_thread::yield();
        {
          absl::MutexLock lock(&mu);
          in_flight.erase(*key);
        }
        ++processed;
        queue.Done(*key);
      }
    });
  }
  for (int i = 0; i < 20000; ++i) {
    queue.Add(Key(std::to_string(i % 3)));
  }
  // Wait for the workers to have done a good amount of work, without sleeping.
  while (processed < 2000) {
    std::this_thread::yield();
  }
  queue.ShutDown();
  for (std::thread& t : workers) {
    t.join();
  }
  EXPECT_EQ(violations, 0);
  EXPECT_GE(processed, 2000);
}

TEST_F(WorkQueueTest, ShutDownUnblocksGet) {
  WorkQueue queue(clock_, ManualOptions());
  std::optional<ObjectKey> got = Key("sentinel");
  absl::Notification returned;
  std::thread worker([&] {
    got = queue.Get();
    returned.Notify();
  });
  queue.ShutDown();
  returned.WaitForNotification();
  worker.join();
  EXPECT_EQ(got, std::nullopt);
  EXPECT_TRUE(queue.ShuttingDown());
}

TEST_F(WorkQueueTest, AddsAfterShutDownAreIgnored) {
  WorkQueue queue(clock_, ManualOptions());
  queue.Add(Key("queued"));
  queue.ShutDown();
  queue.Add(Key("a"));
  queue.AddAfter(Key("b"), absl::Seconds(1));
  queue.AddRateLimited(Key("c"));
  EXPECT_EQ(queue.NumWaiting(), 0);
  EXPECT_EQ(queue.Get(), std::nullopt) << "queued keys are not handed out after ShutDown";
}

TEST_F(WorkQueueTest, ShutDownWithDrainWaitsForDone) {
  WorkQueue queue(clock_, ManualOptions());
  queue.Add(Key("a"));
  ASSERT_THAT(queue.Get(), Optional(Key("a")));
  absl::Notification drained;
  bool result = false;
  std::thread stopper([&] {
    result = queue.ShutDownWithDrain(absl::InfiniteDuration());
    drained.Notify();
  });
  EXPECT_FALSE(drained.HasBeenNotified());
  queue.Done(Key("a"));
  drained.WaitForNotification();
  stopper.join();
  EXPECT_TRUE(result);
  EXPECT_EQ(queue.NumProcessing(), 0);
}

TEST_F(WorkQueueTest, ShutDownWithDrainTimesOutWhileProcessing) {
  WorkQueue queue(clock_, ManualOptions());
  queue.Add(Key("a"));
  ASSERT_THAT(queue.Get(), Optional(Key("a")));
  EXPECT_FALSE(queue.ShutDownWithDrain(absl::Milliseconds(10)));
  queue.Done(Key("a"));
  EXPECT_TRUE(queue.ShutDownWithDrain(absl::ZeroDuration()));
}

TEST_F(WorkQueueTest, AddAfterQueuesOnlyWhenTheClockReachesTheDueTime) {
  WorkQueue queue(clock_, ManualOptions());
  queue.AddAfter(Key("a"), absl::Seconds(1));
  EXPECT_EQ(queue.Len(), 0);
  EXPECT_EQ(queue.NumWaiting(), 1);
  clock_.Advance(absl::Milliseconds(999));
  EXPECT_EQ(queue.ProcessDue(), 0);
  EXPECT_EQ(queue.Len(), 0);
  clock_.Advance(absl::Milliseconds(1));
  EXPECT_EQ(queue.ProcessDue(), 1);
  EXPECT_EQ(queue.Len(), 1);
  EXPECT_EQ(queue.NumWaiting(), 0);
}

TEST_F(WorkQueueTest, AddAfterKeepsTheEarliestDueTime) {
  WorkQueue queue(clock_, ManualOptions());
  queue.AddAfter(Key("a"), absl::Seconds(10));
  queue.AddAfter(Key("a"), absl::Seconds(2));   // earlier: wins
  queue.AddAfter(Key("a"), absl::Seconds(30));  // later: ignored
  EXPECT_EQ(queue.NumWaiting(), 1);
  clock_.Advance(absl::Seconds(2));
  EXPECT_EQ(queue.ProcessDue(), 1);
  clock_.Advance(absl::Seconds(30));
  EXPECT_EQ(queue.ProcessDue(), 0);
  EXPECT_EQ(queue.Len(), 1);
}

TEST_F(WorkQueueTest, DelayedKeysComeOutInDueOrder) {
  WorkQueue queue(clock_, ManualOptions());
  queue.AddAfter(Key("late"), absl::Seconds(3));
  queue.AddAfter(Key("early"), absl::Seconds(1));
  clock_.Advance(absl::Seconds(5));
  EXPECT_EQ(queue.ProcessDue(), 2);
  EXPECT_THAT(queue.Get(), Optional(Key("early")));
  EXPECT_THAT(queue.Get(), Optional(Key("late")));
}

TEST_F(WorkQueueTest, AddAfterZeroAddsNow) {
  WorkQueue queue(clock_, ManualOptions());
  queue.AddAfter(Key("a"), absl::ZeroDuration());
  EXPECT_EQ(queue.Len(), 1);
}

TEST_F(WorkQueueTest, WaiterThreadQueuesDueKeys) {
  WorkQueueOptions options;
  options.start_waiter = true;
  WorkQueue queue(RealClock::Get(), std::move(options));
  queue.AddAfter(Key("a"), absl::Milliseconds(1));
  EXPECT_THAT(queue.Get(), Optional(Key("a")));  // blocks until the waiter queues it
}

TEST_F(WorkQueueTest, AddRateLimitedBacksOffPerKeyUntilForget) {
  WorkQueue queue(clock_, ManualOptions());
  queue.AddRateLimited(Key("a"));
  EXPECT_EQ(queue.NumRequeues(Key("a")), 1);
  clock_.Advance(absl::Milliseconds(5));
  EXPECT_EQ(queue.ProcessDue(), 1);
  ASSERT_THAT(queue.Get(), Optional(Key("a")));
  queue.Done(Key("a"));

  queue.AddRateLimited(Key("a"));  // second failure: 10 ms
  clock_.Advance(absl::Milliseconds(5));
  EXPECT_EQ(queue.ProcessDue(), 0);
  clock_.Advance(absl::Milliseconds(5));
  EXPECT_EQ(queue.ProcessDue(), 1);
  EXPECT_EQ(queue.NumRequeues(Key("a")), 2);

  queue.Forget(Key("a"));
  EXPECT_EQ(queue.NumRequeues(Key("a")), 0);
}

TEST_F(WorkQueueTest, ReportsMetrics) {
  RecordingQueueMetrics metrics;
  WorkQueue queue(clock_, ManualOptions(&metrics));
  EXPECT_EQ(metrics.depth_, 0);
  queue.Add(Key("a"));
  queue.Add(Key("a"));
  EXPECT_EQ(metrics.adds_, 2);
  EXPECT_EQ(metrics.depth_, 1);
  clock_.Advance(absl::Seconds(3));
  ASSERT_THAT(queue.Get(), Optional(Key("a")));
  EXPECT_EQ(metrics.depth_, 0);
  ASSERT_EQ(metrics.queue_durations_.size(), 1u);
  EXPECT_EQ(metrics.queue_durations_[0], absl::Seconds(3));

  clock_.Advance(absl::Seconds(2));
  queue.UpdateUnfinishedWorkMetrics();
  EXPECT_DOUBLE_EQ(metrics.unfinished_, 2.0);
  EXPECT_DOUBLE_EQ(metrics.longest_, 2.0);
  queue.Done(Key("a"));
  ASSERT_EQ(metrics.work_durations_.size(), 1u);
  EXPECT_EQ(metrics.work_durations_[0], absl::Seconds(2));
  EXPECT_DOUBLE_EQ(metrics.unfinished_, 0.0);

  queue.AddRateLimited(Key("a"));
  EXPECT_EQ(metrics.retries_, 1);
}

}  // namespace
}  // namespace nxt::reconciler
